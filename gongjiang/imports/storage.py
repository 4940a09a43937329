"""Files of import jobs under ``IMPORTS_DIR``: uploads and error reports, encrypted at rest (AES-GCM under
the personal-data key, since they hold ID numbers and names), and the progress file of a running job
(``core.tasks.ProgressFile``), which any process of the server can read."""

from __future__ import annotations

import base64
import os
import uuid
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from gongjiang.core import tasks

_MAGIC = b"GJS1"


def root() -> Path:
    path = Path(settings.IMPORTS_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _aead() -> AESGCM:
    return AESGCM(base64.b64decode(settings.PII_KEY))


def seal(data: bytes) -> bytes:
    nonce = os.urandom(12)
    return _MAGIC + nonce + _aead().encrypt(nonce, data, _MAGIC)


def unseal(blob: bytes) -> bytes:
    if not blob.startswith(_MAGIC):
        raise ValueError("not a sealed import file")
    return _aead().decrypt(blob[4:16], blob[16:], _MAGIC)


def store(data: bytes, suffix: str) -> str:
    """Seal ``data`` into a new file; returns its name relative to the root."""
    name = f"{uuid.uuid4().hex}{suffix}"
    path = root() / name
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(seal(data))
    os.replace(tmp, path)
    return name


def load(name: str) -> bytes:
    return unseal((root() / _safe(name)).read_bytes())


def remove(name: str) -> None:
    if name:
        (root() / _safe(name)).unlink(missing_ok=True)


def _safe(name: str) -> str:
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError("bad stored file name")
    return name


# ------------------------------------------------------------------------------------------------
# progress
# ------------------------------------------------------------------------------------------------


def progress_path(job_id: int) -> Path:
    return root() / f"job-{int(job_id)}.progress.json"


class ProgressWriter(tasks.ProgressFile):
    """A job's stage and percentage, in its progress file (see ``core.tasks.ProgressFile``)."""

    def __init__(self, job_id: int, interval: float = 0.3) -> None:
        super().__init__(progress_path(job_id), interval=interval)
        self.job_id = job_id


def read_progress(job_id: int) -> dict[str, Any] | None:
    return tasks.read_progress(progress_path(job_id))


def clear_progress(job_id: int) -> None:
    tasks.clear_progress(progress_path(job_id))
