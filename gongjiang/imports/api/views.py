from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from gongjiang.core.api_views import ScopedViewSet
from gongjiang.core.tabular import CSV_TYPE, human_size
from gongjiang.imports import storage
from gongjiang.imports.api.serializers import ImportConfirmSerializer, ImportJobSerializer, ImportUploadSerializer
from gongjiang.imports.models import ImportJob
from gongjiang.imports.services import import_job_confirm, import_job_create


def _too_large(limit: int) -> str:
    return _("The file is larger than %(limit)s; split it into smaller files.") % {"limit": human_size(limit)}


class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Import jobs: upload a file (it is checked in the background), poll the job, confirm the import,
    download the error report. Officers only, within their region."""

    queryset = ImportJob.objects.select_related("created_by").order_by("-pk")
    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    action_scope = {"confirm": "add"}

    @extend_schema(request=ImportUploadSerializer, responses={202: ImportJobSerializer, 413: OpenApiResponse()})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if length > limit + 64 * 1024:
            return Response(
                {
                    "file": [
                        _("The file is larger than %(limit)s; split it into smaller files.")
                        % {"limit": human_size(limit)}
                    ]
                },
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        ser = ImportUploadSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        upload = ser.validated_data["file"]
        if upload.size > limit:
            return Response(
                {
                    "file": [
                        _("The file is larger than %(limit)s; split it into smaller files.")
                        % {"limit": human_size(limit)}
                    ]
                },
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        job = import_job_create(
            actor=request.user, kind=ser.validated_data["kind"], data=upload.read(), filename=upload.name or "upload"
        )
        job.refresh_from_db()
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=ImportConfirmSerializer, responses={202: ImportJobSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        """Import a checked file (or, with ``partial``, the valid rows of a rejected one)."""
        job = self.get_object()
        ser = ImportConfirmSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        job = import_job_confirm(actor=request.user, job=job, partial=ser.validated_data["partial"])
        job.refresh_from_db()
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "text/csv"): OpenApiResponse(description="the error report")})
    @action(detail=True, methods=["get"])
    def report(self, request: Request, pk: str | None = None) -> HttpResponse:
        job = self.get_object()
        if not job.report_name:
            raise ValidationError({"report": [_("This job has no error report.")]})
        response = HttpResponse(storage.load(job.report_name), content_type=CSV_TYPE)
        response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
        return response
