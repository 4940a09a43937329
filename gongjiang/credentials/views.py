from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from gongjiang.core.scope import restrict
from gongjiang.core.views import object_history, scoped_list
from gongjiang.credentials.filtersets import CertificateFilter
from gongjiang.credentials.models import Certificate
from gongjiang.credentials.proof_views import proof_allowed


@login_required
def certificate_list(request: HttpRequest) -> HttpResponse:
    return scoped_list(
        request, model=Certificate, filterset_class=CertificateFilter, template="credentials/certificate_list.html"
    )


@login_required
def certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    qs = restrict(Certificate.objects.select_related("person", "occupation", "level", "issuer"), request.user)
    cert = get_object_or_404(qs, pk=pk)
    return render(
        request,
        "credentials/certificate_detail.html",
        {"cert": cert, "history": object_history(request, cert), "proof_allowed": proof_allowed(request.user, cert)},
    )
