from django.urls import path

from gongjiang.imports import views

urlpatterns = [
    path("", views.job_list, name="import-list"),
    path("upload/", views.job_upload, name="import-upload"),
    path("<int:pk>/", views.job_detail, name="import-detail"),
    path("<int:pk>/status/", views.job_status, name="import-status"),
    path("<int:pk>/confirm/", views.job_confirm, name="import-confirm"),
    path("<int:pk>/discard/", views.job_discard, name="import-discard"),
    path("<int:pk>/report.<str:fmt>", views.job_report, name="import-report"),
    path("columns/", views.columns_help, name="import-help"),
    path("template/<str:kind>.<str:fmt>", views.template_file, name="import-template"),
    path("export/<str:kind>/", views.export_list, name="export"),
]
