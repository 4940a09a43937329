"""`gongjiang import_worker [--once]`: run queued import jobs (with GONGJIANG_IMPORT_RUNNER=worker)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from gongjiang.imports.models import ImportJob
from gongjiang.imports.services import import_job_run, import_jobs_recover


class Command(BaseCommand):
    help = "Run queued import jobs one at a time; with --once, stop when the queue is empty."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--poll", type=float, default=2.0, help="seconds between looks at the queue")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        recovered = import_jobs_recover()
        if recovered:
            self.stdout.write(f"marked {recovered} interrupted jobs as failed")
        while True:
            queued = list(
                ImportJob.objects.filter(status=ImportJob.Status.QUEUED)
                .order_by("id")
                .values_list("id", flat=True)[:10]
            )
            for job_id in queued:
                job = import_job_run(job_id=job_id)
                if job is not None:
                    self.stdout.write(f"job {job.pk} ({job.kind}, {job.original_name}): {job.status}")
            if not queued:
                if options["once"]:
                    return
                close_old_connections()  # a long-lived process: drop broken or expired connections while idle
                time.sleep(options["poll"])
