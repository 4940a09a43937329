"""Labour pages: the registers (``core.pages``) of skill demand, survey answers, need catalogs,
programmes, order and named classes, apprenticeships, school reports, job seekers and matching rounds.
Enterprises post demand and answer the survey; schools register programmes and classes and run their
matching rounds; officers compile and publish the need catalog and watch the rest; a seeker's page
shows the posts recommended and why, a post's page the seekers."""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from gongjiang.core.pages import Action, Field, Register, Step
from gongjiang.core.pii import mask_name
from gongjiang.core.scope import allowed, restrict
from gongjiang.labour import filtersets, forms, models, selectors, services, skill_gap, tables
from gongjiang.policy.labels import reason as reason_label
from gongjiang.reference.selectors import region_label
from gongjiang.registry.models import Organisation, OrganisationKind, Person
from gongjiang.registry.selectors import find_person_by_id_number


def _registered(id_number: str, name: str) -> Person:
    person = find_person_by_id_number(id_number)
    if person is None or person.name != (name or "").strip():
        raise ValidationError({"id_number": _("No person with this ID number and name is in the registry.")})
    return person


def _organisation(actor: Any, pk: Organisation | int | None, field: str, *, own: bool = True) -> Organisation:
    """The actor's own organisation (an organisation user), or the one chosen, in the actor's scope (a
    form's choice was already made among the organisations the actor may name)."""
    if own and getattr(actor, "organisation_id", None):
        return actor.organisation
    if isinstance(pk, Organisation):
        return pk
    if not pk:
        raise ValidationError({field: _("Choose the organisation.")})
    found = restrict(Organisation.objects.all(), actor).filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: _("No such organisation in your scope.")})
    return found


def _optional_organisation(actor: Any, pk: Organisation | int | None, field: str) -> Organisation | None:
    return _organisation(actor, pk, field, own=False) if pk else None


