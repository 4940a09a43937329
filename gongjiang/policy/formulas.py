"""The shape of each rule: what an event type's amount is made of. The numbers are data (policy sets).

An amount is ``base × factors``, checked, then limited by the stateful rules:

* **base**: a decision-table output (e.g. the provincial standard for the level and tier), a parameter
  (e.g. the first-year award), or an input amount (e.g. the training fee), optionally times a count;
* **checks**: decision tables or conditions that can make the event ineligible, each with its clause;
* **factors**, applied left to right and each rounded to the fen by the rule's rounding mode:
  ``plus`` factors multiply by (1 + p%) (city adjustment, shortage uplift), ``times`` factors by p%
  (the enterprise share, 80% of the fee);
* **schedule**: equal yearly instalments (``<type>.years``).

The stateful rules, applied in this order to the events that are still eligible, in order of person,
date and input position (history first), are driven by parameters of these names when in force at the
event's date and region:

1. ``same_occupation_level_once``: a training of the same person, occupation and level as an earlier
   eligible one is refused (training events only);
2. ``max_subsidised_trainings``: a training is refused when the person already has that many eligible
   trainings;
3. ``<type>.max_per_person``: at most that many eligible events of the type per person;
4. ``<type>.max_per_org_year``: at most that many per organisation and calendar year;
5. ``<type>.quota_per_region_year``: at most that many per calendar year in the region that set the quota
   (earliest first);
6. ``<type>.cap_per_person``: the amounts of the type paid to one person add up to at most the cap; the
   event that reaches the cap is cut to what is left, later ones get nothing (``cap_reached``).
"""

from __future__ import annotations

from dataclasses import dataclass

# Skill levels by rank (the eight-level sequence, gongjiang.reference SKILL_LEVELS).
LEVELS = ("apprentice", "level5", "level4", "level3", "level2", "level1", "special", "chief")
LEVEL_NAMES = {
    "apprentice": "学徒工",
    "level5": "初级工",
    "level4": "中级工",
    "level3": "高级工",
    "level2": "技师",
    "level1": "高级技师",
    "special": "特级技师",
    "chief": "首席技师",
}
HIGH_SKILLED_RANK = 3  # 高级工 and above
LEVEL_ALIASES: dict[str, str] = {
    **{code: code for code in LEVELS},
    **{name: code for code, name in LEVEL_NAMES.items()},
    "5": "level5",
    "4": "level4",
    "3": "level3",
    "2": "level2",
    "1": "level1",
    "一级": "level1",
    "二级": "level2",
    "三级": "level3",
    "四级": "level4",
    "五级": "level5",
}
TIERS = ("A", "B", "C")
TITLES = ("none", "national_expert", "provincial_expert")
TITLE_NAMES = {"none": "无", "national_expert": "国家技术能手", "provincial_expert": "省级技术能手"}
TITLE_ALIASES = {
    **{t: t for t in TITLES},
    "": "none",
    "国家技术能手": "national_expert",
    "省级技术能手": "provincial_expert",
    "无": "none",
}
PAYEES = ("person", "organisation")


@dataclass(frozen=True)
class Base:
    kind: str  # table | param | input
    name: str  # table name, parameter name or input column
    output: str = "amount"  # table output
    multiplier: str = ""  # input column multiplying the base (a head count)
    label: str = ""  # for input bases: what the amount is


@dataclass(frozen=True)
class Check:
    kind: str  # table | high_skilled | min_months | flag
    name: str = ""  # table name, parameter name, or flag column
    reason: str = ""
    required: bool = False


@dataclass(frozen=True)
class Factor:
    kind: str  # plus_param | plus_table | times_param | times_table
    name: str
    output: str = ""
    label: str = ""
    required: bool = False


@dataclass(frozen=True)
class Formula:
    event_type: str
    payee: str
    required: tuple[str, ...]
    base: Base
    derive_tier: bool = False
    checks: tuple[Check, ...] = ()
    factors: tuple[Factor, ...] = ()
    training: bool = False
    schedule: str = ""  # parameter with the number of yearly instalments


_TRAINING_FACTORS = (
    Factor("plus_param", "standard_adjustment", label="市级调整"),
    Factor("plus_table", "shortage_uplift", output="uplift"),
)
_TRAINING_CHECKS = (Check("table", "training_checks"),)

