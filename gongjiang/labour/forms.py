"""Forms of the labour pages. They parse input; the services decide and write. An organisation user's
own organisation is taken from the account; officers choose one."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from gongjiang.core.pages import BootstrapForm
from gongjiang.core.pickers import LIMIT, SEARCH, Choice, Picker, offer
from gongjiang.core.pii import mask_name
from gongjiang.core.scope import restrict
from gongjiang.core.uploads import DateInput
from gongjiang.labour.models import (
    ApprenticeshipKind,
    ClassKind,
    DemandPost,
    FairKind,
    MatchRound,
    OrderClass,
    OutcomeKind,
    PostStatus,
    Seeker,
    SeekerKind,
    SeekerStatus,
)
from gongjiang.labour.selectors import organisations_to_choose, round_classes
from gongjiang.reference.models import SkillLevel
from gongjiang.registry.models import Organisation, OrganisationKind
from gongjiang.training.models import Tier


def _levels(optional: bool) -> list[tuple[str, Any]]:
    levels = [
        (lv.code, lv.display_name) for lv in SkillLevel.objects.filter(national_level__isnull=False).order_by("rank")
    ]
    return ([("", _("Not stated"))] if optional else []) + levels


# The organisations a labour form names: the picker kind (below) of each field lists the same ones.
ENTERPRISES, SCHOOLS = "labour-enterprises", "labour-schools"
KINDS: dict[str, tuple[str, ...]] = {
    ENTERPRISES: (OrganisationKind.ENTERPRISE,),
    SCHOOLS: (
        OrganisationKind.VOCATIONAL_SCHOOL,
        OrganisationKind.TECHNICIAN_COLLEGE,
        OrganisationKind.TRAINING,
    ),
}
REFUSED = {
    ENTERPRISES: _("Choose one of the enterprises offered."),
    SCHOOLS: _("Choose one of the schools offered."),
}


def organisation_label(organisation: Organisation) -> str:
    return organisation.name


def _pick(kind: str) -> Any:
    """A picker source over the organisations a labour form offers (an organisation user searches them
    only where they name the other party: their own is taken from the account)."""

    def source(request: HttpRequest, q: str) -> list[Choice]:
        qs = organisations_to_choose(request.user, KINDS[kind], other_party=True).filter(name__contains=q)
        return [Choice(str(o.pk), organisation_label(o)) for o in qs[:LIMIT]]

    return source


PICKERS = {kind: _pick(kind) for kind in KINDS}


def organisation_field(label: Any, kind: str, *, required: bool = True, empty: Any = None) -> forms.ModelChoiceField:
    """An organisation to choose; the choices are set by the form's ``bind``."""
    return forms.ModelChoiceField(
        label=label,
        queryset=Organisation.objects.none(),
        required=required,
        empty_label=empty or _("Choose…"),
        error_messages={"invalid_choice": REFUSED[kind], "required": REFUSED[kind]},
        widget=forms.Select(attrs=SEARCH),
    )


class OrganisationsForm(BootstrapForm):
    """A form naming organisations, chosen by name among those the user may name (``bind``, or the form
    made with ``user``): ``organisations`` maps each such field to its picker kind and whether it names the
    user's own organisation, which an organisation user's account gives (the field is then not shown), or
    the other party of the record."""

    organisations: ClassVar[dict[str, tuple[str, bool]]] = {}

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:
            self.bind(user, None)

    def bind(self, user: Any, obj: Any) -> Any:
        own_taken = bool(getattr(user, "organisation_id", None))
        for name, (kind, own) in self.organisations.items():
            if name not in self.fields:  # bound already
                continue
            if own and own_taken:
                del self.fields[name]
                continue
            qs = organisations_to_choose(user, KINDS[kind], other_party=not own)
            offer(self.fields[name], qs, kind=kind, label=organisation_label)
        return self


class _LevelForm(OrganisationsForm):
    level_optional = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "level" in self.fields:
            self.fields["level"].choices = _levels(self.level_optional)  # type: ignore[attr-defined]


