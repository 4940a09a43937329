"""Uploads of tables (CSV or XLSX, Chinese or English headers) into forms, their blank templates, and the
date widget the forms share."""

from __future__ import annotations

from typing import Any

import polars as pl
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongjiang.core import tabular
from gongjiang.core.pages import BootstrapForm

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class DateInput(forms.DateInput):
    """A date picker: the browser's, which reads and writes ISO dates whatever the page's language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def read_table(upload: Any, columns: tabular.Spec) -> pl.DataFrame:
    """A CSV (UTF-8 or GB18030) or XLSX upload as a frame of text columns named as ``columns`` declares,
    from Chinese or English headers (``core.tabular``). A blank cell is null. A file the reader refuses,
    and rows of the wrong shape, are form errors naming the row and column."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The file is larger than 5 MB."))
    try:
        table = tabular.read_table(
            upload.read(), upload.name or "", columns, limits=tabular.Limits(max_bytes=MAX_UPLOAD_BYTES)
        )
    except (tabular.FileRejected, tabular.HeaderError) as exc:
        raise ValidationError(str(exc)) from None
    if table.ragged:
        raise ValidationError(
            [_("row %(r)d: %(m)s") % {"r": row, "m": message} for row, message in table.ragged],
        )
    names = [c.name for c in columns if c.name in table.frame.columns]
    return table.frame.select([pl.when(pl.col(n) != "").then(pl.col(n)).alias(n) for n in names])


def template_xlsx(columns: tabular.Spec, title: str) -> bytes:
    """A blank workbook with the Chinese headers of ``columns``."""
    return tabular.xlsx_bytes(tabular.template_headers(columns), [], title=title)


class TableUploadForm(BootstrapForm):
    """An upload of a table with the columns the subclass declares."""

    file = forms.FileField(label=gettext_lazy("File (CSV or XLSX)"))
    columns: tabular.Spec = ()

    def clean_file(self) -> pl.DataFrame:
        return read_table(self.cleaned_data["file"], self.columns)
