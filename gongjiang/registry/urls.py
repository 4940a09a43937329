from django.urls import path

from gongjiang.registry import views

urlpatterns = [
    path("persons/<int:pk>/reveal/", views.person_reveal, name="person-reveal"),
    *views.PERSONS.urls(),
    *views.ORGANISATIONS.urls(),
    *views.EMPLOYMENTS.urls(),
    *views.EMPLOYMENT_STATS.urls(),
]