class PostForm(_LevelForm):
    organisations = {"organisation": (ENTERPRISES, True)}
    organisation = organisation_field(_("Enterprise"), ENTERPRISES)
    occupation = forms.CharField(label=_("Occupation"), max_length=20, widget=Picker("occupations"))
    level = forms.ChoiceField(label=_("Skill level"), choices=(), required=False)
    headcount = forms.IntegerField(label=_("Headcount"), min_value=1, max_value=100_000)
    wage_offer = forms.IntegerField(label=_("Monthly wage offered (yuan)"), min_value=1, max_value=1_000_000)
    start = forms.DateField(label=_("Start date"), widget=DateInput)
    region_code = forms.CharField(
        label=_("Region of the post"),
        max_length=6,
        required=False,
        widget=Picker("regions"),
        help_text=_("Empty: the enterprise's own region."),
    )


class SurveyForm(OrganisationsForm):
    organisations = {"organisation": (ENTERPRISES, True)}
    organisation = organisation_field(_("Enterprise"), ENTERPRISES)
    year = forms.IntegerField(label=_("Survey year"), min_value=2000, max_value=2100)


class SurveyLineForm(_LevelForm):
    level_optional = False
    occupation = forms.CharField(label=_("Occupation"), max_length=20, widget=Picker("occupations"))
    level = forms.ChoiceField(label=_("Skill level"), choices=())
    staff = forms.IntegerField(label=_("Staff now"), min_value=0)
    hires_1 = forms.IntegerField(label=_("Planned hires next year"), min_value=0)
    hires_2 = forms.IntegerField(label=_("Planned hires in two years"), min_value=0)
    hires_3 = forms.IntegerField(label=_("Planned hires in three years"), min_value=0)
    hard_to_fill = forms.IntegerField(label=_("Posts hard to fill"), min_value=0, initial=0)
    open_days = forms.IntegerField(label=_("Days the hard posts stayed open"), min_value=0, initial=0)


