"""Reading an upload as a table of its import kind: ``core.tabular`` with the kind's columns and the
import limits of the settings (``IMPORT_MAX_UPLOAD_BYTES``, ``IMPORT_MAX_ROWS``, ``IMPORT_MAX_COLUMNS``,
``IMPORT_XLSX_MAX_UNCOMPRESSED``, ``IMPORT_XLSX_MAX_RATIO``)."""

from __future__ import annotations

from django.conf import settings

from gongjiang.core import tabular
from gongjiang.imports import kinds


def limits() -> tabular.Limits:
    """The import limits as the settings have them now."""
    default = tabular.Limits()
    return tabular.Limits(
        max_bytes=int(getattr(settings, "IMPORT_MAX_UPLOAD_BYTES", default.max_bytes)),
        max_rows=int(getattr(settings, "IMPORT_MAX_ROWS", default.max_rows)),
        max_columns=int(getattr(settings, "IMPORT_MAX_COLUMNS", default.max_columns)),
        xlsx_max_uncompressed=int(getattr(settings, "IMPORT_XLSX_MAX_UNCOMPRESSED", default.xlsx_max_uncompressed)),
        xlsx_max_ratio=int(getattr(settings, "IMPORT_XLSX_MAX_RATIO", default.xlsx_max_ratio)),
    )


def check_size(size: int) -> None:
    """Raises ``tabular.FileRejected`` for a file larger than the upload limit."""
    tabular.check_size(size, limits())


def read_upload(data: bytes, filename: str, kind: str, *, progress: tabular.Progress | None = None) -> tabular.Table:
    """Read ``data`` (the file's bytes) as a table of ``kind``; raises FileRejected or HeaderError."""
    return tabular.read_table(data, filename, kinds.get(kind).columns, limits=limits(), progress=progress)


def map_headers(kind: str, headers: list[str]) -> tabular.HeaderMap:
    """Match a header row to the columns of ``kind``; raises HeaderError."""
    return tabular.map_headers(kinds.get(kind).columns, headers)
