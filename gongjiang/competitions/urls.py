from django.urls import path

from gongjiang.competitions import views

app_name = "competitions"

urlpatterns = [
    path("marks-template.xlsx", views.marks_template, name="marks-template"),
    *[pattern for register in views.REGISTERS for pattern in register.urls()],
]
