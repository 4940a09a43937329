from django.urls import path

from gongjiang.competitions import public_views, views

app_name = "competitions"

urlpatterns = [
    path("marks-template.xlsx", views.marks_template, name="marks-template"),
    # Public, without signing in: the published results.
    path("results/", public_views.results, name="results"),
    path("results/<int:pk>/", public_views.result, name="result"),
    *[pattern for register in views.REGISTERS for pattern in register.urls()],
]
