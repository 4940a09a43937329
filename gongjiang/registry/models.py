"""Persons, organisations, employment and employment statistics."""

from __future__ import annotations

from django.db import models
from django.db.models import F
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongjiang.core import pii
from gongjiang.core.models import Scope, Scoped


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Person(Scoped):
    """A worker. The ID number and phone are stored encrypted; ``id_index`` is the blind index used for
    exact search and deduplication. Birth date, sex and birth region are derived from the ID number."""

    SCOPE = Scope("residence_region_code", "employments__organisation")

    PII_FIELDS = ("id_number_enc", "phone_enc", "id_index", "phone_index")
    REVEALABLE = ("id_number", "phone")  # shown in full, logged, to officers (core.services.pii_reveal)
    AUDIT_MASK = {"name": pii.mask_name}
    AUDIT_LABELS = {
        "id_number_enc": _("ID number"),
        "id_index": _("ID number"),
        "phone_enc": _("Phone"),
        "phone_index": _("Phone"),
    }

    name = models.CharField(pgettext_lazy("person", "name"), max_length=50, db_index=True)
    id_number_enc = models.TextField(_("ID number (encrypted)"))
    id_index = models.CharField(_("ID number blind index"), max_length=32, unique=True)
    phone_enc = models.TextField(_("phone (encrypted)"), blank=True, default="")
    phone_index = models.CharField(_("phone blind index"), max_length=32, blank=True, default="", db_index=True)
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_region_code = models.CharField(_("birth region"), max_length=6)
    household_region_code = models.CharField(_("household region"), max_length=6)
    residence_region_code = models.CharField(_("residence region"), max_length=6, db_index=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["id"]
        indexes = [
            # A district's and a city's persons in id order: their lists (newest first) and their pages by
            # key read the index in order instead of sorting every person of the region.
            models.Index(fields=["residence_region_code", "id"], name="person_region_id"),
            models.Index(Substr("residence_region_code", 1, 4), F("id"), name="person_city_id"),
        ]

    def __str__(self) -> str:
        return f"{pii.mask_name(self.name)} ({self.pk})"

    @property
    def id_number(self) -> str:
        return pii.decrypt(self.id_number_enc)

    @property
    def phone(self) -> str:
        return pii.decrypt(self.phone_enc)

    @property
    def id_number_masked(self) -> str:
        return pii.mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return pii.mask_phone(self.phone)

    def pii_fingerprint(self) -> dict[str, str]:
        return {"id_number_enc": self.id_index, "phone_enc": self.phone_index}


class OrganisationKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    TRAINING = "training", _("Training institution")
    EVALUATION = "evaluation", _("Evaluation institution")
    VOCATIONAL_SCHOOL = "vocational_school", _("Vocational school")
    TECHNICIAN_COLLEGE = "technician_college", _("Technician college")


class Organisation(Scoped):
    SCOPE = Scope("region_code", "pk")
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices, db_index=True)
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    industry = models.ForeignKey(
        "reference.Industry", verbose_name=_("industry"), null=True, blank=True, on_delete=models.PROTECT
    )
    self_evaluation = models.BooleanField(_("files for self-evaluation"), default=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["id"]
        indexes = [
            # As the persons': a district's and a city's organisations in id order.
            models.Index(fields=["region_code", "id"], name="organisation_region_id"),
            models.Index(Substr("region_code", 1, 4), F("id"), name="organisation_city_id"),
        ]

    def __str__(self) -> str:
        return self.name


class Employment(Scoped):
    # Scoped by the employer's region, copied onto the row (``region_code``, kept by the services when an
    # employment is written and when its employer moves), so that a region's employments are read from
    # the (region, id) and (city, id) indexes, not by joining every employer.
    SCOPE = Scope("region_code", "organisation", steps=frozenset({"end"}))
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="employments")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="employments"
    )
    region_code = models.CharField(_("employer's region"), max_length=6, editable=False, default="")
    start = models.DateField(_("from"))
    end = models.DateField(_("to"), null=True, blank=True)
    occupation = models.ForeignKey(
        "reference.Occupation", verbose_name=_("occupation"), null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("employment")
        verbose_name_plural = _("employments")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "organisation", "start"], name="employment_natural_key"),
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")), name="employment_dates"
            ),
        ]
        indexes = [
            # As the persons': a district's and a city's employments in id order.
            models.Index(fields=["region_code", "id"], name="employment_region_id"),
            models.Index(Substr("region_code", 1, 4), F("id"), name="employment_city_id"),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.organisation}"


class EmploymentStat(Scoped):
    """Employed persons in a region and year: the denominators of the indicators."""

    SCOPE = Scope("region_code")

    region_code = models.CharField(_("region"), max_length=6)
    year = models.PositiveSmallIntegerField(_("year"))
    employed = models.PositiveIntegerField(_("employed persons"))
    source = models.CharField(_("source"), max_length=100, blank=True, default="")

    class Meta:
        verbose_name = _("employment statistic")
        verbose_name_plural = _("employment statistics")
        ordering = ["region_code", "year"]
        constraints = [models.UniqueConstraint(fields=["region_code", "year"], name="employment_stat_key")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.year}: {self.employed}"
