from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from gongjiang.core.api_views import ScopedViewSet
from gongjiang.credentials import services
from gongjiang.credentials.api.serializers import CertificateRevokeSerializer, CertificateSerializer
from gongjiang.credentials.filtersets import CertificateFilter
from gongjiang.credentials.models import Certificate


class CertificateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet):
    action_scope = {"revoke": "revoke"}
    queryset = Certificate.objects.select_related("person", "occupation", "level").order_by("pk")
    serializer_class = CertificateSerializer
    filterset_class = CertificateFilter

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = services.certificate_issue(
            actor=self.request.user,
            number=data["number"],
            person=data["person"],
            occupation_code=data["occupation_code"],
            level_code=data["level_code"],
            issue_date=data["issue_date"],
            source=data["source"],
            issuer=data.get("issuer"),
        )

    @extend_schema(request=CertificateRevokeSerializer, responses={200: CertificateSerializer})
    @action(detail=True, methods=["post"], serializer_class=CertificateRevokeSerializer)
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        cert = self.get_object()
        ser = CertificateRevokeSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        cert = services.certificate_revoke(
            actor=request.user,
            certificate=cert,
            revoked_on=ser.validated_data["revoked_on"],
            reason=ser.validated_data["reason"],
            document=ser.validated_data.get("document", ""),
        )
        return Response(CertificateSerializer(cert, context={"request": request}).data)
