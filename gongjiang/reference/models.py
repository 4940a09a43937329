"""Reference data on the national code systems."""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County / district")


class RegionQuerySet(models.QuerySet):
    def as_of(self, when: datetime.date | int) -> RegionQuerySet:
        year = when if isinstance(when, int) else when.year
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=year)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=year)
        )

    def current(self) -> RegionQuerySet:
        return self.filter(valid_to__isnull=True)


class Region(models.Model):
    """One version of a GB/T 2260 code: the name it carried over a span of years (inclusive)."""

    code = models.CharField(_("code"), max_length=6, db_index=True)
    name = models.CharField(_("name"), max_length=50)
    level = models.CharField(_("level"), max_length=10, choices=RegionLevel.choices, db_index=True)
    parent_code = models.CharField(_("parent code"), max_length=6, blank=True, default="", db_index=True)
    valid_from = models.PositiveSmallIntegerField(_("valid from (year)"), null=True, blank=True)
    valid_to = models.PositiveSmallIntegerField(_("valid to (year)"), null=True, blank=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "name", "valid_from"], name="region_version_unique"),
        ]

    def __str__(self) -> str:
        span = ""
        if self.valid_from or self.valid_to:
            span = f" [{self.valid_from or ''}–{self.valid_to or ''}]"
        return f"{self.code} {self.name}{span}"


class OccupationKind(models.TextChoices):
    MAJOR = "major", _("Major group")
    MEDIUM = "medium", _("Medium group")
    MINOR = "minor", _("Minor group")
    OCCUPATION = "occupation", _("Occupation")


class Occupation(models.Model):
    """The 2022 occupational classification (职业分类大典): groups and occupations, code D-DD-DD-DD."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=OccupationKind.choices, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    digital = models.BooleanField(_("digital occupation"), default=False)
    source = models.CharField(_("source"), max_length=20, default="shipped")

    class Meta:
        verbose_name = _("occupation")
        verbose_name_plural = _("occupations")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def major_code(self) -> str:
        return self.code.split("-")[0]


class IndustryKind(models.TextChoices):
    SECTION = "section", _("Section")
    DIVISION = "division", _("Division")


class Industry(models.Model):
    """GB/T 4754-2017 industries: sections A–T and their divisions."""

    code = models.CharField(_("code"), max_length=4, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=IndustryKind.choices)
    section = models.CharField(_("section"), max_length=1, db_index=True)

    class Meta:
        verbose_name = _("industry")
        verbose_name_plural = _("industries")
        ordering = ["section", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class SkillLevel(models.Model):
    """The new eight-level sequence (新八级工, 人社部发〔2022〕14号). rank orders them; national_level is the
    level code printed on certificates (5 初级工 … 1 高级技师); high_skilled is 高级工 and above."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    rank = models.PositiveSmallIntegerField(_("rank"), unique=True)
    name = models.CharField(_("name"), max_length=20)
    name_en = models.CharField(_("English name"), max_length=40)
    national_level = models.PositiveSmallIntegerField(_("national level code"), null=True, blank=True)
    high_skilled = models.BooleanField(_("high-skilled"), default=False)

    class Meta:
        verbose_name = _("skill level")
        verbose_name_plural = _("skill levels")
        ordering = ["rank"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The level's name in the page's language: 高级工 on a Chinese page, "Senior worker (level 3)" on an
        English one."""
        return self.name_en if (get_language() or "").startswith("en") and self.name_en else self.name
