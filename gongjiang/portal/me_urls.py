from django.urls import path

from gongjiang.portal import self_service as views

urlpatterns = [
    path("", views.me, name="self-service"),
    path("sign-in/", views.sign_in, name="self-service-sign-in"),
    path("sign-in/code/", views.sign_in_code, name="self-service-code"),
    path("invitation/", views.invitation, name="self-service-invitation"),
    path("certificates/<int:pk>/certificate.pdf", views.certificate_pdf_view, name="self-service-pdf"),
    path("certificates/<int:pk>/credential.json", views.certificate_credential_view, name="self-service-credential"),
    path("invite/<int:pk>/", views.invite, name="self-service-invite"),
]
