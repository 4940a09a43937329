from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from gongjiang.core.scope import can_reveal_pii, restrict
from gongjiang.registry.models import Employment, EmploymentStat, Organisation, Person


class PersonSerializer(serializers.ModelSerializer):
    """Reads show the ID number and phone masked; writes take them in full (they are encrypted)."""

    id_number = serializers.CharField(write_only=True, help_text=_("18-character resident ID number (GB 11643)."))
    phone = serializers.CharField(write_only=True, required=False, allow_blank=True)
    id_number_masked = serializers.CharField(read_only=True)
    phone_masked = serializers.CharField(read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "id_number",
            "id_number_masked",
            "phone",
            "phone_masked",
            "birth_date",
            "sex",
            "birth_region_code",
            "household_region_code",
            "residence_region_code",
            "created",
            "updated",
        ]
        read_only_fields = ["birth_date", "sex", "birth_region_code", "created", "updated"]
        extra_kwargs = {"household_region_code": {"required": False}}


class PersonSearchSerializer(serializers.Serializer):
    id_number = serializers.CharField(max_length=20, help_text=_("The ID number to look up (15 or 18 characters)."))


class PersonRevealSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=["id_number", "phone"])
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not can_reveal_pii(self.context["request"].user):
            raise serializers.ValidationError(_("Your role may not see full personal data."))
        return attrs


class OrganisationSerializer(serializers.ModelSerializer):
    industry_code = serializers.CharField(required=False, allow_blank=True, write_only=True)
    industry: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "uscc",
            "name",
            "kind",
            "region_code",
            "industry",
            "industry_code",
            "self_evaluation",
            "created",
            "updated",
        ]
        read_only_fields = ["created", "updated"]
        # Uniqueness and the credit-code checks are the service's, with clearer messages.
        extra_kwargs: dict[str, Any] = {"uscc": {"validators": []}}


class EmploymentSerializer(serializers.ModelSerializer):
    occupation: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="code", read_only=True)
    occupation_code = serializers.CharField(required=False, allow_blank=True, write_only=True)

    class Meta:
        model = Employment
        fields = ["id", "person", "organisation", "start", "end", "occupation", "occupation_code"]
        validators: list = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Only persons and organisations the caller can see may be referenced.

            self.fields["person"].queryset = restrict(Person.objects.all(), request.user)  # type: ignore[attr-defined]
            self.fields["organisation"].queryset = restrict(  # type: ignore[attr-defined]
                Organisation.objects.all(), request.user
            )


class EmploymentStatSerializer(serializers.ModelSerializer):
    class Meta:
        model = EmploymentStat
        fields = ["id", "region_code", "year", "employed", "source"]
        validators: list = []
