"""The columns of each import kind, with the Chinese and English headers that name them.

A header is matched after normalisation: surrounding space, a trailing required-marker ``*`` and a
bracketed remark (``姓名（必填）``) are dropped, full-width forms folded, case, spaces, ``_`` and ``-``
ignored. Unknown headers are ignored and listed in the summary; a field named by two headers, or a
column with data but no header, rejects the file.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy


@dataclass(frozen=True)
class Column:
    field: str
    label: object  # lazy translatable label, used in messages when the header is not at hand
    aliases: tuple[str, ...]
    required: bool = False
    pii: str = ""  # "id" or "phone": values are masked in error reports


ID_ALIASES = ("身份证号码", "身份证号", "公民身份号码", "身份证", "证件号码", "idnumber", "idno", "idcard")
USCC_ALIASES = ("统一社会信用代码", "社会信用代码", "信用代码", "uscc", "creditcode")

KINDS: dict[str, tuple[Column, ...]] = {
    "persons": (
        Column("name", pgettext_lazy("person", "Name"), ("姓名", "name", "名字"), required=True),
        Column("id_number", gettext_lazy("ID number"), ID_ALIASES, required=True, pii="id"),
        Column(
            "residence_region_code",
            gettext_lazy("Residence region code"),
            (
                "居住地区划代码",
                "居住地代码",
                "居住地",
                "常住地区划代码",
                "常住地",
                "区划代码",
                "residenceregioncode",
                "residence",
                "regioncode",
                "region",
            ),
            required=True,
        ),
        Column(
            "household_region_code",
            gettext_lazy("Household region code"),
            ("户籍地区划代码", "户籍地代码", "户籍地", "户籍所在地", "householdregioncode", "household"),
        ),
        Column(
            "phone", gettext_lazy("Phone"), ("手机号码", "手机号", "联系电话", "电话", "phone", "mobile"), pii="phone"
        ),
    ),
    "organisations": (
        Column("uscc", gettext_lazy("Unified social credit code"), USCC_ALIASES, required=True),
        Column("name", gettext_lazy("Name"), ("单位名称", "名称", "机构名称", "企业名称", "name"), required=True),
        Column("kind", gettext_lazy("Kind"), ("单位类型", "机构类型", "类型", "kind", "type"), required=True),
        Column(
            "region_code",
            gettext_lazy("Region code"),
            ("所在地区划代码", "区划代码", "所在地", "regioncode", "region"),
            required=True,
        ),
        Column(
            "industry_code", gettext_lazy("Industry code"), ("行业代码", "所属行业", "行业", "industrycode", "industry")
        ),
        Column(
            "self_evaluation",
            gettext_lazy("Self-evaluation"),
            ("自主评价", "是否自主评价", "企业自主评价", "selfevaluation"),
        ),
    ),
    "employment": (
        Column("id_number", gettext_lazy("ID number"), ID_ALIASES, required=True, pii="id"),
        Column(
            "uscc",
            gettext_lazy("Employer's credit code"),
            ("用人单位统一社会信用代码", "单位统一社会信用代码", *USCC_ALIASES, "employeruscc", "organisationuscc"),
            required=True,
        ),
        Column(
            "start",
            gettext_lazy("Start date"),
            ("入职日期", "起始日期", "开始日期", "聘用日期", "start", "startdate", "from"),
            required=True,
        ),
        Column("end", gettext_lazy("End date"), ("离职日期", "终止日期", "结束日期", "end", "enddate", "to")),
        Column(
            "occupation_code", gettext_lazy("Occupation code"), ("职业编码", "职业代码", "occupationcode", "occupation")
        ),
    ),
    "certificates": (
        Column(
            "number",
            gettext_lazy("Certificate number"),
            ("证书编号", "证书号码", "证书号", "number", "certificatenumber", "certificateno"),
            required=True,
        ),
        Column("id_number", gettext_lazy("Holder's ID number"), ID_ALIASES, required=True, pii="id"),
        Column("name", gettext_lazy("Holder's name"), ("姓名", "持证人姓名", "name", "holdername")),
        Column(
            "occupation_code",
            gettext_lazy("Occupation code"),
            ("职业编码", "职业代码", "职业（工种）编码", "occupationcode", "occupation"),
            required=True,
        ),
        Column("level", gettext_lazy("Level"), ("等级", "技能等级", "级别", "职业技能等级", "level"), required=True),
        Column(
            "issue_date",
            gettext_lazy("Issue date"),
            ("发证日期", "颁证日期", "发证时间", "issuedate", "issued"),
            required=True,
        ),
        Column("source", gettext_lazy("Source"), ("证书来源", "评价方式", "来源", "source")),
        Column(
            "issuer_uscc",
            gettext_lazy("Issuer's credit code"),
            (
                "发证机构统一社会信用代码",
                "评价机构统一社会信用代码",
                "发证单位统一社会信用代码",
                "issueruscc",
                "issuer",
            ),
        ),
    ),
    "employment_stats": (
        Column(
            "region_code",
            gettext_lazy("Region code"),
            ("区划代码", "地区代码", "行政区划代码", "regioncode", "region"),
            required=True,
        ),
        Column("year", gettext_lazy("Year"), ("年度", "年份", "year"), required=True),
        Column(
            "employed",
            gettext_lazy("Employed persons"),
            ("就业人数", "就业人员数", "从业人员数", "从业人员", "employed", "employedpersons"),
            required=True,
        ),
        Column("source", gettext_lazy("Source"), ("数据来源", "来源", "source")),
    ),
}

_REMARK = re.compile(r"[（(][^（）()]*[）)]$")


def normalise_header(text: object) -> str:
    if text is None:
        return ""
    value = unicodedata.normalize("NFKC", str(text)).replace("\ufeff", "").replace("\u200b", "").strip()
    value = value.rstrip("*＊ ").strip()
    # "姓名（必填）", "证书编号 (必填)": a trailing remark in brackets is not part of the name,
    # unless the whole header is the remark-shaped alias "职业（工种）编码".
    stripped = _REMARK.sub("", value).strip()
    if stripped:
        value = stripped
    return re.sub(r"[\s_\-]+", "", value).lower()


def _alias_table(kind: str) -> dict[str, Column]:
    table: dict[str, Column] = {}
    for col in KINDS[kind]:
        table[normalise_header(col.field)] = col
        for alias in col.aliases:
            table[normalise_header(alias)] = col
    # The column's own label, as the pages and exports show it in either language, is a header too.
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for col in KINDS[kind]:
                table.setdefault(normalise_header(str(col.label)), col)
    return table


@dataclass
class HeaderMap:
    fields: dict[str, int]  # field → column index in the file
    headers: dict[str, str]  # field → the header as written in the file
    ignored: list[str]


class HeaderError(ValueError):
    """The header row does not fit the kind; ``matched`` counts the fields it did name."""

    matched = 0


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA (spreadsheet column names)."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def map_headers(kind: str, headers: list[str]) -> HeaderMap:
    """Match a file's header row to the kind's fields. Raises HeaderError listing every problem."""
    table = _alias_table(kind)
    fields: dict[str, int] = {}
    written: dict[str, str] = {}
    ignored: list[str] = []
    problems: list[str] = []
    for index, raw in enumerate(headers):
        text = "" if raw is None else str(raw).strip()
        if not text:
            continue
        col = table.get(normalise_header(text))
        if col is None:
            ignored.append(text)
            continue
        if col.field in fields:
            problems.append(
                _("Columns %(a)s (%(ha)s) and %(b)s (%(hb)s) both name the field %(field)s; keep one of them.")
                % {
                    "a": column_letter(fields[col.field]),
                    "ha": written[col.field],
                    "b": column_letter(index),
                    "hb": text,
                    "field": col.label,
                }
            )
            continue
        fields[col.field] = index
        written[col.field] = text
    missing = [c for c in KINDS[kind] if c.required and c.field not in fields]
    if missing:
        expected = "; ".join(f"{c.label} ({' / '.join(c.aliases[:2])})" for c in missing)
        problems.append(_("Required columns are missing: %(cols)s.") % {"cols": expected})
    if problems:
        error = HeaderError(" ".join(problems))
        error.matched = len(fields)
        raise error
    return HeaderMap(fields=fields, headers=written, ignored=ignored)


def template_headers(kind: str) -> list[str]:
    """The Chinese headers of a kind, for a blank template file."""
    return [c.aliases[0] for c in KINDS[kind]]