class CatalogForm(BootstrapForm):
    region_code = forms.CharField(label=_("Region code"), max_length=6, widget=Picker("regions"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)


class ProgrammeForm(OrganisationsForm):
    organisations = {"school": (SCHOOLS, True)}
    school = organisation_field(_("School"), SCHOOLS)
    name = forms.CharField(label=pgettext_lazy("school", "Programme"), max_length=80)
    occupation = forms.CharField(label=_("Occupation"), max_length=20, widget=Picker("occupations"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    enrolment = forms.IntegerField(label=_("Enrolment"), min_value=0)
    expected_graduates = forms.IntegerField(label=_("Expected graduates"), min_value=0)


class OrderClassForm(OrganisationsForm):
    organisations = {"school": (SCHOOLS, True), "enterprise": (ENTERPRISES, False)}
    school = organisation_field(_("School"), SCHOOLS)
    enterprise = organisation_field(_("Enterprise"), ENTERPRISES)
    name = forms.CharField(label=_("Name"), max_length=80)
    kind = forms.ChoiceField(label=_("Kind"), choices=ClassKind.choices)
    occupation = forms.CharField(label=_("Occupation"), max_length=20, widget=Picker("occupations"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    places = forms.IntegerField(label=_("Places"), min_value=1, max_value=10_000)
    funding_per_student = forms.IntegerField(label=_("Enterprise funding per student (yuan)"), min_value=0, initial=0)
    school_quota = forms.IntegerField(label=_("Most students from one school"), min_value=1, required=False)
    region_quota = forms.IntegerField(label=_("Most students from one region"), min_value=1, required=False)


class ApprenticeshipForm(_LevelForm):
    level_optional = False
    kind = forms.ChoiceField(label=_("Kind"), choices=ApprenticeshipKind.choices)
    organisations = {"enterprise": (ENTERPRISES, True), "school": (SCHOOLS, False)}
    enterprise = organisation_field(_("Enterprise"), ENTERPRISES)
    school = organisation_field(_("School"), SCHOOLS, required=False, empty=_("No school"))
    id_number = forms.CharField(label=_("Apprentice's ID number"), max_length=18)
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    occupation = forms.CharField(label=_("Occupation"), max_length=20, widget=Picker("occupations"))
    level = forms.ChoiceField(label=_("Target level"), choices=())
    start = forms.DateField(label=_("Start date"), widget=DateInput)
    end = forms.DateField(label=_("End date"), widget=DateInput)


class SchoolReportForm(OrganisationsForm):
    organisations = {"school": (SCHOOLS, True)}
    school = organisation_field(_("School"), SCHOOLS)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    teachers = forms.IntegerField(label=_("Teachers"), min_value=1)
    dual_teachers = forms.IntegerField(label=_("Dual-qualified teachers"), min_value=0)
    social_trainees = forms.IntegerField(label=_("Persons trained for society"), min_value=0)


class SeekerForm(_LevelForm):
    organisations = {"school": (SCHOOLS, True)}
    id_number = forms.CharField(label=_("ID number"), max_length=18)
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    kind = forms.ChoiceField(label=_("Kind"), choices=SeekerKind.choices)
    school = organisation_field(_("School"), SCHOOLS, required=False, empty=_("No school"))
    graduation_year = forms.IntegerField(label=_("Graduation year"), min_value=2000, max_value=2100, required=False)
    region_code = forms.CharField(label=_("Region wanted"), max_length=6, widget=Picker("regions"))
    occupation = forms.CharField(label=_("Occupation wanted"), max_length=20, widget=Picker("occupations"))
    level = forms.ChoiceField(label=_("Skill level"), choices=(), required=False)
    wage_expected = forms.IntegerField(label=_("Monthly wage asked (yuan)"), min_value=0, initial=0)


def post_label(post: DemandPost) -> str:
    """A post as a choice: its enterprise, occupation, level, headcount and wage, by name."""
    level = f" {post.level.display_name}" if post.level else ""
    return (
        f"{post.organisation.name} · {post.occupation.name}{level} × {post.headcount}"
        f" · {post.wage_offer} {gettext('yuan a month')}"
    )


def seeker_label(seeker: Seeker) -> str:
    """A seeker the reader may see, as a choice: the masked name, kind and the occupation wanted."""
    level = f" {seeker.level.display_name}" if seeker.level else ""
    return f"{mask_name(seeker.person.name)} · {seeker.get_kind_display()} · {seeker.occupation.name}{level}"


def fair_seeker_label(seeker: Seeker) -> str:
    """A seeker registered at a fair, as an enterprise at the fair knows them: the fair's seeker number,
    kind and intention, no name (as the fair's page shows them)."""
    level = f" {seeker.level.display_name}" if seeker.level else ""
    return f"{gettext('Seeker')} {seeker.pk} · {seeker.get_kind_display()} · {seeker.occupation.name}{level}"


def _choice(label: Any, refused: Any) -> forms.ModelChoiceField:
    """One record to choose; its queryset and labels are set by the form's ``bind``."""
    return forms.ModelChoiceField(
        label=label,
        queryset=DemandPost.objects.none(),
        empty_label=_("Choose…"),
        error_messages={"invalid_choice": refused, "required": refused},
        widget=forms.Select(attrs=SEARCH),
    )


def _choices(label: Any, refused: Any, help_text: Any) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=label,
        queryset=DemandPost.objects.none(),
        help_text=help_text,
        error_messages={"invalid_choice": refused, "invalid_pk_value": refused, "required": refused},
        widget=forms.SelectMultiple(attrs={**SEARCH, "size": 8}),
    )


class PlaceForm(BootstrapForm):
    post = _choice(_("Post"), _("Choose one of the open posts listed."))
    start = forms.DateField(label=_("Start date"), widget=DateInput)

    def bind(self, user: Any, seeker: Any) -> PlaceForm:
        """The open posts the user may read (an open post is public to every organisation user)."""
        posts = restrict(DemandPost.objects.filter(status=PostStatus.OPEN), user)
        field = self.fields["post"]
        field.queryset = posts.select_related("organisation", "occupation", "level").order_by(  # type: ignore[attr-defined]
            "organisation__name", "occupation__code", "pk"
        )
        field.label_from_instance = post_label  # type: ignore[attr-defined]
        return self


class FairForm(BootstrapForm):
    name = forms.CharField(label=_("Name"), max_length=80)
    kind = forms.ChoiceField(label=_("Kind"), choices=FairKind.choices)
    region_code = forms.CharField(label=_("Region code"), max_length=6, widget=Picker("regions"))
    date = forms.DateField(label=_("Date"), widget=DateInput)
    place = forms.CharField(label=_("Place"), max_length=120)
    industry_code = forms.CharField(
        label=_("Industry"),
        max_length=4,
        required=False,
        help_text=_("An industry fair: its GB/T 4754 section, e.g. C for manufacturing."),
    )


def _is_staff(user: Any) -> bool:
    return bool(user.is_superuser or getattr(user, "role", "") in ("officer", "auditor"))


def _own(qs: QuerySet, user: Any, field: str) -> QuerySet:
    """Records in the user's scope; an organisation user's own only (open posts are public to all)."""
    qs = restrict(qs, user)
    organisation = getattr(user, "organisation_id", None)
    return qs if _is_staff(user) or not organisation else qs.filter(**{field: organisation})


class BoothForm(OrganisationsForm):
    organisations = {"enterprise": (ENTERPRISES, True)}
    enterprise = organisation_field(_("Enterprise"), ENTERPRISES)
    posts = _choices(
        _("Posts"),
        _("Choose the enterprise's open posts from the list."),
        _("The enterprise's open posts; type to narrow the list, hold Ctrl to choose several."),
    )

    def bind(self, user: Any, fair: Any) -> BoothForm:
        super().bind(user, fair)
        posts = _own(DemandPost.objects.filter(status=PostStatus.OPEN), user, "organisation_id")
        field = self.fields["posts"]
        field.queryset = posts.select_related("organisation", "occupation", "level").order_by(  # type: ignore[attr-defined]
            "organisation__name", "occupation__code", "pk"
        )
        field.label_from_instance = post_label  # type: ignore[attr-defined]
        return self


class FairSeekersForm(BootstrapForm):
    seekers = _choices(
        _("Seekers"),
        _("Choose job seekers from the list."),
        _("Job seekers still seeking; type to narrow the list, hold Ctrl to choose several."),
    )

    def bind(self, user: Any, fair: Any) -> FairSeekersForm:
        seekers = restrict(Seeker.objects.filter(status=SeekerStatus.SEEKING), user).exclude(
            pk__in=fair.seekers.values("seeker_id")
        )
        field = self.fields["seekers"]
        field.queryset = seekers.select_related("person", "occupation", "level").order_by("person__name", "pk")  # type: ignore[attr-defined]
        field.label_from_instance = seeker_label  # type: ignore[attr-defined]
        return self


class OutcomeForm(BootstrapForm):
    seeker = _choice(_("Seeker"), _("Choose one of the seekers registered at this fair."))
    post = _choice(_("Post"), _("Choose one of the posts offered at this fair."))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=OutcomeKind.choices)
    on = forms.DateField(label=_("Date"), widget=DateInput, required=False, help_text=_("Empty: today."))

    def bind(self, user: Any, fair: Any) -> OutcomeForm:
        """The fair's seekers (an enterprise at the fair may name one it cannot otherwise read) and the
        fair's posts the user records outcomes for (an enterprise its own)."""
        seekers = Seeker.objects.filter(pk__in=fair.seekers.values("seeker_id"))
        if _is_staff(user):
            seekers = restrict(seekers, user)
        visible = set(restrict(seekers, user).values_list("pk", flat=True))
        field = self.fields["seeker"]
        field.queryset = seekers.select_related("person", "occupation", "level").order_by("pk")  # type: ignore[attr-defined]
        field.label_from_instance = lambda s: seeker_label(s) if s.pk in visible else fair_seeker_label(s)  # type: ignore[attr-defined]
        posts = _own(DemandPost.objects.filter(pk__in=fair.booths.values("posts__post_id")), user, "organisation_id")
        field = self.fields["post"]
        field.queryset = posts.select_related("organisation", "occupation", "level").order_by(  # type: ignore[attr-defined]
            "organisation__name", "occupation__code", "pk"
        )
        field.label_from_instance = post_label  # type: ignore[attr-defined]
        return self


class AcceptForm(BootstrapForm):
    tier = forms.ChoiceField(
        label=_("Tier"),
        choices=(("", _("Keep the catalog's tier")), *Tier.choices),
        required=False,
        help_text=_("Required where the occupation is not yet in the training catalog of the year."),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class RejectForm(BootstrapForm):
    note = forms.CharField(label=_("Reason"), max_length=300)


class RoundForm(BootstrapForm):
    name = forms.CharField(label=_("Name"), max_length=80)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    region_code = forms.CharField(
        label=_("Region code"),
        max_length=6,
        required=False,
        widget=Picker("regions"),
        help_text=_("A bureau's round: the region whose classes it matches. A school's round takes its own."),
    )


# A student lists up to this many classes, in her order of preference.
APPLICANT_CHOICES = 5


class ApplicantForm(OrganisationsForm):
    """A student joining a matching round: her classes in her order of preference (chosen among the
    round's classes, by name), each with the enterprise's score of her. Cleaned, ``choices`` holds
    (class id, rank, score), rank 1 first."""

    organisations = {"school": (SCHOOLS, True)}
    id_number = forms.CharField(label=_("Student's ID number"), max_length=18)
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    school = organisation_field(_("School"), SCHOOLS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, APPLICANT_CHOICES + 1):
            self.fields[f"class_{n}"] = forms.ModelChoiceField(
                label=_("Choice %(n)d: class") % {"n": n},
                queryset=OrderClass.objects.none(),
                required=False,
                empty_label=_("Choose…") if n == 1 else _("None"),
                error_messages={"invalid_choice": _("The class is not in this round.")},
                widget=forms.Select(attrs={**SEARCH, "class": "form-select"}),
            )
            self.fields[f"score_{n}"] = forms.DecimalField(
                label=_("Choice %(n)d: the enterprise's score") % {"n": n},
                required=False,
                min_value=0,
                max_value=1000,
                decimal_places=2,
            )

    def bind(self, user: Any, obj: Any) -> Any:
        super().bind(user, obj)
        if isinstance(obj, MatchRound):
            classes = OrderClass.objects.filter(pk__in=[c.pk for c in round_classes(obj)]).select_related("enterprise")
            for n in range(1, APPLICANT_CHOICES + 1):
                field = self.fields[f"class_{n}"]
                field.queryset = classes.order_by("pk")  # type: ignore[attr-defined]
                field.label_from_instance = class_label  # type: ignore[attr-defined]
                field.widget.choices = field.choices  # type: ignore[attr-defined]
        return self

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        choices: list[tuple[int, int, float]] = []
        seen: set[int] = set()
        for n in range(1, APPLICANT_CHOICES + 1):
            chosen, score = data.pop(f"class_{n}", None), data.pop(f"score_{n}", None)
            if chosen is None and score is None:
                continue
            if chosen is None:
                self.add_error(f"class_{n}", _("Choose the class this score is for."))
            elif score is None:
                self.add_error(f"score_{n}", _("Give the enterprise's score of the student for this class."))
            elif chosen.pk in seen:
                self.add_error(f"class_{n}", _("The class is already one of the student's earlier choices."))
            else:
                seen.add(chosen.pk)
                choices.append((chosen.pk, len(choices) + 1, float(score)))
        if not choices and not self.errors:
            self.add_error("class_1", _("List at least one class."))
        data["choices"] = choices
        return data


def class_label(oc: OrderClass) -> str:
    return f"{oc.name}（{oc.enterprise.name}，{oc.places}人）"
