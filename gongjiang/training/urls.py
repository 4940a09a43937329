from django.urls import path

from gongjiang.training import views

app_name = "training"

urlpatterns = [
    path("", views.home, name="home"),
    *[pattern for register in views.REGISTERS for pattern in register.urls()],
]
