"""An edition as the bureaus publish it: XLSX and a printable PDF (A4, Chinese, set in the CID font
STSong-Light as the certificates are, so no font file is shipped).

The layout is the bureaus' own: occupation code and name, skill level, P10 低位数, P25, P50 中位数, P75,
P90 高位数 and the mean, yuan per year; then, beyond the bureaus, the 95% interval of the median and the
number of enterprises and employees. A suppressed cell shows no figure, only its reason key (the notice
explains the keys)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.http import Http404, HttpResponse

from gongjiang.core.tabular import XLSX_TYPE, xlsx_bytes
from gongjiang.reference.models import Occupation
from gongjiang.reference.selectors import region_name
from gongjiang.wages.models import QUANTILES, Cell, CellStatus, Edition
from gongjiang.wages.selectors import level_names

FONT = "STSong-Light"
HEADER = [
    "地区代码",
    "地区",
    "职业编码",
    "职业名称",
    "技能等级",
    "P10 低位数",
    "P25",
    "P50 中位数",
    "P75",
    "P90 高位数",
    "平均数",
    "中位数95%区间",
    "企业数",
    "职工数",
    "发布状态",
]


def occupation_names(codes: Iterable[str]) -> dict[str, str]:
    return dict(Occupation.objects.filter(code__in=[c for c in codes if c]).values_list("code", "name"))


def rows(edition: Edition) -> list[list[Any]]:
    """The occupation-by-level cells of the edition, suppressed cells with their reason key only."""
    cells = list(
        edition.cells.filter(cell_kind="occupation_level").order_by("region_code", "occupation_code", "skill_level")
    )
    names = occupation_names({c.occupation_code for c in cells})
    levels = level_names()
    out = []
    for c in cells:
        base = [
            c.region_code,
            region_name(c.region_code),
            c.occupation_code,
            names.get(c.occupation_code, ""),
            levels.get(c.skill_level, c.skill_level),
        ]
        if c.status == CellStatus.PUBLISHED:
            figures = [*(getattr(c, q) for q in QUANTILES), c.mean, f"{c.lo_p50}–{c.hi_p50}"]
            out.append([*base, *figures, c.n_enterprises, c.n_employees, "公布"])
        else:
            out.append([*base, *([""] * 7), "", "", f"不公布：{c.reason}"])
    return out


def edition_title(edition: Edition) -> str:
    return f"{region_name(edition.region_code)}{edition.year}年企业工资价位（第{edition.number}版，元/年）"


def edition_xlsx(edition: Edition) -> bytes:
    return xlsx_bytes(HEADER, rows(edition), title=f"{edition.year}")


@lru_cache(maxsize=1)
def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def edition_pdf(edition: Edition) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _font()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=edition_title(edition),
        author="工匠",
    )
    title = ParagraphStyle("title", fontName=font, fontSize=14, leading=18, alignment=1)
    small = ParagraphStyle("small", fontName=font, fontSize=8, leading=10)
    header = HEADER[:-1]
    data = [header] + [r[:-1] if r[-1] == "公布" else [*r[:5], r[-1], *([""] * 8)] for r in rows(edition)]
    table = Table(data, repeatRows=1)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), 7),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
        ("ALIGN", (5, 1), (-1, -1), "RIGHT"),
    ]
    for i, row in enumerate(data[1:], start=1):
        if str(row[5]).startswith("不公布"):
            style.append(("SPAN", (5, i), (-1, i)))
            style.append(("ALIGN", (5, i), (-1, i), "LEFT"))
    table.setStyle(TableStyle(style))
    notes = [
        "单位：元/年（工资总额除以工作月数乘以12，含基本工资、奖金、津贴补贴和加班工资），四舍五入到元，分位数保持单调。",
        "区间为95%置信区间（重复抽样权重法）。不公布的单元格只标明原因代码："
        "few_enterprises 企业数不足，few_employees 职工数不足，dominance 个别企业占比过大，"
        "p_percent 可推算个别企业，precision 精度不足，complementary 为保护其他单元格而不公布。",
    ]
    story = [Paragraph(edition_title(edition), title), Spacer(1, 4 * mm), table, Spacer(1, 4 * mm)]
    story += [Paragraph(n, small) for n in notes]
    doc.build(story)
    return buffer.getvalue()


def respond(edition: Edition, fmt: str) -> HttpResponse:
    name = f"wages-{edition.region_code}-{edition.year}-{edition.number}"
    if fmt == "xlsx":
        response = HttpResponse(edition_xlsx(edition), content_type=XLSX_TYPE)
    elif fmt == "pdf":
        response = HttpResponse(edition_pdf(edition), content_type="application/pdf")
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def cell_values(cell: Cell) -> dict[str, Any]:
    """A cell's figures as the API gives them: nothing but the status and reason for a suppressed one."""
    if cell.status != CellStatus.PUBLISHED:
        return {}
    out: dict[str, Any] = {}
    for s in (*QUANTILES, "mean"):
        out[s] = getattr(cell, s)
        out[f"se_{s}"] = getattr(cell, f"se_{s}")
        out[f"lo_{s}"] = getattr(cell, f"lo_{s}")
        out[f"hi_{s}"] = getattr(cell, f"hi_{s}")
    out["n_enterprises"] = cell.n_enterprises
    out["n_employees"] = cell.n_employees
    return out
