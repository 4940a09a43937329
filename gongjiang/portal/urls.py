from django.urls import path

from gongjiang.portal import views

urlpatterns = [
    path("", views.verify, name="verify"),
    path("t/<str:token>/", views.verify_token, name="verify-token"),
    path("issuer/", views.issuer, name="verify-issuer"),
    path("credential/", views.verify_credential, name="verify-credential"),
    path("revocations/", views.revocations, name="verify-revocations"),
]
