"""`gongjiang worker [--batch] [--interval S] [--start-only]`: run background tasks.

First the start hooks of every app (``core.tasks.on_worker_start``: jobs whose worker died are marked
failed), then the worker of the configured backend: django-tasks-db's ``db_worker`` (``GONGJIANG_TASKS=
database``, the default) or django-rq's ``rqworker`` on the backend's queues with django-tasks-rq's job
class (``rq``). With ``immediate`` tasks run where they are started and there is nothing to run.
"""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django_tasks_db import DatabaseBackend
from django_tasks_rq import RQBackend

from gongjiang.core import tasks


class Command(BaseCommand):
    help = "Run background tasks: repair what a dead worker left, then work the task queue."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--batch", action="store_true", help="run the tasks waiting now, then stop")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between looks at an empty queue (database)"
        )
        parser.add_argument("--start-only", action="store_true", help="run the start hooks only, then stop")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        for line in tasks.run_worker_start():
            self.stdout.write(line)
        if options["start_only"]:
            return
        backend = tasks.backend()
        if not tasks.needs_worker():
            self.stdout.write("tasks run where they are started (GONGJIANG_TASKS=immediate): no worker is needed")
            return
        if isinstance(backend, DatabaseBackend):
            call_command(
                "db_worker",
                batch=options["batch"],
                interval=options["interval"],
                reload=False,
                startup_delay=False,
                backend_name=backend.alias,
                verbosity=options["verbosity"],
                stdout=self.stdout,
            )
        elif isinstance(backend, RQBackend):
            # django-tasks-rq's own job class runs a task (RQ's would call the Task object itself).
            call_command(
                "rqworker",
                *sorted(backend.queues),
                job_class="django_tasks_rq.Job",
                burst=options["batch"],
                verbosity=options["verbosity"],
            )
        else:
            raise CommandError(f"no worker is known for the task backend {type(backend).__name__}")
