from django.urls import path

from gongjiang.training import views

app_name = "training"

urlpatterns = [
    path("", views.home, name="home"),
    path("catalog/template.xlsx", views.catalog_template, name="catalog-template"),
    path("classes/roster-template.xlsx", views.roster_template, name="roster-template"),
    *[pattern for register in views.REGISTERS for pattern in register.urls()],
]
