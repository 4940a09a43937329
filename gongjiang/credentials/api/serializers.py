from __future__ import annotations

from typing import Any

from rest_framework import serializers

from gongjiang.core.pii import mask_name
from gongjiang.core.scope import restrict
from gongjiang.credentials.models import Certificate
from gongjiang.registry.models import Organisation, Person


class CertificateSerializer(serializers.ModelSerializer):
    occupation: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="code", read_only=True)
    occupation_code = serializers.CharField(write_only=True)
    level: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="code", read_only=True)
    level_code = serializers.CharField(write_only=True)
    holder_name_masked = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = [
            "id",
            "number",
            "person",
            "holder_name_masked",
            "occupation",
            "occupation_code",
            "level",
            "level_code",
            "issuer",
            "issue_date",
            "status",
            "revoked_on",
            "revoke_reason",
            "revoke_document",
            "source",
            "created",
            "updated",
        ]
        read_only_fields = ["status", "revoked_on", "revoke_reason", "revoke_document", "created", "updated"]
        extra_kwargs: dict[str, Any] = {"number": {"validators": []}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["person"].queryset = restrict(Person.objects.all(), request.user)  # type: ignore[attr-defined]
            self.fields["issuer"].queryset = restrict(Organisation.objects.all(), request.user)  # type: ignore[attr-defined]

    def get_holder_name_masked(self, obj: Certificate) -> str:

        return mask_name(obj.person.name)


class CertificateRevokeSerializer(serializers.Serializer):
    revoked_on = serializers.DateField()
    reason = serializers.CharField(max_length=200)
    document = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
