"""`gongjiang import KIND FILE [--dry-run] [--partial] [--report PATH] [--user NAME]`

Exit status: 0 when the file is valid (and imported unless --dry-run); 1 when it is rejected and
nothing was written; 2 when --partial imported the valid rows and rejected others.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from gongjiang.core.audit import audit_context
from gongjiang.core.models import User
from gongjiang.core.tabular import FileRejected
from gongjiang.imports import kinds
from gongjiang.imports.models import ImportJob
from gongjiang.imports.processing import ImportResult, import_file
from gongjiang.imports.readers import check_size
from gongjiang.imports.reports import write_report

STAGES = {"reading": (0, 15), "validating": (15, 75), "writing": (75, 100), "done": (100, 100)}


class ProgressBar:
    """A one-line progress bar on stderr (plain stage lines when stderr is not a terminal)."""

    def __init__(self, stream=None) -> None:  # type: ignore[no-untyped-def]
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.monotonic()
        self.stage = ""
        self.last = 0.0

    def __call__(self, stage: str, fraction: float) -> None:
        low, high = STAGES.get(stage, (0, 100))
        percent = int(low + (high - low) * max(0.0, min(1.0, fraction)))
        now = time.monotonic()
        if self.tty:
            if now - self.last < 0.1 and stage == self.stage and fraction < 1.0:
                return
            filled = percent * 30 // 100
            bar = "#" * filled + "-" * (30 - filled)
            self.stream.write(f"\r[{bar}] {percent:3d}% {stage:<10} {now - self.started:6.1f} s")
            if stage == "done":
                self.stream.write("\n")
        elif stage != self.stage:
            self.stream.write(f"{percent:3d}% {stage} ({now - self.started:.1f} s)\n")
        self.stream.flush()
        self.stage, self.last = stage, now


class Command(BaseCommand):
    help = "Check or import a CSV or XLSX file of one of the registered kinds (persons, certificates, ...)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("kind", choices=sorted(k.name for k in kinds.registered()))
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")
        parser.add_argument(
            "--partial", action="store_true", help="import the valid rows and report the others (exit status 2)"
        )
        parser.add_argument("--report", help="write the error report here (.csv or .xlsx)")
        parser.add_argument("--user", help="import as this user, within their region (default: the system)")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"unknown user {options['user']}")
        try:
            check_size(path.stat().st_size)
        except FileRejected as exc:
            result = ImportResult(kind=options["kind"], mode="check", partial=False, file_errors=[str(exc)])
            return self._finish(result, options)
        data = path.read_bytes()
        mode = ImportJob.Mode.CHECK if options["dry_run"] else ImportJob.Mode.IMPORT
        try:
            with audit_context(source="cli", actor=user):
                result = import_file(
                    kind=options["kind"],
                    data=data,
                    filename=path.name,
                    actor=user,
                    mode=mode,
                    partial=options["partial"],
                    progress=ProgressBar(),
                )
        except (PermissionDenied, ValidationError) as exc:
            raise CommandError(str(exc)) from None
        return self._finish(result, options)

    def _finish(self, result: ImportResult, options) -> None:  # type: ignore[no-untyped-def]
        if options["report"]:
            write_report(errors=result.errors, file_errors=result.file_errors, path=options["report"])
        out = self.stdout
        for message in result.file_errors:
            out.write(self.style.ERROR(f"rejected: {message}"))
        if result.ignored_columns:
            out.write(f"ignored columns: {', '.join(result.ignored_columns)}")
        if not result.file_errors:
            verb = "checked" if result.mode == "check" else "imported" if result.status != "rejected" else "checked"
            out.write(
                f"{result.kind}: {result.total_rows} rows {verb} in {result.seconds:.1f} s: "
                f"{result.created} new, {result.updated} changed, {result.unchanged} unchanged, "
                f"{result.error_rows} rows with {result.errors.height} errors"
            )
            for row, column, value, message in result.errors.head(20).iter_rows():
                out.write(f"  row {row} {column} {value!r}: {message}")
            if result.errors.height > 20:
                out.write(
                    f"  … {result.errors.height - 20} more errors" + (" in the report" if options["report"] else "")
                )
        if result.status == ImportJob.Status.PARTIAL:
            out.write(self.style.WARNING("imported the valid rows; the others were rejected"))
            sys.exit(2)
        if not result.ok:
            out.write(self.style.ERROR("rejected: nothing was written"))
            sys.exit(1)
        out.write(self.style.SUCCESS("valid" + ("" if result.mode == "check" else "; imported")))
