"""Pages: documents and clauses, policy sets with their parameters and tables, evaluation, rule diff.

Evaluation and diff compute and write nothing. Policy texts are public, so every signed-in user may read and
evaluate. Draft versions (the register of the page kit at ``drafts/``) are copied from a set's version, edited
(parameters and table rows, each checked as the policy files are) and measured on the registry's real events
by an officer of the set's region, and adopted by another.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from gongjiang.core.pages import Action, Field, Register, Step
from gongjiang.core.scope import allowed, can, region_within
from gongjiang.policy import drafts, labels, services
from gongjiang.policy.engine import evaluate
from gongjiang.policy.forms import (
    DiffForm,
    DraftAdoptForm,
    DraftCellForm,
    DraftCreateForm,
    DraftParameterForm,
    EvaluateForm,
)
from gongjiang.policy.inputs import PolicyInputError
from gongjiang.policy.models import Clause, DraftStatus, PolicyDocument, PolicyDraft, PolicySet, PolicySetVersion
from gongjiang.policy.outputs import csv_frame, diff_versions, summary
from gongjiang.policy.runs import SHOWN_ROWS, events_from_upload, result_rows, sample_events
from gongjiang.policy.selectors import PolicySetNotFound, get_version, tables_of
from gongjiang.policy.tables import DraftTable
from gongjiang.reference.selectors import region_name


@login_required
def index(request: HttpRequest) -> HttpResponse:
    sets = []
    for ps in PolicySet.objects.prefetch_related("versions").order_by("name"):
        sets.append({"set": ps, "current": ps.current_version(), "versions": ps.versions.count()})
    documents = PolicyDocument.objects.prefetch_related("clauses").order_by("code")
    may_draft = can(request.user, "add", PolicyDraft)
    return render(request, "policy/index.html", {"sets": sets, "documents": documents, "may_draft": may_draft})


@login_required
def document_detail(request: HttpRequest, code: str) -> HttpResponse:
    doc = get_object_or_404(PolicyDocument, code=code)
    clauses = []
    for c in Clause.objects.filter(document=doc).order_by("id"):
        uses = sorted(
            {
                f"{labels.parameter(p.name)}（{p.version.policy_set}）"
                for p in c.parameters.select_related("version__policy_set")
            }
            | {
                f"{labels.table(t.name)}（{t.version.policy_set}）"
                for t in c.tables.select_related("version__policy_set")
            }
        )
        clauses.append({"clause": c, "uses": uses})
    return render(request, "policy/document_detail.html", {"doc": doc, "clauses": clauses})


@login_required
def set_detail(request: HttpRequest, name: str) -> HttpResponse:
    ps = get_object_or_404(PolicySet, name=name)
    number = request.GET.get("version")
    version: PolicySetVersion | None
    try:
        version = get_version(name, int(number) if number and number.isdigit() else None)
    except PolicySetNotFound:
        version = ps.versions.order_by("-number").first()
    params = (
        version.parameters.select_related("clause__document").order_by("name", "region_code", "effective_from")
        if version
        else []
    )
    tables = []
    for t in tables_of(version) if version else []:
        inputs = list(t.inputs)
        outputs = list(t.outputs)
        rows = [
            {
                "conditions": [_cell(i, r.get(i)) for i in inputs],
                "outputs": [_cell(o, r.get(o)) for o in outputs],
                "eligible": r.get("eligible", True),
                "reason": r.get("reason", ""),
                "label": r.get("label", ""),
                "clause": r.get("clause", ""),
            }
            for r in t.rows
        ]
        tables.append({"table": t, "inputs": inputs, "outputs": outputs, "rows": rows})
    return render(
        request,
        "policy/set_detail.html",
        {
            "ps": ps,
            "version": version,
            "current": ps.current_version(),
            "versions": ps.versions.order_by("-number"),
            "params": params,
            "tables": tables,
            "rules": sorted((version.spec.get("rules") or {}).items()) if version else [],
        },
    )


def _cell(column: str, value: Any) -> str:
    if value is None:
        return "∅"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return labels.value(column, value)


def _load_events(form: Any, request: HttpRequest, default_size: int) -> Any:
    upload = form.cleaned_data.get("events")
    if upload is not None:
        return events_from_upload(upload), upload.name
    size = form.cleaned_data.get("sample_size") or default_size
    return sample_events(form.cleaned_data["policy_set"], size), _("sample of %(n)s synthetic events") % {"n": size}


@login_required
def evaluate_page(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {}
    form = EvaluateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            events, source = _load_events(form, request, 200)
            results = evaluate(
                events,
                policy_set=form.cleaned_data["policy_set"],
                version=form.cleaned_data.get("version"),
                as_of=form.cleaned_data.get("as_of"),
            )
        except PolicyInputError as exc:
            context["input_errors"] = exc.errors
            context["more_errors"] = exc.truncated
        except PolicySetNotFound as exc:
            form.add_error(None, str(exc))
        else:
            if request.POST.get("download"):
                response = HttpResponse(content_type="text/csv; charset=utf-8")
                response["Content-Disposition"] = 'attachment; filename="results.csv"'
                response.write(csv_frame(results).write_csv())
                return response
            context.update(
                results=result_rows(results),
                summary=summary(results),
                shown=min(results.height, SHOWN_ROWS),
                source=source,
                version=results["policy_version"][0] if results.height else None,
            )
    context["form"] = form
    return render(request, "policy/evaluate.html", context)


@login_required
def diff_page(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {}
    initial = {}
    if request.method == "GET" and request.GET.get("policy_set"):
        initial = {k: request.GET.get(k) for k in ("policy_set", "from_version", "to_version")}
    form = DiffForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            events, source = _load_events(form, request, 500)
            report = diff_versions(
                events,
                policy_set=form.cleaned_data["policy_set"],
                from_version=form.cleaned_data["from_version"],
                to_version=form.cleaned_data["to_version"],
            )
        except PolicyInputError as exc:
            context["input_errors"] = exc.errors
            context["more_errors"] = exc.truncated
        except PolicySetNotFound as exc:
            form.add_error(None, str(exc))
        else:
            rows = report.rows.head(SHOWN_ROWS).to_dicts()
            for r in rows:
                r["before_yuan"] = f"{r['amount_before'] // 100}.{r['amount_before'] % 100:02d}"
                r["after_yuan"] = f"{r['amount_after'] // 100}.{r['amount_after'] % 100:02d}"
                d = r["delta_fen"]
                r["delta_yuan"] = ("+" if d >= 0 else "-") + f"{abs(d) // 100}.{abs(d) % 100:02d}"
            for c in report.by_clause + report.by_type:
                d = c["delta_fen"]
                c["delta_yuan"] = ("+" if d >= 0 else "-") + f"{abs(d) // 100}.{abs(d) % 100:02d}"
            shown = PolicySet.objects.filter(name=report.policy_set).first()
            context.update(report=report, rows=rows, source=source, set_title=str(shown or report.policy_set))
    context["form"] = form
    context["may_draft"] = can(request.user, "add", PolicyDraft)
    return render(request, "policy/diff.html", context)


# --- draft versions: copied, edited and adopted on the pages -----------------------------------------


def _by(user: Any, when: Any) -> str | None:
    if user is None:
        return None
    return f"{user.first_name or user.username} · {timezone.localtime(when):%Y-%m-%d %H:%M}" if when else None


def _edit_text(edit: dict[str, Any]) -> str:
    if edit.get("kind") == "parameter":
        return _("%(p)s in %(r)s from %(d)s: %(a)s → %(b)s") % {
            "p": labels.parameter(edit["name"]),
            "r": region_name(edit["region"]),
            "d": edit["from"],
            "a": edit["before"],
            "b": edit["after"],
        }
    return _("%(t)s in %(r)s, row %(n)s, %(c)s from %(d)s: %(a)s → %(b)s") % {
        "t": labels.table(edit["table"]),
        "r": region_name(edit["region"]),
        "n": edit["row"],
        "c": labels.column(edit["column"]),
        "d": edit["from"],
        "a": edit["before"],
        "b": edit["after"],
    }


def _set_parameter(actor: Any, draft: PolicyDraft, parameter: str, value: Any, effective_from: Any) -> PolicyDraft:
    name, _bar, region = parameter.partition("|")
    return services.policy_draft_parameter_set(
        actor=actor, draft=draft, name=name, region_code=region, value=value, effective_from=effective_from
    )


def _set_cell(actor: Any, draft: PolicyDraft, cell: str, value: str, effective_from: Any) -> PolicyDraft:
    parts = cell.split(":")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        raise ValidationError({"cell": _("Choose a table row and column.")})
    return services.policy_draft_cell_set(
        actor=actor,
        draft=draft,
        table=int(parts[0]),
        row=int(parts[1]),
        column=parts[2],
        value=value,
        effective_from=effective_from,
    )


def _editable(user: Any, draft: PolicyDraft) -> bool:
    return draft.status == DraftStatus.DRAFT and allowed(user, "change", draft)


class DraftRegister(Register):
    model = PolicyDraft
    path = "drafts"
    name = "draft"
    namespace = "policy"
    table = DraftTable
    related = ("policy_set", "base", "created_by", "adopted_by", "version")
    create_form = DraftCreateForm
    detail_template = "policy/draft_detail.html"
    heading = _l("Draft policy versions")
    add_label = _l("Draft a new version")
    created_message = _l("The draft was copied from the set's current version.")
    fields = (
        Field(_l("Policy set"), lambda d: d.policy_set),
        Field(_l("Copied from version"), lambda d: d.base.number),
        Field(_l("Status"), lambda d: d.get_status_display()),
        Field(_l("Drafted by"), lambda d: _by(d.created_by, d.created)),
        Field(_l("Adopted by"), lambda d: _by(d.adopted_by, d.adopted_at)),
        Field(_l("Deciding document"), lambda d: d.adoption_document or None),
        Field(_l("Adopted as version"), lambda d: d.version.number if d.version_id else None),
    )
    steps = (
        Step(
            "adopt",
            _l("Adopt"),
            lambda actor, obj, **data: services.policy_draft_adopt(actor=actor, draft=obj, **data),
            form=DraftAdoptForm,
            when=lambda d: d.status == DraftStatus.DRAFT and bool(d.edits),
            confirm=_l(
                "The draft becomes the set's newest version and is used from now on for every new claim; "
                "this cannot be undone (a later version can only replace it)."
            ),
            done=_l("The draft was adopted as the set's current version."),
        ),
        Step(
            "discard",
            _l("Discard"),
            lambda actor, obj: services.policy_draft_discard(actor=actor, draft=obj),
            when=lambda d: d.status == DraftStatus.DRAFT,
            confirm=_l("A discarded draft can no longer be changed or adopted."),
            done=_l("The draft was discarded."),
        ),
    )
    actions = (
        Action(
            "parameter",
            _set_parameter,
            form=DraftParameterForm,
            show=_editable,
            done=_l("The parameter was changed in the draft."),
        ),
        Action(
            "cell", _set_cell, form=DraftCellForm, show=_editable, done=_l("The table row was changed in the draft.")
        ),
    )

    def form_kwargs(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        user = request.user
        sets = [ps.pk for ps in PolicySet.objects.all() if region_within(user, ps.region_code)]
        return {"sets": PolicySet.objects.filter(pk__in=sets).order_by("name")}

    def create(self, actor: Any, data: dict[str, Any]) -> PolicyDraft:
        return services.policy_draft_create(actor=actor, policy_set=data["policy_set"], title=data.get("title", ""))

    def object_title(self, obj: Any) -> str:
        return str(obj.title)

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        return {
            "edits": [_edit_text(e) for e in obj.edits],
            "parameter_choices": drafts.parameter_choices(obj) if obj.status == DraftStatus.DRAFT else [],
            "cell_choices": drafts.cell_choices(obj) if obj.status == DraftStatus.DRAFT else [],
            "diff_url": reverse("policy:draft-diff", args=[obj.pk]),
        }


DRAFTS = DraftRegister()


def _yuan_rows(report: Any, names: dict[int, str]) -> list[dict[str, Any]]:
    rows = report.rows.head(SHOWN_ROWS).to_dicts()
    for r in rows:
        r["before_yuan"] = _signed_yuan(r["amount_before"], sign=False)
        r["after_yuan"] = _signed_yuan(r["amount_after"], sign=False)
        r["delta_yuan"] = _signed_yuan(r["delta_fen"])
        pid = r.get("person_id")
        r["who"] = names.get(int(pid), "") if pid and str(pid).isdigit() else ""
    return rows


def _signed_yuan(fen: int, *, sign: bool = True) -> str:
    text = f"{abs(fen) // 100}.{abs(fen) % 100:02d}"
    if not sign:
        return ("-" if fen < 0 else "") + text
    return ("+" if fen >= 0 else "-") + text


@login_required
def draft_diff(request: HttpRequest, pk: int) -> HttpResponse:
    """What the draft would change over the registry's real events of last year (or of the year asked for) in
    the set's region."""
    draft = DRAFTS.get(request, pk)
    assert isinstance(draft, PolicyDraft)
    this_year = timezone.localdate().year
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= this_year else this_year - 1
    found = drafts.draft_diff(draft, year=year)
    context: dict[str, Any] = {
        "draft": draft,
        "found": found,
        "links": DRAFTS.links(draft),
        "year": year,
        "years": list(range(this_year, this_year - 4, -1)),
    }
    if found is not None:
        report = found.report
        for c in report.by_clause + report.by_type:
            c["delta_yuan"] = _signed_yuan(c["delta_fen"])
        context.update(report=report, rows=_yuan_rows(report, found.names))
    return render(request, "policy/draft_diff.html", context)
