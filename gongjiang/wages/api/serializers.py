"""Serializers of the public wage-price API: editions and cells; a suppressed cell carries its status and
reason and no figure."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from gongjiang.wages.exports import cell_values
from gongjiang.wages.models import Cell, Edition


class EditionSerializer(serializers.ModelSerializer):
    supersedes: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Edition
        fields = (
            "id",
            "region_code",
            "year",
            "number",
            "status",
            "published_at",
            "supersedes",
            "correction_reason",
            "method",
            "rules",
        )


class CellSerializer(serializers.ModelSerializer):
    edition: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(read_only=True)
    year = serializers.IntegerField(source="edition.year", read_only=True)
    figures = serializers.SerializerMethodField()

    class Meta:
        model = Cell
        fields = (
            "id",
            "edition",
            "year",
            "cell_kind",
            "region_code",
            "occupation_code",
            "minor_group",
            "skill_level",
            "industry_section",
            "level_group",
            "status",
            "reason",
            "figures",
        )

    def get_figures(self, cell: Cell) -> dict[str, Any]:
        """P10–P90 and the mean (yuan per year), their standard errors and 95% intervals, the enterprises
        and employees behind them; empty for a suppressed cell."""
        return cell_values(cell)
