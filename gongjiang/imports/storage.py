"""Files of import jobs under ``IMPORTS_DIR``: uploads and error reports, encrypted at rest (AES-GCM under
the personal-data key, since they hold ID numbers and names), and small progress files that any process
of the server can read while a job runs."""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

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


def _progress_path(job_id: int) -> Path:
    return root() / f"job-{int(job_id)}.progress.json"


class ProgressWriter:
    """Writes a job's stage and percentage at most a few times a second (atomically, by rename)."""

    def __init__(self, job_id: int, interval: float = 0.3) -> None:
        self.job_id = job_id
        self.interval = interval
        self._last = 0.0
        self._stage = ""

    def __call__(self, stage: str, fraction: float) -> None:
        now = time.monotonic()
        if stage == self._stage and now - self._last < self.interval and fraction < 1.0:
            return
        self._stage, self._last = stage, now
        path = _progress_path(self.job_id)
        tmp = path.with_suffix(".tmp")
        payload = {"stage": stage, "percent": round(max(0.0, min(1.0, fraction)) * 100), "time": time.time()}
        tmp.write_text(json.dumps(payload), encoding="utf-8")
        os.replace(tmp, path)


def read_progress(job_id: int) -> dict[str, Any] | None:
    try:
        return json.loads(_progress_path(job_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def clear_progress(job_id: int) -> None:
    _progress_path(job_id).unlink(missing_ok=True)
