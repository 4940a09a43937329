"""The enterprise salary survey (企业薪酬调查) as an import kind of the imports kit, and the validation of
employee rows it shares with the enterprise's own upload (``services.response_upload``).

One row is one employee of one enterprise drawn into the survey: the survey year and the enterprise's
credit code (in an officer's file; an enterprise's own file leaves both out), the employee key (a row
number or the enterprise's staff number; never a name or an ID number), the occupation (2022
classification), the skill level, the education, the months and hours worked and the pay components
paid in the survey year, in yuan.

Validation runs on whole columns and names the row and column of every problem; a file with any
problem writes nothing. The bounds:

* months worked 1–12, whole months; hours worked per month 1–300;
* pay components are amounts in yuan, at most two decimals, not negative, base pay above zero;
* the pay per month worked (all components over the months) between ``MONTHLY_MIN`` 1,000 and
  ``MONTHLY_MAX`` 200,000 yuan: below the lowest minimum wage of Jiangsu's three classes even for part-time
  months, above any pay a survey of enterprises plausibly holds; a value outside is a unit error (fen or
  ten-thousand yuan for yuan) or a typing error;
* the employee key appears once per enterprise; a key shaped like an ID number (15 or 18 characters of
  digits) is refused, for no personal data belongs in the survey.
"""

from __future__ import annotations

import polars as pl
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongjiang.core.tabular import Column
from gongjiang.imports import checks, fields
from gongjiang.imports.kinds import Kind
from gongjiang.imports.validation import Context, Prepared, Validation, fmt
from gongjiang.wages.models import Education, EmployeeRecord, Response, ResponseStatus, SurveyStatus

MONTHLY_MIN = 1_000
MONTHLY_MAX = 200_000
HOURS_MAX = 300
PAY_FIELDS = ("base_pay", "bonus", "allowances", "overtime_pay")
LEVEL_CODES = ("level5", "level4", "level3", "level2", "level1", "none")

EMPLOYEE_COLUMNS = (
    Column(
        "employee_key",
        "员工编号",
        gettext_lazy("Employee key"),
        ("员工序号", "工号", "employeekey", "employee"),
        required=True,
    ),
    Column(
        "occupation_code",
        "职业编码",
        gettext_lazy("Occupation code"),
        ("职业代码", "职业（工种）编码", "occupationcode", "occupation"),
        required=True,
    ),
    Column(
        "skill_level", "技能等级", gettext_lazy("Skill level"), ("等级", "职业技能等级", "skilllevel", "level"), True
    ),
    Column("education", "学历", gettext_lazy("Education"), ("文化程度", "education"), required=True),
    Column("months_worked", "工作月数", gettext_lazy("Months worked"), ("月数", "monthsworked", "months"), True),
    Column(
        "hours_per_month",
        "月均工作小时",
        gettext_lazy("Hours worked per month"),
        ("月平均工作小时数", "hourspermonth", "hours"),
        required=True,
    ),
    Column("base_pay", "基本工资", gettext_lazy("Base pay (yuan)"), ("基本工资（元）", "basepay"), required=True),
    Column("bonus", "奖金", gettext_lazy("Bonus (yuan)"), ("奖金（元）", "绩效奖金", "bonus")),
    Column("allowances", "津贴补贴", gettext_lazy("Allowances (yuan)"), ("津贴和补贴", "allowances")),
    Column("overtime_pay", "加班工资", gettext_lazy("Overtime pay (yuan)"), ("加班费", "overtimepay", "overtime")),
)

SURVEY_COLUMNS = (
    Column("year", "调查年度", gettext_lazy("Survey year"), ("年度", "year", "surveyyear"), required=True),
    Column(
        "uscc",
        "统一社会信用代码",
        gettext_lazy("Enterprise's credit code"),
        ("信用代码", "uscc", "creditcode"),
        required=True,
    ),
    *EMPLOYEE_COLUMNS,
)

LEVEL_WORDS = {
    "level5": "level5",
    "初级工": "level5",
    "初级": "level5",
    "五级": "level5",
    "5": "level5",
    "五级/初级工": "level5",
    "level4": "level4",
    "中级工": "level4",
    "中级": "level4",
    "四级": "level4",
    "4": "level4",
    "四级/中级工": "level4",
    "level3": "level3",
    "高级工": "level3",
    "高级": "level3",
    "三级": "level3",
    "3": "level3",
    "三级/高级工": "level3",
    "level2": "level2",
    "技师": "level2",
    "二级": "level2",
    "2": "level2",
    "二级/技师": "level2",
    "level1": "level1",
    "高级技师": "level1",
    "一级": "level1",
    "1": "level1",
    "一级/高级技师": "level1",
    "none": "none",
    "无": "none",
    "无等级": "none",
    "未取得": "none",
    "-": "none",
}

