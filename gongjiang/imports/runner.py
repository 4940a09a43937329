"""Running import jobs outside the request that queued them.

``IMPORT_RUNNER`` chooses how: ``thread`` (default) starts a daemon thread in the web process once the
job's row is committed; ``worker`` leaves queued jobs to ``gongjiang import_worker``, a separate process
that claims them one by one; ``sync`` runs the job in the committing request itself (tests, tiny files).
Claiming is a conditional update (queued → running), so a job never runs twice.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import connections

log = logging.getLogger(__name__)


def mode() -> str:
    return str(getattr(settings, "IMPORT_RUNNER", "thread"))


def start(job_id: int) -> None:
    from gongjiang.imports.services import import_job_run

    how = mode()
    if how == "sync":
        import_job_run(job_id=job_id)
    elif how == "thread":
        threading.Thread(target=_in_thread, args=(job_id,), name=f"import-job-{job_id}", daemon=True).start()


def _in_thread(job_id: int) -> None:
    from gongjiang.imports.services import import_job_run

    try:
        import_job_run(job_id=job_id)
    except Exception:
        log.exception("import job %s: runner failed", job_id)
    finally:
        connections.close_all()  # this thread's connections only
