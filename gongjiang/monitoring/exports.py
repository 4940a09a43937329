"""Every monitoring view as an XLSX workbook (openpyxl) and a printable PDF report (reportlab, the CID font
STSong-Light, so Chinese prints without shipping a font file).

A view builds a :class:`Report` — a title, lines of context and a list of tables — once; the page, the
workbook and the PDF are renderings of the same report. Spreadsheet cells that begin like a formula
(= + - @, tab, carriage return) are written as text with a leading apostrophe so that Excel never
evaluates them.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Any]]
    sheet: str = ""


@dataclass
class Report:
    title: str
    slug: str
    lines: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    def add(self, title: str, columns: list[str], rows: list[list[Any]], sheet: str = "") -> None:
        self.tables.append(Table(title=title, columns=columns, rows=rows, sheet=sheet))


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _sheet_name(name: str, used: set[str]) -> str:
    bad = "[]:*?/\\"
    clean = "".join("_" if c in bad else c for c in name)[:28] or "sheet"
    candidate, n = clean, 2
    while candidate in used:
        candidate = f"{clean[:25]}-{n}"
        n += 1
    used.add(candidate)
    return candidate


def to_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_name(_("Summary"), set())
    used = {ws.title}
    ws.append([safe_cell(report.title)])
    ws["A1"].font = Font(bold=True, size=14)
    for line in report.lines:
        ws.append([safe_cell(line)])
    ws.append([_("Generated at"), timezone.localtime().strftime("%Y-%m-%d %H:%M")])
    for table in report.tables:
        sheet = wb.create_sheet(_sheet_name(table.sheet or table.title, used))
        sheet.append([safe_cell(table.title)])
        sheet["A1"].font = Font(bold=True)
        sheet.append([safe_cell(c) for c in table.columns])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([safe_cell(v) for v in row])
        for i, col in enumerate(table.columns, start=1):
            width = max([len(str(col))] + [len(str(r[i - 1])) for r in table.rows if i - 1 < len(r)] + [6])
            sheet.column_dimensions[sheet.cell(row=2, column=i).column_letter].width = min(width * 1.6 + 2, 60)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_FONT = "STSong-Light"


def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if _FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(_FONT))


def _pdf_text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def to_pdf(report: Report) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import Table as PdfTable

    _register_font()
    title = ParagraphStyle("title", fontName=_FONT, fontSize=16, leading=20, spaceAfter=6)
    heading = ParagraphStyle("heading", fontName=_FONT, fontSize=11.5, leading=15, spaceBefore=8, spaceAfter=4)
    body = ParagraphStyle("body", fontName=_FONT, fontSize=8.5, leading=11)
    cell = ParagraphStyle("cell", fontName=_FONT, fontSize=7.5, leading=9.5, wordWrap="CJK")
    buf = io.BytesIO()
    page = landscape(A4)
    doc = SimpleDocTemplate(
        buf,
        pagesize=page,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=14 * mm,
        title=report.title,
    )
    width = page[0] - 24 * mm
    story: list[Any] = [Paragraph(_escape(report.title), title)]
    for line in report.lines:
        story.append(Paragraph(_escape(line), body))
    generated = _("Generated at %(t)s") % {"t": timezone.localtime().strftime("%Y-%m-%d %H:%M")}
    story.append(Paragraph(_escape(generated), body))
    for table in report.tables:
        story.append(Paragraph(_escape(table.title), heading))
        if not table.rows:
            story.append(Paragraph(_escape(_("No rows.")), body))
            continue
        data = [[Paragraph(_escape(c), cell) for c in table.columns]]
        for row in table.rows:
            data.append([Paragraph(_escape(_pdf_text(v)), cell) for v in row])
        col_width = width / max(len(table.columns), 1)
        pdf_table = PdfTable(data, colWidths=[col_width] * len(table.columns), repeatRows=1)
        pdf_table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(pdf_table)
        story.append(Spacer(1, 4 * mm))

    def footer(canvas: Any, doc_: Any) -> None:
        canvas.saveState()
        canvas.setFont(_FONT, 7.5)
        canvas.drawString(12 * mm, 8 * mm, f"{report.title} · {doc_.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


def _escape(text: Any) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def respond(report: Report, fmt: str) -> HttpResponse:
    stamp = datetime.date.today().isoformat()
    if fmt == "xlsx":
        response = HttpResponse(
            to_xlsx(report), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="{report.slug}-{stamp}.xlsx"'
        return response
    response = HttpResponse(to_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.slug}-{stamp}.pdf"'
    return response