EDUCATION_WORDS = {
    "初中": "junior_secondary",
    "初中及以下": "junior_secondary",
    "小学": "junior_secondary",
    "高中": "senior_secondary",
    "普通高中": "senior_secondary",
    "中专": "vocational",
    "职高": "vocational",
    "技校": "vocational",
    "中职": "vocational",
    "中专/技校": "vocational",
    "大专": "college",
    "专科": "college",
    "高职": "college",
    "本科": "bachelor",
    "大学本科": "bachelor",
    "研究生": "master",
    "硕士": "master",
    "博士": "master",
}


def _amount(col: str) -> pl.Expr:
    """Yuan with at most two decimals, thousands separators allowed, as integer fen; null otherwise."""
    s = pl.col(col).fill_null("").str.strip_chars().str.replace_all(r"[,，\s]", "")
    ok = s.str.contains(r"^[0-9]{1,9}(\.[0-9]{1,2})?$")
    whole = s.str.extract(r"^([0-9]+)", 1).str.to_integer(strict=False)
    frac = s.str.extract(r"\.([0-9]{1,2})$", 1).fill_null("").str.pad_end(2, "0")
    cents = pl.when(frac == "").then(0).otherwise(frac.str.to_integer(strict=False))
    return pl.when(ok).then(whole * 100 + cents).otherwise(None)


def _hours(col: str) -> pl.Expr:
    s = pl.col(col).fill_null("").str.strip_chars()
    return pl.when(s.str.contains(r"^[0-9]{1,3}(\.[0-9])?$")).then(s.cast(pl.Float64, strict=False)).otherwise(None)


def validate_employees(v: Validation) -> None:
    """The checks of the employee columns, on whole columns; adds the typed columns ``months``, ``hours``,
    ``level_code``, ``education_code``, ``occupation_id`` and ``<pay>_fen``."""
    v.generic()
    v.text("employee_key", max_length=20, required=True)
    v.fail(
        "employee_key",
        pl.col("employee_key").str.contains(r"^[0-9]{15}$|^[0-9]{17}[0-9Xx]$"),
        _("The employee key looks like an ID number; use a row number or the enterprise's own staff number."),
    )
    fields.occupation(v, "occupation_code", required=True)
    v.required("skill_level")
    fields.map_choice(
        v,
        "skill_level",
        fields.choice_table([], LEVEL_WORDS),
        "level_code",
        _("Unknown skill level; write 初级工, 中级工, 高级工, 技师, 高级技师 or 无."),
    )
    v.required("education")
    fields.map_choice(
        v,
        "education",
        fields.choice_table(list(Education.choices), EDUCATION_WORDS),
        "education_code",
        _("Unknown education; write 初中及以下, 高中, 中专/技校, 大专, 本科 or 研究生."),
    )
    v.required("months_worked")
    v.frame = v.frame.with_columns(months=checks.integers("months_worked"))
    v.fail(
        "months_worked",
        (pl.col("months_worked") != "") & ~pl.col("months").is_between(1, 12).fill_null(False),
        _("Months worked must be a whole number from 1 to 12."),
    )
    v.required("hours_per_month")
    v.frame = v.frame.with_columns(hours=_hours("hours_per_month"))
    v.fail(
        "hours_per_month",
        (pl.col("hours_per_month") != "") & ~pl.col("hours").is_between(1, HOURS_MAX).fill_null(False),
        _("Hours worked per month must be a number from 1 to %(n)d, at most one decimal.") % {"n": HOURS_MAX},
    )
    v.required("base_pay")
    for name in PAY_FIELDS:
        v.frame = v.frame.with_columns(_amount(name).alias(f"{name}_fen"))
        v.fail(
            name,
            (pl.col(name) != "") & pl.col(f"{name}_fen").is_null(),
            _("Write an amount in yuan, not negative, with at most two decimals (e.g. 56000 or 56000.50)."),
        )
        if name != "base_pay":
            v.frame = v.frame.with_columns(pl.col(f"{name}_fen").fill_null(0))
    v.fail("base_pay", pl.col("base_pay_fen") == 0, _("Base pay must be above zero."))
    total = pl.sum_horizontal(*(pl.col(f"{n}_fen").fill_null(0) for n in PAY_FIELDS))
    v.frame = v.frame.with_columns(monthly=total / 100.0 / pl.col("months"))
    checked = v.ok("months_worked", *PAY_FIELDS) & pl.col("months").is_not_null()
    v.fail(
        "base_pay",
        checked & ((pl.col("monthly") < MONTHLY_MIN) | (pl.col("monthly") > MONTHLY_MAX)),
        fmt(
            _(
                "The pay per month worked is %(m)s yuan, outside the plausible %(lo)s to %(hi)s yuan; "
                "check the unit (yuan for the whole year) and the months worked."
            ),
            m=pl.col("monthly").round(0).cast(pl.Int64),
            lo=pl.lit(f"{MONTHLY_MIN:,}"),
            hi=pl.lit(f"{MONTHLY_MAX:,}"),
        ),
    )


