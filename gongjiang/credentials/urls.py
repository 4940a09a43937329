from django.urls import path

from gongjiang.credentials import proof_views, views

urlpatterns = [
    path("certificates/<int:pk>/proof.pdf", proof_views.certificate_proof_pdf, name="certificate-proof-pdf"),
    path("certificates/<int:pk>/credential.json", proof_views.certificate_proof_vc, name="certificate-proof-vc"),
    *views.CERTIFICATES.urls(),
]
