from django.urls import path

from gongjiang.credentials import proof_views, views

urlpatterns = [
    path("certificates/", views.certificate_list, name="certificate-list"),
    path("certificates/<int:pk>/", views.certificate_detail, name="certificate-detail"),
    path("certificates/<int:pk>/proof.pdf", proof_views.certificate_proof_pdf, name="certificate-proof-pdf"),
    path("certificates/<int:pk>/credential.json", proof_views.certificate_proof_vc, name="certificate-proof-vc"),
]
