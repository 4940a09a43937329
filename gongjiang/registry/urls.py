from django.urls import path

from gongjiang.registry import views

urlpatterns = [
    path("persons/", views.person_list, name="person-list"),
    path("persons/<int:pk>/", views.person_detail, name="person-detail"),
    path("persons/<int:pk>/reveal/", views.person_reveal, name="person-reveal"),
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation-detail"),
]
