"""Import pages (upload, job with progress bar and error report) and list exports. Thin: the work is in
services and export."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from gongjiang.core.scope import can, restrict
from gongjiang.core.tabular import CSV_TYPE, XLSX_TYPE, csv_bytes, csv_lines, human_size, template_headers, xlsx_bytes
from gongjiang.core.views import paginate
from gongjiang.imports import export, kinds, storage
from gongjiang.imports.models import ImportJob
from gongjiang.imports.reports import stored_report_as_xlsx
from gongjiang.imports.services import import_job_confirm, import_job_create, import_job_discard
from gongjiang.imports.tasks import STALE_AFTER, import_jobs_recover

log = logging.getLogger(__name__)


def _can_import(user: Any) -> bool:
    """Whether to offer uploading (the services authorize each step)."""
    return can(user, "add", ImportJob)


def _jobs(request: HttpRequest) -> Any:
    if not can(request.user, "view", ImportJob):
        raise PermissionDenied
    return restrict(ImportJob.objects.select_related("created_by"), request.user)


def _too_large(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > settings.IMPORT_MAX_UPLOAD_BYTES + 64 * 1024


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = _jobs(request)
    return render(
        request,
        "imports/job_list.html",
        {
            "page": paginate(request, jobs.order_by("-id"), per_page=20),
            "kinds": kinds.choices(),
            "can_import": _can_import(request.user),
            "limit": human_size(settings.IMPORT_MAX_UPLOAD_BYTES),
            "query": "",
        },
    )


def _csrf_failure(request: HttpRequest) -> HttpResponse | None:
    """The CSRF middleware's own check, run by the view once the upload's size is known to be acceptable."""
    return CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, None, (), {})  # type: ignore[arg-type]


# Exempt from the middleware, which would parse (and spool to disk) the whole body before the view could
# look at its size; the same CSRF check runs below, after the size check.
@csrf_exempt
@login_required
@require_POST
def job_upload(request: HttpRequest) -> HttpResponse:
    if not _can_import(request.user):
        raise PermissionDenied
    if _too_large(request):
        # Refused from the declared length, before the body is read.
        limit = human_size(settings.IMPORT_MAX_UPLOAD_BYTES)
        return _upload_error(
            request, _("The file is larger than %(limit)s; split it into smaller files.") % {"limit": limit}, status=413
        )
    refused = _csrf_failure(request)
    if refused is not None:
        return refused
    kind = request.POST.get("kind", "")
    upload = request.FILES.get("file")
    if not kinds.is_registered(kind):
        return _upload_error(request, _("Choose what the file contains."), status=400)
    if upload is None:
        return _upload_error(request, _("Choose a file to upload."), status=400)
    if upload.size is not None and upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
        limit = human_size(settings.IMPORT_MAX_UPLOAD_BYTES)
        return _upload_error(
            request, _("The file is larger than %(limit)s; split it into smaller files.") % {"limit": limit}, status=413
        )
    try:
        job = import_job_create(
            actor=request.user,
            kind=kind,
            data=upload.read(),
            filename=upload.name or "upload",
            language=getattr(request, "LANGUAGE_CODE", ""),
        )
    except ValidationError as exc:
        return _upload_error(request, "; ".join(exc.messages), status=400)
    return redirect("import-detail", pk=job.pk)


def _upload_error(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    jobs = _jobs(request)
    response = render(
        request,
        "imports/job_list.html",
        {
            "page": paginate(request, jobs.order_by("-id"), per_page=20),
            "kinds": kinds.choices(),
            "can_import": True,
            "limit": human_size(settings.IMPORT_MAX_UPLOAD_BYTES),
            "upload_error": message,
            "query": "",
        },
        status=status,
    )
    return response


def _refresh_stale(job: ImportJob) -> ImportJob:
    if (
        job.status == ImportJob.Status.RUNNING
        and job.started
        and timezone.now() - job.started > STALE_AFTER
        and import_jobs_recover()
    ):
        job.refresh_from_db()
    return job


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _refresh_stale(get_object_or_404(_jobs(request), pk=pk))
    return render(
        request,
        "imports/job_detail.html",
        {
            "job": job,
            "progress": storage.read_progress(job.pk),
            "can_import": _can_import(request.user),
            "valid_rows": max(0, job.total_rows - job.error_rows),
            "preview": job.summary.get("errors_preview", []),
            "records_url": kinds.get(job.kind).records_url if kinds.is_registered(job.kind) else "",
        },
    )


@login_required
@require_GET
def job_status(request: HttpRequest, pk: int) -> JsonResponse:
    job = _refresh_stale(get_object_or_404(_jobs(request), pk=pk))
    beat = storage.read_progress(job.pk) if not job.is_finished else None
    return JsonResponse(
        {
            "id": job.pk,
            "status": job.status,
            "status_display": job.get_status_display(),
            "finished": job.is_finished,
            "stage": (beat or {}).get("stage", job.stage),
            "percent": (beat or {}).get("percent", job.progress if job.is_finished else 0),
        }
    )


@login_required
@require_POST
def job_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(_jobs(request), pk=pk)
    try:
        import_job_confirm(actor=request.user, job=job, partial=request.POST.get("partial") == "1")
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return redirect("import-detail", pk=job.pk)


@login_required
@require_POST
def job_discard(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(_jobs(request), pk=pk)
    try:
        import_job_discard(actor=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return redirect("import-detail", pk=job.pk)


@login_required
@require_GET
def job_report(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    job = get_object_or_404(_jobs(request), pk=pk)
    if not job.report_name:
        return HttpResponseBadRequest(_("This job has no error report."))
    data = storage.load(job.report_name)
    name = f"import-{job.pk}-errors"
    if fmt == "xlsx":
        return _download(stored_report_as_xlsx(data), f"{name}.xlsx", XLSX_TYPE)
    return _download(data, f"{name}.csv", CSV_TYPE)


def _download(data: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def columns_help(request: HttpRequest) -> HttpResponse:
    """Each kind's columns with the headers a file may use: on a Chinese page the Chinese ones (the
    templates' own), on an English page every one."""
    chinese = not (get_language() or "").startswith("en")
    listed = [
        (
            kind.name,
            kind.label,
            [
                (c, [h for h in c.headers if not chinese or any("\u4e00" <= ch <= "\u9fff" for ch in h)] or c.headers)
                for c in kind.columns
            ],
        )
        for kind in kinds.registered()
    ]
    return render(request, "imports/columns.html", {"kinds": listed})


