from django.urls import path

from gongjiang.evaluation import public_views, views

app_name = "evaluation"

urlpatterns = [
    path("", views.index, name="index"),
    path("plans/results-template.xlsx", views.results_template, name="results-template"),
    # Public, without signing in: the directory of institutions and the lists under objection.
    path("directory/", public_views.directory, name="directory"),
    path("directory/<int:pk>/", public_views.directory_entry, name="directory-entry"),
    path("publicity/", public_views.publicity, name="publicity"),
    path("publicity/<str:code>/", public_views.publicity_plan, name="publicity-plan"),
    *[pattern for register in views.REGISTERS for pattern in register.urls()],
]
