"""Labour pages of job fairs and of shortage proposals (registers of ``core.pages``).

A fair's page: its booths with the posts brought, the counts (booths, posts, places, seekers, interviewed,
hired), the recommendations among its posts and seekers, and the outcomes. An officer announces and closes
fairs and registers any seeker of the region; an enterprise takes a booth with its open posts and records
interviews for them; a school registers its graduates. The fair's registered seekers are shown by number,
kind and intention only (no name or identity): that is what an enterprise at the fair needs.

A need-catalog entry's page shows its evidence; a proposed one is accepted into the training catalog as a
shortage occupation, or rejected with the reason, by an officer of the catalog's region."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from gongjiang.core.pages import Action, Field, Step
from gongjiang.core.scope import allowed, can, restrict
from gongjiang.labour import fairs, filtersets, forms, models, services, tables
from gongjiang.labour.views import CATALOGS, LabourRegister, acting_organisation
from gongjiang.reference.selectors import industry_label, region_label
from gongjiang.registry.models import OrganisationKind


def _is_staff(user: Any) -> bool:
    return bool(user.is_superuser or getattr(user, "role", "") in ("officer", "auditor"))


def _offers(user: Any, model: type, kinds: tuple[str, ...]) -> bool:
    """May the user add ``model`` records here: an officer, or an organisation user of one of ``kinds``
    (an enterprise takes booths and records interviews, a school registers its graduates)."""
    if not can(user, "add", model):
        return False
    organisation = getattr(user, "organisation", None) if getattr(user, "organisation_id", None) else None
    return organisation is None or organisation.kind in kinds


class FairRegister(LabourRegister):
    model = models.JobFair
    path = "fairs"
    name = "fair"
    table = tables.FairTable
    filterset = filtersets.FairFilter
    create_form = forms.FairForm
    detail_template = "labour/fair_detail.html"
    add_label = _l("Announce a job fair")
    fields = (
        "name",
        "kind",
        "date",
        "place",
        Field(_l("Region"), lambda f: region_label(f.region_code)),
        Field(_l("Industry"), lambda f: industry_label(f.industry_code)),
        "clause",
        "status",
        "held_on",
    )
    steps = (
        Step(
            "close",
            _l("Close the fair"),
            lambda actor, obj: services.fair_close(actor=actor, fair=obj),
            when=lambda f: f.status == models.FairStatus.OPEN,
            confirm=_l("Registration closes; outcomes may still be recorded."),
            done=_l("The fair is closed."),
            danger=False,
        ),
    )
    actions = (
        Action(
            "booth",
            lambda actor, obj, posts, enterprise=None: services.booth_register(
                actor=actor,
                fair=obj,
                enterprise=acting_organisation(actor, enterprise, "enterprise"),
                post_ids=[p.pk for p in posts],
            ),
            form=forms.BoothForm,
            show=lambda user, obj: (
                obj.status == models.FairStatus.OPEN and _offers(user, models.FairBooth, (OrganisationKind.ENTERPRISE,))
            ),
            done=_l("The booth is registered with its posts."),
        ),
        Action(
            "seekers",
            lambda actor, obj, seekers: services.fair_seekers_register(actor=actor, fair=obj, seekers=list(seekers)),
            form=forms.FairSeekersForm,
            show=lambda user, obj: (
                obj.status == models.FairStatus.OPEN and _offers(user, models.FairSeeker, services.SCHOOL_KINDS)
            ),
            done=lambda n: _("%(n)d seekers registered.") % {"n": n},
        ),
        Action(
            "outcome",
            lambda actor, obj, seeker, post, outcome, on: services.fair_outcome_record(
                actor=actor,
                fair=obj,
                seeker=seeker,
                post=post,
                outcome=outcome,
                on=on,
            ),
            form=forms.OutcomeForm,
            show=lambda user, obj: _offers(user, models.FairOutcome, (OrganisationKind.ENTERPRISE,)),
            done=_l("The outcome is recorded."),
        ),
    )

    def create_initial(self, request: HttpRequest) -> dict[str, Any]:
        return {"region_code": getattr(request.user, "region_code", ""), "date": timezone.localdate()}

    def create(self, actor: Any, data: dict[str, Any]) -> models.JobFair:
        return services.fair_create(
            actor=actor,
            name=data["name"],
            kind=data["kind"],
            region_code=data["region_code"],
            date=data["date"],
            place=data["place"],
            industry_code=data.get("industry_code") or "",
        )

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        user = request.user
        booths = list(obj.booths.select_related("enterprise").prefetch_related("posts__post__occupation"))
        matches = fairs.fair_matches(obj)
        by_post = matches.by_post
        by_seeker = matches.by_seeker
        if not _is_staff(user):
            org = getattr(user, "organisation_id", None)
            # an enterprise reads the seekers for its own posts; a school the posts for its own seekers
            by_post = [(p, recs) for p, recs in by_post if p.organisation_id == org]
            by_seeker = [(s, recs) for s, recs in by_seeker if s.school_id == org]
        outcomes = restrict(obj.outcomes.select_related("post__organisation"), user)
        return {
            "booths": booths,
            "counts": fairs.fair_counts(obj),
            "by_seeker": by_seeker,
            "by_post": by_post,
            "outcomes": tables.OutcomeTable(outcomes),
        }


class EntryRegister(LabourRegister):
    """A need catalog's entry: its evidence, and the decision on its shortage proposal."""

    model = models.CatalogEntry
    path = "catalog-entries"
    name = "entry"
    table = tables.EntryTable
    related = ("catalog", "occupation", "decided_by")
    detail_template = "labour/entry_detail.html"
    fields = (
        Field(_l("Need catalog"), lambda e: e.catalog),
        Field(_l("Occupation"), lambda e: e.occupation),
        "demand",
        "posted",
        "filled",
        Field(_l("Fill rate"), lambda e: "—" if e.fill_rate is None else f"{e.fill_rate:.0%}"),
        "supply",
        "hard_to_fill",
        "open_days",
        "shortage_index",
        "proposed",
        "decision",
        Field(_l("Decided by"), lambda e: e.decided_by),
        "decided_on",
        "decision_note",
    )
    steps = (
        Step(
            "accept",
            _l("Accept into the training catalog"),
            lambda actor, obj, tier, note: services.proposal_accept(actor=actor, entry=obj, tier=tier, note=note),
            form=forms.AcceptForm,
            when=lambda e: (
                e.proposed
                and e.decision == models.ProposalDecision.PENDING
                and e.catalog.status == models.CatalogStatus.PUBLISHED
            ),
            confirm=_l(
                "The occupation becomes a shortage occupation of the region's training catalog of the year: "
                "classes of it carry the shortage grant."
            ),
            done=_l("Accepted: the occupation is a shortage occupation of the training catalog."),
            danger=False,
        ),
        Step(
            "reject",
            _l("Reject the proposal"),
            lambda actor, obj, note: services.proposal_reject(actor=actor, entry=obj, note=note),
            form=forms.RejectForm,
            when=lambda e: (
                e.proposed
                and e.decision == models.ProposalDecision.PENDING
                and e.catalog.status == models.CatalogStatus.PUBLISHED
            ),
            done=_l("The proposal is rejected."),
        ),
    )

    def object_title(self, obj: Any) -> str:
        return f"{obj.catalog} · {obj.occupation}"

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        return {
            "catalog_url": CATALOGS.url("detail", obj.catalog_id),
            "may_accept": allowed(request.user, "accept", obj),
        }


FAIRS = FairRegister()
ENTRIES = EntryRegister()
REGISTERS = (FAIRS, ENTRIES)