@login_required
@require_GET
def template_file(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    if not kinds.is_registered(kind):
        raise PermissionDenied
    headers = template_headers(kinds.get(kind).columns)
    if fmt == "xlsx":
        return _download(xlsx_bytes(headers, [], title=kind), f"{kind}-template.xlsx", XLSX_TYPE)
    return _download(csv_bytes(headers, []), f"{kind}-template.csv", CSV_TYPE)


@login_required
@require_GET
def export_list(request: HttpRequest, kind: str) -> HttpResponseBase:
    if not export.is_registered(kind):
        raise PermissionDenied
    spec = export.get(kind)
    if not can(request.user, "view", spec.model):
        raise PermissionDenied
    params = request.GET.copy()
    fmt = params.pop("format", ["csv"])[-1]
    params.pop("page", None)
    try:
        queryset = export.export_queryset(kind, request.user, params)
    except export.ExportTooLarge as exc:
        return HttpResponseBadRequest(str(exc))
    log.info("export of %s as %s by %s (filters: %s)", kind, fmt, request.user, ",".join(sorted(params)) or "none")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "xlsx":
        data = xlsx_bytes(export.header(kind), export.rows(kind, queryset), title=str(spec.title))
        return _download(data, f"{kind}-{stamp}.xlsx", XLSX_TYPE)
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in csv_lines(export.header(kind), export.rows(kind, queryset))),
        content_type=CSV_TYPE,
    )
    response["Content-Disposition"] = f'attachment; filename="{kind}-{stamp}.csv"'
    return response
