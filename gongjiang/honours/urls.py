from django.urls import path

from gongjiang.honours import views

app_name = "honours"

urlpatterns = [
    path("public/", views.public_index, name="public"),
    path("public/<int:pk>/", views.public_call, name="public-call"),
    *[pattern for register in views.REGISTERS for pattern in register.urls()],
]
