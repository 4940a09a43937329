from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from gongjiang.imports import kinds
from gongjiang.imports.models import ImportJob


class ImportJobSerializer(serializers.ModelSerializer):
    created_by: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="username", read_only=True)
    summary = serializers.JSONField(read_only=True, help_text=_("File-level errors, ignored columns, first errors."))
    report_csv = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "mode",
            "partial",
            "status",
            "stage",
            "progress",
            "original_name",
            "size",
            "created_by",
            "region_code",
            "created",
            "started",
            "finished",
            "total_rows",
            "create_count",
            "update_count",
            "unchanged_count",
            "error_count",
            "error_rows",
            "summary",
            "report_csv",
        ]
        read_only_fields = fields

    def get_report_csv(self, job: ImportJob) -> str | None:
        if not job.report_name:
            return None
        request = self.context.get("request")
        path = f"/api/imports/{job.pk}/report/"
        return request.build_absolute_uri(path) if request is not None else path


class ImportUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=())  # the registered kinds, set per instance
    file = serializers.FileField(help_text=_("CSV (UTF-8 or GBK) or XLSX."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, serializers.ChoiceField)
        kind.choices = kinds.choices()


class ImportConfirmSerializer(serializers.Serializer):
    # A field named like Serializer.partial: declared fields are taken out of the class by DRF's metaclass.
    partial = serializers.BooleanField(  # type: ignore[assignment]
        default=False, help_text=_("Import the valid rows of a file with errors and report the rest.")
    )
