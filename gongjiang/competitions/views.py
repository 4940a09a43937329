"""Competition pages: the register of competitions (``core.pages``) with, on a competition's page, its
participants, judges and marking aspects, the marks (one by one or uploaded), and the results."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from gongjiang.competitions import forms, models, selectors, services, tables
from gongjiang.competitions.filtersets import CompetitionFilter
from gongjiang.core.pages import Action, Field, Register, Step
from gongjiang.core.pii import mask_name
from gongjiang.core.scope import allowed, restrict
from gongjiang.core.tabular import XLSX_TYPE
from gongjiang.core.uploads import template_xlsx
from gongjiang.reference.selectors import region_name
from gongjiang.registry.models import Person
from gongjiang.registry.selectors import find_person_by_id_number

Status = models.CompetitionStatus


def _registered(id_number: str, name: str) -> Person:
    person = find_person_by_id_number(id_number)
    if person is None or person.name != (name or "").strip():
        raise ValidationError({"id_number": _("No person with this ID number and name is in the registry.")})
    return person


LEVEL_OF_REGION = {
    "province": models.CompetitionLevel.PROVINCIAL,
    "city": models.CompetitionLevel.MUNICIPAL,
    "county": models.CompetitionLevel.DISTRICT,
}


def _before_marking(user: Any, obj: Any) -> bool:
    return obj.status in (Status.DRAFT, Status.OPEN) and allowed(user, "change", obj)


class CompetitionRegister(Register):
    """Skill competitions: created and opened by the bureau; participants, judges and aspects listed;
    marks entered or uploaded; results published; the winners' certificates issued."""

    namespace = "competitions"
    model = models.Competition
    path = "competitions"
    name = "competition"
    table = tables.CompetitionTable
    filterset = CompetitionFilter
    related = ("occupation", "award_level", "organiser", "batch")
    create_form = forms.CompetitionForm
    detail_template = "competitions/competition_detail.html"
    list_template = "competitions/competition_list.html"
    add_label = _l("Create a competition")
    ordering = ("-start", "-id")
    fields = (
        "name",
        "level",
        Field(_l("Region"), lambda c: f"{region_name(c.region_code)} ({c.region_code})"),
        Field(_l("Organiser"), lambda c: c.organiser),
        Field(_l("Occupation"), lambda c: c.occupation),
        Field(_l("Highest level recognised"), lambda c: c.award_level),
        Field(_l("Dates"), lambda c: f"{c.start.isoformat()} — {c.end.isoformat()}"),
        "cap",
        "recognised_ranks",
        "spread",
        "status",
        "published_on",
        Field(_l("Certificate batch"), lambda c: c.batch),
    )
    steps = (
        Step(
            "open",
            _l("Open registration"),
            lambda actor, obj: services.competition_open(actor=actor, competition=obj),
            when=lambda c: c.status == Status.DRAFT,
            done=_l("Registration is open."),
            danger=False,
        ),
        Step(
            "close",
            _l("Close registration and start marking"),
            lambda actor, obj: services.competition_close(actor=actor, competition=obj),
            when=lambda c: c.status == Status.OPEN,
            confirm=_l("Participants, judges and aspects can no longer be changed."),
            done=_l("Marking has started."),
            danger=False,
        ),
        Step(
            "publish",
            _l("Publish the results"),
            lambda actor, obj: services.competition_publish(actor=actor, competition=obj),
            when=lambda c: c.status == Status.MARKING,
            confirm=_l("The standardised scores, ranks and medals are recorded; marks can no longer be changed."),
            done=_l("The results are published."),
            danger=False,
        ),
        Step(
            "issue",
            _l("Issue the winners' certificates"),
            lambda actor, obj: services.competition_issue(actor=actor, competition=obj),
            when=lambda c: c.status == Status.PUBLISHED and c.batch_id is None,
            confirm=_l(
                "Each winner within the recognised ranks receives a certificate one level up, in one batch signed by "
                "the platform."
            ),
            done=_l("The certificates were issued."),
        ),
    )
    actions = (
        Action(
            "participant",
            lambda actor, obj, id_number, name, organisation: services.participant_register(
                actor=actor,
                competition=obj,
                person=_registered(id_number, name),
                organisation=organisation,  # one of the organisations in scope, or None
            ),
            form=forms.ParticipantForm,
            show=_before_marking,
            done=_l("The participant is registered."),
        ),
        Action(
            "judge",
            lambda actor, obj, name: services.judge_add(actor=actor, competition=obj, name=name),
            form=forms.JudgeForm,
            show=_before_marking,
            done=_l("The judge is added."),
        ),
        Action(
            "aspect",
            lambda actor, obj, name, kind, max_mark: services.aspect_add(
                actor=actor, competition=obj, name=name, kind=kind, max_mark=max_mark
            ),
            form=forms.AspectForm,
            show=_before_marking,
            done=_l("The aspect is added."),
        ),
        Action(
            "mark",
            lambda actor, obj, participant, judge, aspect, value: services.mark_enter(
                actor=actor, competition=obj, participant=participant, judge=judge, aspect=aspect, value=value
            ),
            form=forms.MarkForm,
            show=lambda user, obj: obj.status == Status.MARKING and allowed(user, "mark", obj),
            done=_l("The mark is saved."),
        ),
        Action(
            "marks",
            lambda actor, obj, file: services.marks_upload(actor=actor, competition=obj, frame=file),
            form=forms.MarksUploadForm,
            show=lambda user, obj: obj.status == Status.MARKING and allowed(user, "mark", obj),
            done=lambda n: _("%(n)d marks saved.") % {"n": n},
        ),
    )

    def create_initial(self, request: HttpRequest) -> dict[str, Any]:
        # The level of the user's own bureau: a district's officer organises a district competition.
        level = LEVEL_OF_REGION.get(getattr(request.user, "region_level", ""), "")
        initial = {"region_code": getattr(request.user, "region_code", ""), "recognised_ranks": 3, "spread": 30}
        return {**initial, "level": level} if level else initial

    def create(self, actor: Any, data: dict[str, Any]) -> models.Competition:
        return services.competition_create(
            actor=actor,
            name=data["name"],
            level=data["level"],
            region_code=data["region_code"],
            occupation_code=data["occupation"],
            award_level_code=data["award_level"],
            start=data["start"],
            end=data["end"],
            cap=data["cap"],
            organiser=data.get("organiser"),  # one of the organisations in scope, or None
            recognised_ranks=data["recognised_ranks"] if data.get("recognised_ranks") is not None else 3,
            spread=data.get("spread") or 30,
        )

    def form_kwargs(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        return {"user": request.user}

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        participants = restrict(obj.participants.select_related("person", "organisation", "certificate"), request.user)
        context: dict[str, Any] = {
            "participants": tables.ParticipantTable(participants.order_by("rank", "id")),
            "count": participants.count(),
            "judges": restrict(obj.judges.all(), request.user),
            "aspects": restrict(obj.aspects.all(), request.user),
        }
        if obj.status == Status.MARKING:
            names = {p.pk: mask_name(p.person.name) for p in participants}
            preview = selectors.results_of(obj)
            context["preview"] = [(r, names.get(r.participant_id, "—")) for r in preview if r.participant_id in names]
            context["flagged"] = sum(1 for r in preview if r.flagged)
        return context


COMPETITIONS = CompetitionRegister()
REGISTERS = (COMPETITIONS,)


@login_required
def marks_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(template_xlsx(forms.MARK_COLUMNS, str(_("Competition marks"))), content_type=XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="marks-template.xlsx"'
    return response