class _Labour(Register):
    namespace = "labour"
    list_template = "labour/register_list.html"
    detail_template = "labour/register_detail.html"
    # The organisations whose users fill the create form in (an enterprise posts demand, a school registers
    # its programmes); officers always may. Empty: any organisation the scope lets add.
    add_kinds: ClassVar[tuple[str, ...]] = ()

    def may_add(self, user: Any) -> bool:
        if not super().may_add(user):
            return False
        organisation = getattr(user, "organisation", None) if getattr(user, "organisation_id", None) else None
        return organisation is None or not self.add_kinds or organisation.kind in self.add_kinds

    def form_kwargs(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        # A form naming organisations offers those the user may name.
        form = self.edit_form if obj is not None else self.create_form
        return {"user": request.user} if form is not None and issubclass(form, forms.OrganisationsForm) else {}


# For the app's other page modules (fairs, proposals): the registers' base and the organisation chosen.
LabourRegister = _Labour
acting_organisation = _organisation


class PostRegister(_Labour):
    model = models.DemandPost
    add_kinds = (OrganisationKind.ENTERPRISE,)
    path = "demand"
    name = "post"
    table = tables.PostTable
    filterset = filtersets.PostFilter
    related = ("organisation", "occupation", "level")
    create_form = forms.PostForm
    detail_template = "labour/post_detail.html"
    add_label = _l("Post a skill demand")
    fields = (
        Field(_l("Enterprise"), lambda p: p.organisation),
        Field(_l("Occupation"), lambda p: p.occupation),
        Field(_l("Skill level"), lambda p: p.level),
        "headcount",
        "filled",
        "wage_offer",
        Field(_l("Region"), lambda p: region_label(p.region_code)),
        "start",
        "opened_on",
        "status",
    )
    steps = (
        Step(
            "close",
            _l("Close the post"),
            lambda actor, obj: services.post_close(actor=actor, post=obj),
            when=lambda p: p.status == models.PostStatus.OPEN,
            confirm=_l("The post is no longer offered to seekers."),
            done=_l("The post is closed."),
        ),
    )

    def create(self, actor: Any, data: dict[str, Any]) -> models.DemandPost:
        return services.post_create(
            actor=actor,
            organisation=_organisation(actor, data.get("organisation"), "organisation"),
            occupation_code=data["occupation"],
            level_code=data.get("level") or None,
            headcount=data["headcount"],
            wage_offer=data["wage_offer"],
            start=data["start"],
            region_code=data.get("region_code") or "",
        )

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        seekers = restrict(models.Seeker.objects.all(), request.user)
        return {"recommended": selectors.seekers_for(obj, seekers)}


class SurveyRegister(_Labour):
    model = models.NeedSurvey
    add_kinds = (OrganisationKind.ENTERPRISE,)
    path = "surveys"
    name = "survey"
    table = tables.SurveyTable
    filterset = filtersets.SurveyFilter
    related = ("organisation",)
    create_form = forms.SurveyForm
    detail_template = "labour/survey_detail.html"
    add_label = _l("Answer the talent-need survey")
    fields = (
        Field(_l("Enterprise"), lambda s: s.organisation),
        "year",
        Field(_l("Region"), lambda s: region_label(s.region_code)),
        "submitted_on",
    )
    steps = (
        Step(
            "send",
            _l("Submit the answer"),
            lambda actor, obj: services.survey_send(actor=actor, survey=obj),
            when=lambda s: s.submitted_on is None,
            confirm=_l("The answer is sent to the bureau and can no longer be changed."),
            done=_l("The answer is submitted."),
            danger=False,
        ),
    )
    actions = (
        Action(
            "line",
            lambda actor, obj, **data: services.survey_line_add(
                actor=actor,
                survey=obj,
                occupation_code=data["occupation"],
                level_code=data["level"],
                staff=data["staff"],
                hires_1=data["hires_1"],
                hires_2=data["hires_2"],
                hires_3=data["hires_3"],
                hard_to_fill=data.get("hard_to_fill") or 0,
                open_days=data.get("open_days") or 0,
            ),
            form=forms.SurveyLineForm,
            show=lambda user, obj: obj.submitted_on is None and allowed(user, "change", obj),
            done=_l("The occupation is added to the answer."),
        ),
    )

    def create_initial(self, request: HttpRequest) -> dict[str, Any]:
        return {"year": timezone.localdate().year}

    def create(self, actor: Any, data: dict[str, Any]) -> models.NeedSurvey:
        return services.survey_start(
            actor=actor, organisation=_organisation(actor, data.get("organisation"), "organisation"), year=data["year"]
        )

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        lines = restrict(obj.lines.select_related("occupation", "level"), request.user)
        return {"lines": tables.SurveyLineTable(lines)}


class CatalogRegister(_Labour):
    model = models.NeedCatalog
    path = "catalogs"
    name = "catalog"
    table = tables.CatalogTable
    filterset = filtersets.CatalogFilter
    create_form = forms.CatalogForm
    detail_template = "labour/catalog_detail.html"
    add_label = _l("Start a need catalog")
    fields = (
        Field(_l("Region"), lambda c: region_label(c.region_code)),
        "year",
        "status",
        "compiled_on",
        "published_on",
    )
    steps = (
        Step(
            "compile",
            _l("Compile from posts, surveys and schools"),
            lambda actor, obj: services.catalog_compile(actor=actor, catalog=obj),
            when=lambda c: c.status == models.CatalogStatus.DRAFT,
            done=lambda n: _("%(n)d occupations compiled.") % {"n": n},
            danger=False,
        ),
        Step(
            "publish",
            _l("Publish the need catalog"),
            lambda actor, obj: services.catalog_publish(actor=actor, catalog=obj),
            when=lambda c: c.status == models.CatalogStatus.DRAFT and c.compiled_on is not None,
            confirm=_l("Enterprises, schools and seekers will see the catalog and its shortage proposals."),
            done=_l("The need catalog is published."),
            danger=False,
        ),
    )

    def create_initial(self, request: HttpRequest) -> dict[str, Any]:
        return {"region_code": getattr(request.user, "region_code", ""), "year": timezone.localdate().year}

    def create(self, actor: Any, data: dict[str, Any]) -> models.NeedCatalog:
        return services.catalog_create(actor=actor, region_code=data["region_code"], year=data["year"])

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        entries = restrict(obj.entries.select_related("occupation"), request.user)
        context: dict[str, Any] = {
            "entries": tables.EntryTable(entries),
            "proposed": entries.filter(proposed=True).count(),
        }
        if request.user.is_superuser or getattr(request.user, "role", "") in ("officer", "auditor"):
            context["partners"] = _partner_rows(obj.region_code, obj.year)
        return context


def _partner_rows(region_code: str, year: int) -> list[dict[str, Any]]:
    try:
        priced = selectors.partner_unit_pricing(region_code, year)
    except LookupError:  # the region's policy set is not loaded
        return []
    if priced.is_empty():
        return []
    names = dict(Organisation.objects.filter(pk__in=priced["org_id"].to_list()).values_list("pk", "name"))
    sent = selectors.sent_by_school(region_code, year)
    return [
        {
            "school": names.get(row["org_id"], "—"),
            "sent": sent.get(row["org_id"], 0),
            "eligible": row["eligible"],
            "amount": (row["amount_fen"] or 0) / 100,
            "reason": reason_label(row["reason"]) if row["reason"] else "",
        }
        for row in priced.iter_rows(named=True)
    ]


class ProgrammeRegister(_Labour):
    model = models.Programme
    add_kinds = services.SCHOOL_KINDS
    path = "programmes"
    name = "programme"
    table = tables.ProgrammeTable
    filterset = filtersets.ProgrammeFilter
    related = ("school", "occupation")
    create_form = forms.ProgrammeForm
    add_label = _l("Register a programme")
    fields = (
        Field(_l("School"), lambda p: p.school),
        "name",
        Field(_l("Occupation"), lambda p: p.occupation),
        "year",
        "enrolment",
        "expected_graduates",
    )

    def create(self, actor: Any, data: dict[str, Any]) -> models.Programme:
        return services.programme_create(
            actor=actor,
            school=_organisation(actor, data.get("school"), "school"),
            name=data["name"],
            occupation_code=data["occupation"],
            year=data["year"],
            enrolment=data["enrolment"],
            expected_graduates=data["expected_graduates"],
        )


class OrderClassRegister(_Labour):
    model = models.OrderClass
    add_kinds = services.SCHOOL_KINDS
    path = "classes"
    name = "class"
    table = tables.OrderClassTable
    filterset = filtersets.OrderClassFilter
    related = ("school", "enterprise", "occupation")
    create_form = forms.OrderClassForm
    detail_template = "labour/class_detail.html"
    add_label = _l("Register an order or named class")
    fields = (
        Field(_l("Class number"), lambda c: c.pk),
        "kind",
        Field(_l("School"), lambda c: c.school),
        Field(_l("Enterprise"), lambda c: c.enterprise),
        Field(_l("Region"), lambda c: region_label(c.region_code)),
        Field(_l("Occupation"), lambda c: c.occupation),
        "year",
        "places",
        "funding_per_student",
        "school_quota",
        "region_quota",
    )

    def create(self, actor: Any, data: dict[str, Any]) -> models.OrderClass:
        school = _organisation(actor, data.get("school"), "school")
        enterprise = data.get("enterprise")
        if enterprise is None:
            raise ValidationError({"enterprise": _("Choose the enterprise.")})
        return services.order_class_create(
            actor=actor,
            school=school,
            enterprise=enterprise,
            name=data["name"],
            kind=data["kind"],
            occupation_code=data["occupation"],
            year=data["year"],
            places=data["places"],
            funding_per_student=data.get("funding_per_student") or 0,
            school_quota=data.get("school_quota"),
            region_quota=data.get("region_quota"),
        )

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        students = list(obj.students.select_related("person").order_by("pk"))
        try:
            priced = selectors.order_class_pricing(obj) if students else None
        except LookupError:  # the region's policy set is not loaded: nothing priced
            priced = None
        rows = []
        if priced is not None and not priced.is_empty():
            by_person = {r["person_id"]: r for r in priced.iter_rows(named=True)}
            for a in students:
                r = by_person.get(a.person_id, {})
                rows.append(
                    {
                        "name": mask_name(a.person.name),
                        "eligible": r.get("eligible"),
                        "amount": (r.get("amount_fen") or 0) / 100,
                        "reason": reason_label(r["reason"]) if r.get("reason") else "",
                        "trace": r.get("trace_text") or "",
                    }
                )
        return {"students": rows, "total": sum(r["amount"] for r in rows if r["eligible"])}


class ApprenticeshipRegister(_Labour):
    model = models.Apprenticeship
    add_kinds = (OrganisationKind.ENTERPRISE,)
    path = "apprenticeships"
    name = "apprenticeship"
    table = tables.ApprenticeshipTable
    filterset = filtersets.ApprenticeshipFilter
    related = ("enterprise", "school", "person", "occupation", "level")
    create_form = forms.ApprenticeshipForm
    add_label = _l("Register an apprenticeship")
    fields = (
        "kind",
        Field(_l("Enterprise"), lambda a: a.enterprise),
        Field(_l("School"), lambda a: a.school),
        Field(_l("Apprentice"), lambda a: mask_name(a.person.name)),
        Field(_l("Occupation"), lambda a: a.occupation),
        Field(_l("Target level"), lambda a: a.level),
        "start",
        "end",
    )

    def create(self, actor: Any, data: dict[str, Any]) -> models.Apprenticeship:
        return services.apprenticeship_create(
            actor=actor,
            kind=data["kind"],
            enterprise=_organisation(actor, data.get("enterprise"), "enterprise"),
            school=_optional_organisation(actor, data.get("school"), "school"),
            person=_registered(data["id_number"], data["name"]),
            occupation_code=data["occupation"],
            level_code=data["level"],
            start=data["start"],
            end=data["end"],
        )


class ReportRegister(_Labour):
    model = models.SchoolReport
    add_kinds = services.SCHOOL_KINDS
    path = "school-reports"
    name = "report"
    table = tables.SchoolReportTable
    filterset = filtersets.ReportFilter
    related = ("school",)
    create_form = forms.SchoolReportForm
    add_label = _l("Report a school's year")
    fields = (
        Field(_l("School"), lambda r: r.school),
        "year",
        "teachers",
        "dual_teachers",
        Field(_l("Share of dual-qualified teachers"), lambda r: f"{r.dual_teachers / r.teachers:.0%}"),
        "social_trainees",
    )

    def create(self, actor: Any, data: dict[str, Any]) -> models.SchoolReport:
        return services.school_report_set(
            actor=actor,
            school=_organisation(actor, data.get("school"), "school"),
            year=data["year"],
            teachers=data["teachers"],
            dual_teachers=data["dual_teachers"],
            social_trainees=data["social_trainees"],
        )


class SeekerRegister(_Labour):
    model = models.Seeker
    add_kinds = services.SCHOOL_KINDS
    path = "seekers"
    name = "seeker"
    table = tables.SeekerTable
    filterset = filtersets.SeekerFilter
    related = ("person", "occupation", "level", "school", "placed_post")
    create_form = forms.SeekerForm
    detail_template = "labour/seeker_detail.html"
    add_label = _l("Register a job seeker")
    fields = (
        Field(_l("Person"), lambda s: mask_name(s.person.name)),
        "kind",
        Field(_l("School"), lambda s: s.school),
        "graduation_year",
        Field(_l("Region wanted"), lambda s: region_label(s.region_code)),
        Field(_l("Occupation wanted"), lambda s: s.occupation),
        Field(_l("Skill level"), lambda s: s.level),
        "wage_expected",
        "status",
        Field(_l("Placed in"), lambda s: s.placed_post),
        "placed_on",
    )
    actions = (
        Action(
            "place",
            lambda actor, obj, post, start: services.seeker_place(
                actor=actor,
                seeker=obj,
                post=post,
                start=start,
            ),
            form=forms.PlaceForm,
            show=lambda user, obj: obj.status == models.SeekerStatus.SEEKING and allowed(user, "place", obj),
            done=_l("The placement is recorded, with its employment record."),
        ),
    )

    def create(self, actor: Any, data: dict[str, Any]) -> models.Seeker:
        school = _optional_organisation(actor, data.get("school"), "school")
        if school is None and getattr(actor, "organisation_id", None):
            school = actor.organisation
        return services.seeker_register(
            actor=actor,
            person=_registered(data["id_number"], data["name"]),
            kind=data["kind"],
            region_code=data["region_code"],
            occupation_code=data["occupation"],
            level_code=data.get("level") or None,
            wage_expected=data.get("wage_expected") or 0,
            school=school,
            graduation_year=data.get("graduation_year"),
        )

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        posts = restrict(models.DemandPost.objects.all(), request.user)
        return {"recommended": selectors.posts_for(obj, posts), "diagnosis": skill_gap.diagnose(obj, posts)}


class RoundRegister(_Labour):
    model = models.MatchRound
    add_kinds = services.SCHOOL_KINDS
    path = "rounds"
    name = "round"
    table = tables.RoundTable
    filterset = filtersets.RoundFilter
    related = ("organiser",)
    create_form = forms.RoundForm
    detail_template = "labour/round_detail.html"
    add_label = _l("Open a matching round")
    fields = (
        "name",
        Field(_l("Organising school"), lambda r: r.organiser),
        Field(_l("Region"), lambda r: region_label(r.region_code)),
        "year",
        "status",
        "matched_at",
    )
    steps = (
        Step(
            "run",
            _l("Run the matching"),
            lambda actor, obj: services.round_run(actor=actor, round=obj),
            when=lambda r: r.status != models.RoundStatus.CONFIRMED,
            confirm=_l(
                "Students propose to their classes in their order; each class keeps its best within its places "
                "and quotas. The result is checked for blocking pairs."
            ),
            done=lambda cert: (
                _("Matched: %(n)d of %(s)d students placed; no blocking pair among %(p)d pairs checked.")
                % {"n": cert.assigned, "s": cert.students, "p": cert.pairs_checked}
            ),
            danger=False,
        ),
        Step(
            "confirm",
            _l("Confirm the placements"),
            lambda actor, obj: services.round_confirm(actor=actor, round=obj),
            when=lambda r: r.status == models.RoundStatus.MATCHED,
            confirm=_l("The placements become final and the funding is priced on the classes."),
            done=_l("The placements are confirmed."),
        ),
    )
    actions = (
        Action(
            "applicant",
            lambda actor, obj, id_number, name, choices, school=None: services.applicant_add(
                actor=actor,
                round=obj,
                person=_registered(id_number, name),
                school=_organisation(actor, school, "school"),
                choices=choices,
            ),
            form=forms.ApplicantForm,
            show=lambda user, obj: obj.status == models.RoundStatus.OPEN and allowed(user, "change", obj),
            done=_l("The student is in the round."),
        ),
    )

    def create(self, actor: Any, data: dict[str, Any]) -> models.MatchRound:
        organiser = actor.organisation if getattr(actor, "organisation_id", None) else None
        return services.round_create(
            actor=actor,
            name=data["name"],
            year=data["year"],
            region_code=data.get("region_code") or "",
            organiser=organiser,
        )

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        applicants = restrict(obj.applicants.select_related("person", "school", "placed"), request.user)
        return {
            "applicants": tables.ApplicantTable(applicants),
            "classes": selectors.round_classes(obj),
            "certificate": obj.certificate or None,
        }


POSTS = PostRegister()
SURVEYS = SurveyRegister()
CATALOGS = CatalogRegister()
PROGRAMMES = ProgrammeRegister()
CLASSES = OrderClassRegister()
APPRENTICESHIPS = ApprenticeshipRegister()
REPORTS = ReportRegister()
SEEKERS = SeekerRegister()
ROUNDS = RoundRegister()
REGISTERS = (POSTS, SURVEYS, CATALOGS, PROGRAMMES, CLASSES, APPRENTICESHIPS, REPORTS, SEEKERS, ROUNDS)
