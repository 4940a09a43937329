from django.urls import path

from gongjiang.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("", views.index, name="index"),
    path("plans/results-template.xlsx", views.results_template, name="results-template"),
    # Public, without signing in: the directory of institutions and the lists under objection.
    path("directory/", views.directory, name="directory"),
    path("directory/<int:pk>/", views.directory_entry, name="directory-entry"),
    path("publicity/", views.publicity, name="publicity"),
    path("publicity/<str:code>/", views.publicity_plan, name="publicity-plan"),
    *[pattern for register in views.REGISTERS for pattern in register.urls()],
]
