from django.urls import path

from gongjiang.training import views

app_name = "training"

urlpatterns = [
    path("", views.home, name="home"),
    path("catalog/", views.catalog, name="catalog"),
    path("catalog/template.xlsx", views.catalog_template, name="catalog-template"),
    path("institutions/", views.designations, name="designations"),
    path("needs/", views.needs, name="needs"),
    path("needs/<int:pk>/", views.need_detail, name="need"),
    path("applications/", views.applications, name="applications"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("classes/", views.classes, name="classes"),
    path("classes/<int:pk>/", views.class_detail, name="class"),
    path("classes/roster-template.xlsx", views.roster_template, name="roster-template"),
    path("claims/", views.claims, name="claims"),
    path("claims/<int:pk>/", views.claim_detail, name="claim"),
    path("batches/", views.batches, name="batches"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/export/", views.batch_export, name="batch-export"),
    path("findings/", views.findings, name="findings"),
    path("findings/<int:pk>/", views.finding_detail, name="finding"),
    path("samples/<int:pk>/", views.sample_detail, name="sample"),
]