def employee_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """The validated frame's rows as the table's columns (without ``response_id``)."""
    return frame.select(
        "employee_key",
        "occupation_code",
        pl.col("level_code").alias("skill_level"),
        pl.col("education_code").alias("education"),
        pl.col("months").alias("months_worked"),
        pl.col("hours").round(1).alias("hours_per_month"),
        *(pl.col(f"{n}_fen").alias(n) for n in PAY_FIELDS),
    )


COMPARED = (
    "occupation_code",
    "skill_level",
    "education",
    "months_worked",
    "hours_per_month",
    *PAY_FIELDS,
)


def existing_rows(response_ids: list[int]) -> pl.DataFrame:
    """The stored rows of these responses, keyed by (response_id, employee_key), their values as ``old_*``."""
    schema = {
        "response_id": pl.Int64,
        "employee_key": pl.String,
        "old_id": pl.Int64,
        "old_occupation_code": pl.String,
        "old_skill_level": pl.String,
        "old_education": pl.String,
        "old_months_worked": pl.Int64,
        "old_hours_per_month": pl.Float64,
        **{f"old_{n}": pl.Int64 for n in PAY_FIELDS},
    }
    rows = [
        (*r[:7], float(r[7]), *r[8:])
        for r in EmployeeRecord.objects.filter(response_id__in=response_ids).values_list(
            "response_id", "employee_key", "id", *COMPARED
        )
    ]
    return pl.DataFrame(rows, schema=schema, orient="row")


def _responses(year_ok: pl.Series, usccs: pl.Series) -> pl.DataFrame:
    schema = {
        "year_num": pl.Int64,
        "uscc_norm": pl.String,
        "response_id": pl.Int64,
        "response_region": pl.String,
        "response_status": pl.String,
        "survey_status": pl.String,
    }
    years = [int(y) for y in year_ok.drop_nulls().unique().to_list()]
    codes = [c for c in usccs.drop_nulls().unique().to_list() if c]
    if not years or not codes:
        return pl.DataFrame(schema=schema)
    rows = Response.objects.filter(survey__year__in=years, uscc__in=codes).values_list(
        "survey__year", "uscc", "id", "region_code", "status", "survey__status"
    )
    return pl.DataFrame(list(rows), schema=schema, orient="row")


def prepare_survey(v: Validation, ctx: Context) -> Prepared:
    """An officer's file of employee rows of the enterprises of their region's surveys."""
    v.generic()
    v.required("year")
    v.frame = v.frame.with_columns(year_num=checks.integers("year"))
    v.fail("year", (pl.col("year") != "") & pl.col("year_num").is_null(), _("The survey year is a year such as 2025."))
    fields.uscc_column(v, "uscc", "uscc_norm", required=True)
    validate_employees(v)
    responses = _responses(v.frame["year_num"], v.frame["uscc_norm"])
    v.frame = v.frame.join(responses, on=["year_num", "uscc_norm"], how="left")
    v.fail(
        "uscc",
        v.ok("year") & pl.col("response_id").is_null(),
        _("This enterprise is not in the sample of a salary survey of that year."),
    )
    v.fail(
        "uscc",
        pl.col("response_id").is_not_null() & ~checks.in_scope("response_region", ctx.prefix),
        fmt(_("The enterprise is in region %(code)s, outside your region."), code=pl.col("response_region")),
    )
    v.fail(
        "uscc",
        pl.col("survey_status") == SurveyStatus.CLOSED,
        _("The survey of that year is closed."),
    )
    v.fail(
        "uscc",
        pl.col("response_status") == ResponseStatus.SUBMITTED,
        _("The enterprise's survey is already submitted; reopen it before changing its rows."),
    )
    v.duplicates("employee_key", ["year_num", "uscc_norm", "employee_key"], _("The employee key"))
    ctx.progress(0.6)
    ids = [int(i) for i in v.frame["response_id"].drop_nulls().unique().to_list()]
    existing = existing_rows(ids)
    new = employee_rows(v.frame).with_columns(response_id=v.frame["response_id"])
    compared = new.join(existing, on=["response_id", "employee_key"], how="left", nulls_equal=False)
    v.frame = v.frame.with_columns(
        existing_id=compared["old_id"],
        changed=compared["old_id"].is_not_null()
        & compared.select(pl.any_horizontal([pl.col(c) != pl.col(f"old_{c}") for c in COMPARED])).to_series(),
    )

    def creates(rows: pl.DataFrame) -> pl.DataFrame:
        return employee_rows(rows).with_columns(response_id=rows["response_id"])

    def updates(rows: pl.DataFrame) -> pl.DataFrame:
        return employee_rows(rows).with_columns(id=rows["existing_id"]).drop("employee_key")

    return Prepared(
        model=EmployeeRecord,
        frame=v.frame,
        update_fields=list(COMPARED),
        build_creates=creates,
        build_updates=updates,
        region_col="response_region",
    )


KINDS = (
    Kind(
        name="wage_survey",
        label=gettext_lazy("Enterprise salary survey"),
        model=EmployeeRecord,
        columns=SURVEY_COLUMNS,
        prepare=prepare_survey,
        position=60,
        records_url="wages:response-list",
    ),
)
