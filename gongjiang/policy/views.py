"""Pages: documents and clauses, policy sets with their parameters and tables, evaluation, rule diff.

Everything here reads; evaluation and diff compute and write nothing. Policy texts are public, so every
signed-in user may read and evaluate.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from gongjiang.policy import labels
from gongjiang.policy.engine import evaluate
from gongjiang.policy.forms import DiffForm, EvaluateForm
from gongjiang.policy.inputs import PolicyInputError
from gongjiang.policy.models import Clause, PolicyDocument, PolicySet, PolicySetVersion
from gongjiang.policy.outputs import csv_frame, diff_versions, summary
from gongjiang.policy.runs import SHOWN_ROWS, events_from_upload, result_rows, sample_events
from gongjiang.policy.selectors import PolicySetNotFound, get_version, tables_of


@login_required
def index(request: HttpRequest) -> HttpResponse:
    sets = []
    for ps in PolicySet.objects.prefetch_related("versions").order_by("name"):
        sets.append({"set": ps, "current": ps.current_version(), "versions": ps.versions.count()})
    documents = PolicyDocument.objects.prefetch_related("clauses").order_by("code")
    return render(request, "policy/index.html", {"sets": sets, "documents": documents})


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
    return render(request, "policy/diff.html", context)