FORMULAS: dict[str, Formula] = {
    f.event_type: f
    for f in (
        Formula(
            "training_certificate",
            "person",
            ("person_id", "occupation_code", "level"),
            Base("table", "training_standard"),
            derive_tier=True,
            checks=_TRAINING_CHECKS,
            factors=_TRAINING_FACTORS,
            training=True,
        ),
        Formula(
            "enterprise_training",
            "organisation",
            ("person_id", "org_id", "occupation_code", "level"),
            Base("table", "training_standard"),
            derive_tier=True,
            checks=_TRAINING_CHECKS,
            factors=(
                *_TRAINING_FACTORS,
                Factor("times_param", "enterprise_training.share", label="企业培训", required=True),
            ),
            training=True,
        ),
        Formula(
            "designated_training",
            "person",
            ("person_id", "occupation_code", "level", "fee_fen"),
            Base("input", "fee_fen", label="培训费"),
            checks=_TRAINING_CHECKS,
            factors=(Factor("times_table", "designated_share", output="share", required=True),),
            training=True,
        ),
        Formula(
            "project_training",
            "person",
            ("person_id", "occupation_code", "level", "project_price_fen"),
            Base("input", "project_price_fen", label="项目单价"),
            checks=_TRAINING_CHECKS,
            factors=(Factor("times_param", "project_training.share", label="一项一价", required=True),),
            training=True,
        ),
        Formula("shortage_grant", "person", ("person_id", "level"), Base("table", "shortage_grant")),
        Formula(
            "talent_introduction",
            "organisation",
            ("person_id", "org_id", "level"),
            Base("table", "talent_introduction"),
        ),
        Formula(
            "first_year_award",
            "person",
            ("person_id", "level", "work_start"),
            Base("param", "first_year_award.amount"),
            checks=(
                Check("high_skilled", reason="not_high_skilled"),
                Check("min_months", "first_year_award.min_months", reason="year_not_complete", required=True),
            ),
        ),
        Formula(
            "outstanding_talent",
            "person",
            ("person_id", "level"),
            Base("param", "outstanding_talent.amount_per_year"),
            checks=(Check("high_skilled", reason="not_high_skilled"),),
            schedule="outstanding_talent.years",
        ),
        Formula(
            "order_class_match",
            "person",
            ("person_id", "funding_fen"),
            Base("input", "funding_fen", label="企业资助"),
            factors=(Factor("times_param", "order_class_match.match_ratio", label="政府配套", required=True),),
        ),
        Formula(
            "partner_unit_reward",
            "organisation",
            ("org_id", "headcount"),
            Base("table", "partner_unit_reward", multiplier="headcount"),
        ),
        Formula(
            "vocational_student_appraisal",
            "person",
            ("person_id", "fee_fen"),
            Base("input", "fee_fen", label="鉴定费"),
            checks=(Check("flag", "student", reason="not_student"),),
            factors=(Factor("times_param", "vocational_student_appraisal.share", label="免费鉴定", required=True),),
        ),
        Formula(
            "gusu_housing",
            "person",
            ("person_id", "requested_fen"),
            Base("input", "requested_fen", label="申请安家补贴"),
            checks=(Check("param", "gusu_housing.cap_per_person", required=True),),
        ),
    )
}
EVENT_TYPES = tuple(FORMULAS)
TRAINING_TYPES = tuple(et for et, f in FORMULAS.items() if f.training)

# Parameter names the rules read, with the unit each must have. Per-type limits are ``<type>.<suffix>``.
PARAMETER_UNITS: dict[str, str] = {
    "standard_adjustment": "percent",
    "standard_adjustment_limit": "percent",
    "catalog_extension_limit": "percent",
    "max_subsidised_trainings": "count",
    "same_occupation_level_once": "count",
    "enterprise_training.share": "percent",
    "project_training.share": "percent",
    "vocational_student_appraisal.share": "percent",
    "order_class_match.match_ratio": "percent",
    "first_year_award.amount": "yuan",
    "first_year_award.min_months": "months",
    "outstanding_talent.amount_per_year": "yuan",
    "outstanding_talent.years": "count",
    "max_per_person": "count",
    "max_per_org_year": "count",
    "quota_per_region_year": "count",
    "cap_per_person": "yuan",
}
LIMIT_SUFFIXES = ("max_per_person", "max_per_org_year", "quota_per_region_year", "cap_per_person")

# Decision tables the rules read: the event columns their inputs may use and the outputs they must give.
_LEVEL_INPUTS = ("level",)
TABLE_SHAPES: dict[str, dict[str, tuple[str, ...] | str]] = {
    "training_standard": {"inputs": ("level", "tier"), "outputs": ("amount",)},
    "tier_by_occupation": {"inputs": ("occ_major", "occ_medium"), "outputs": ("tier",)},
    "shortage_uplift": {"inputs": ("shortage", "digital", "level"), "outputs": ("uplift",)},
    "training_checks": {"inputs": ("level", "class_hours"), "outputs": (), "hit_policy": "collect"},
    "designated_share": {"inputs": ("designated", "level", "hukou_local", "insured_months"), "outputs": ("share",)},
    "shortage_grant": {"inputs": ("shortage", "level"), "outputs": ("amount",)},
    "talent_introduction": {"inputs": ("talent_title", "level", "shortage"), "outputs": ("amount",)},
    "partner_unit_reward": {"inputs": ("headcount",), "outputs": ("amount",)},
}

# Event columns a table input can read, and how: enumerations, booleans and numbers.
ENUM_INPUTS = {"level": LEVELS, "tier": TIERS, "talent_title": TITLES, "occ_major": tuple("12345678")}
OPEN_ENUM_INPUTS = ("occ_medium",)
BOOL_INPUTS = ("shortage", "digital", "hukou_local", "designated", "student")
RANGE_INPUTS = ("class_hours", "insured_months", "headcount")

REASONS = {
    "ok": "符合条件",
    "not_in_force": "该地区该日期无在效规则",
    "no_rule_row": "规则表无对应条目",
    "level_not_covered": "该等级不在补贴范围",
    "class_hours_short": "课时不足",
    "not_local": "非本地户籍且本地社保不满6个月",
    "not_designated": "培训日期培训机构不是定点机构",
    "not_shortage": "非紧缺职业（工种）",
    "no_qualifying_title": "无符合条件的称号或等级",
    "not_high_skilled": "非高技能人才（高级工及以上）",
    "year_not_complete": "本地工作未满一年",
    "not_student": "非中职在校生",
    "below_threshold": "输送人数未达标准",
    "same_occupation_level": "同一职业同一等级已享受补贴",
    "max_trainings": "补贴性培训次数已达上限",
    "max_per_person": "每人限享一次",
    "max_per_org_year": "每单位每年限享一次",
    "quota_exceeded": "超出年度名额",
    "cap_reached": "已达个人补贴上限",
    "zero_amount": "金额为零",
}
