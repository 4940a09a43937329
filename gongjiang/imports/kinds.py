"""Validation and planning of each import kind, on whole columns.

Every kind turns the file's text columns into the table's columns, reports every problem as
(row, column, value, message), looks its natural keys up in the registry in one set-wise query, and
sorts the clean rows into new, changed and unchanged. Nothing here writes.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _

from gongjiang.core import pii
from gongjiang.credentials.models import Certificate, CertificateSource
from gongjiang.imports import checks, crypto
from gongjiang.imports.columns import KINDS, Column
from gongjiang.imports.lookups import fetch_all, fetch_by_keys
from gongjiang.reference.models import Industry, Occupation, SkillLevel
from gongjiang.registry.models import Employment, EmploymentStat, Organisation, OrganisationKind, Person

ERROR_SCHEMA = {"row": pl.Int64, "column": pl.String, "value": pl.String, "message": pl.String}
MAX_VALUE_CHARS = 200


_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def fmt(message: str, **columns: pl.Expr) -> pl.Expr:
    """A translated message with %(name)s placeholders filled from columns, row by row (in whatever
    order the translation puts them)."""
    names = _PLACEHOLDER.findall(message)
    if not names:
        return pl.lit(message, dtype=pl.String)
    template = _PLACEHOLDER.sub("{}", message.replace("{", "(").replace("}", ")"))
    return pl.format(template, *(columns[n].cast(pl.String).fill_null("") for n in names))


def mask_value(value: str, kind: str) -> str:
    if kind == "id":
        return pii.mask_id_number(value)
    if kind == "phone":
        return pii.mask_phone(value)
    return value


@dataclass
class Context:
    kind: str
    prefix: str | None  # the officer's region-code prefix; None for system imports and superusers
    today: datetime.date
    now: str  # timestamp written to created / updated
    progress: Callable[[float], None] = lambda f: None


class Validation:
    """The frame being validated, one ``ok_<field>`` flag per field, and the errors found so far."""

    def __init__(self, frame: pl.DataFrame, kind: str, headers: dict[str, str]) -> None:
        self.columns: dict[str, Column] = {c.field: c for c in KINDS[kind]}
        self.headers = {f: headers.get(f, str(c.label)) for f, c in self.columns.items()}
        for f in self.columns:
            if f not in frame.columns:
                frame = frame.with_columns(pl.lit("", dtype=pl.String).alias(f))
        self.frame = frame.with_columns(
            *(pl.col(f).fill_null("").str.strip_chars().alias(f) for f in self.columns),
            *(pl.lit(True).alias(f"ok_{f}") for f in self.columns),
        )
        self.parts: list[pl.DataFrame] = []

    def ok(self, *fields: str) -> pl.Expr:
        expr = pl.lit(True)
        for f in fields:
            expr = expr & pl.col(f"ok_{f}")
        return expr

    def fail(self, field_name: str, mask: pl.Expr, message: str | pl.Expr, *, value: pl.Expr | None = None) -> None:
        """Report ``message`` for rows where ``mask`` holds and the field has no error yet."""
        hit = mask.fill_null(False) & pl.col(f"ok_{field_name}")
        found = self.frame.filter(hit)
        if found.height:
            msg = pl.lit(message, dtype=pl.String) if isinstance(message, str) else message
            part = found.select(
                row=pl.col("_row"),
                column=pl.lit(self.headers[field_name], dtype=pl.String),
                value=(value if value is not None else pl.col(field_name)).cast(pl.String).fill_null(""),
                message=msg.cast(pl.String),
            )
            masking = self.columns[field_name].pii
            if masking:
                part = part.with_columns(
                    value=pl.Series([mask_value(v, masking) for v in part["value"].to_list()], dtype=pl.String)
                )
            self.parts.append(part.with_columns(pl.col("value").str.slice(0, MAX_VALUE_CHARS)))
            self.frame = self.frame.with_columns((pl.col(f"ok_{field_name}") & ~hit).alias(f"ok_{field_name}"))

    def add_rows(self, rows: list[tuple[int, str]]) -> None:
        if rows:
            self.parts.append(
                pl.DataFrame(
                    [(r, "", "", m) for r, m in rows],
                    schema=ERROR_SCHEMA,
                    orient="row",
                )
            )

    def required(self, field_name: str) -> None:
        self.fail(
            field_name,
            pl.col(field_name) == "",
            _("%(field)s is required.") % {"field": self.columns[field_name].label},
        )

    def generic(self) -> None:
        """Checks every column gets: formulas are data (refused, not evaluated), Excel error values."""
        for f in self.columns:
            self.fail(f, pl.col(f).str.starts_with("="), checks.formula_message())
            self.fail(
                f,
                pl.col(f).is_in(["#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!"]),
                fmt(_("The cell holds the spreadsheet error value %(v)s."), v=pl.col(f)),
            )

    def text(self, field_name: str, *, max_length: int, required: bool = False) -> None:
        label = self.columns[field_name].label
        if required:
            self.required(field_name)
        col = pl.col(field_name)
        self.fail(
            field_name,
            col.str.len_chars() > max_length,
            _("%(field)s is longer than %(n)d characters.") % {"field": label, "n": max_length},
        )
        self.fail(
            field_name,
            col.str.contains(checks.TEXT_FORMULA),
            _("%(field)s must not begin with =, +, - or @ (it would be read as a spreadsheet formula).")
            % {"field": label},
        )
        self.fail(
            field_name,
            col.str.contains(r"[\x00-\x1f\x7f]"),
            _("%(field)s contains control characters.") % {"field": label},
        )

    def duplicates(self, field_name: str, keys: list[str], what: str) -> None:
        """Every row sharing a natural key with another row of the file is an error."""
        valid = self.frame.filter(self.ok(field_name) & pl.all_horizontal([pl.col(k).is_not_null() for k in keys]))
        dup = valid.filter(pl.struct(keys).is_duplicated())
        if dup.height == 0:
            return
        groups = dup.group_by(keys).agg(pl.col("_row").sort().alias("rows"))
        messages = []
        for rows in groups["rows"].to_list():
            shown = ", ".join(str(r) for r in rows[:5]) + (" …" if len(rows) > 5 else "")
            messages.append(
                _("%(what)s appears more than once in the file (rows %(rows)s).") % {"what": what, "rows": shown}
            )
        groups = groups.with_columns(dup_message=pl.Series(messages, dtype=pl.String)).drop("rows")
        self.frame = self.frame.join(groups, on=keys, how="left", nulls_equal=False)
        self.fail(field_name, pl.col("dup_message").is_not_null(), pl.col("dup_message"))
        self.frame = self.frame.drop("dup_message")

    def region(
        self, field_name: str, *, as_of: datetime.date, prefix: str | None, scoped: bool, required: bool
    ) -> None:
        """A six-digit code in use at ``as_of`` and, if ``scoped``, inside the importer's region."""
        col = pl.col(field_name)
        if required:
            self.required(field_name)
        bad = (col != "") & ~checks.region_valid_now(field_name, as_of)
        codes = self.frame.filter(bad & self.ok(field_name))[field_name].unique().to_list()
        if codes:
            table = pl.DataFrame(
                {"code": codes, "region_msg": [checks.region_message(c, as_of) for c in codes]},
                schema={"code": pl.String, "region_msg": pl.String},
            )
            self.frame = self.frame.join(table, left_on=field_name, right_on="code", how="left")
            self.fail(field_name, pl.col("region_msg").is_not_null(), pl.col("region_msg"))
            self.frame = self.frame.drop("region_msg")
        if scoped and prefix is not None:
            self.fail(
                field_name,
                (col != "") & ~checks.in_scope(field_name, prefix),
                fmt(
                    _("Region %(code)s is outside your region; you may import only rows of your own region."),
                    code=col,
                ),
            )

    def errors(self) -> pl.DataFrame:
        if not self.parts:
            return pl.DataFrame(schema=ERROR_SCHEMA)
        return pl.concat(self.parts).sort(["row", "column"])

    def all_ok(self) -> pl.Expr:
        return self.ok(*self.columns)


@dataclass
class Prepared:
    """Validated rows: ``existing_id`` is null for a new record; ``changed`` marks updates."""

    model: type[models.Model]
    frame: pl.DataFrame
    update_fields: list[str]  # attnames an update sets
    build_creates: Callable[[pl.DataFrame], pl.DataFrame]  # row by row: called on each chunk of new rows
    build_updates: Callable[[pl.DataFrame], pl.DataFrame]
    region_col: str  # the column with the region code of each record (for change records)
    # New rows are written in this column's order: a unique index on it then grows by appending.
    create_order: str | None = None
    notes: dict[str, Any] = field(default_factory=dict)


def _id_columns(v: Validation, field_name: str, ctx: Context) -> None:
    """Validate the ID-number column and add id18, birth_date, sex, birth_region_code, id_index."""
    v.required(field_name)
    # Once per distinct value: a certificate file names most holders more than once.
    distinct = v.frame[field_name].unique()
    result = checks.id_numbers(distinct, today=ctx.today).select(
        pl.Series(field_name, distinct.to_list(), dtype=pl.String),
        pl.col("number").alias("id18"),
        pl.col("ok").alias("id_ok"),
        "birth_date",
        "sex",
        "birth_region_code",
        pl.col("message").alias("id_message"),
    )
    valid = result.filter(pl.col("id_ok"))
    index = valid.select(field_name).with_columns(id_index=crypto.blind_indexes(valid["id18"]))
    v.frame = v.frame.join(result.join(index, on=field_name, how="left"), on=field_name, how="left")
    v.fail(field_name, ~pl.col("id_ok") & (pl.col(field_name) != ""), pl.col("id_message"))
    v.frame = v.frame.drop("id_ok", "id_message")


def _changed(pairs: list[tuple[str, str]]) -> pl.Expr:
    """Any (new, old) pair of columns differs (nulls compared as values)."""
    expr = pl.lit(False)
    for new, old in pairs:
        expr = expr | pl.col(new).ne_missing(pl.col(old))
    return expr


def _now_columns(ctx: Context) -> list[pl.Expr]:
    return [pl.lit(ctx.now).alias("created"), pl.lit(ctx.now).alias("updated")]


# ------------------------------------------------------------------------------------------------
# persons
# ------------------------------------------------------------------------------------------------


def _phone(v: Validation) -> None:
    v.frame = v.frame.with_columns(phone_norm=pl.col("phone").str.replace_all(r"[\s\-]", ""))
    v.fail("phone", pl.col("phone").str.contains(checks.SCIENTIFIC), checks.precision_lost(_("The phone number")))
    v.fail(
        "phone",
        (pl.col("phone_norm") != "") & ~pl.col("phone_norm").str.contains(r"^[0-9]{7,12}$"),
        _("Phone number must be 7 to 12 digits."),
    )


def prepare_persons(v: Validation, ctx: Context) -> Prepared:
    v.generic()
    v.text("name", max_length=50, required=True)
    _id_columns(v, "id_number", ctx)
    ctx.progress(0.3)
    v.region("residence_region_code", as_of=ctx.today, prefix=ctx.prefix, scoped=True, required=True)
    v.region("household_region_code", as_of=ctx.today, prefix=ctx.prefix, scoped=False, required=False)
    _phone(v)
    v.duplicates("id_number", ["id18"], _("The ID number"))
    ctx.progress(0.5)
    phones = v.frame.filter(pl.col("phone_norm") != "")["phone_norm"].unique()
    phone_index = pl.DataFrame({"phone_norm": phones, "phone_index": crypto.blind_indexes(phones)})
    v.frame = v.frame.join(phone_index, on="phone_norm", how="left")
    existing = fetch_by_keys(
        Person,
        "id_index",
        v.frame.filter(v.ok("id_number"))["id_index"],
        {
            "id": pl.Int64,
            "name": pl.String,
            "residence_region_code": pl.String,
            "household_region_code": pl.String,
            "phone_enc": pl.String,
            "phone_index": pl.String,
        },
    ).rename(lambda c: c if c == "id_index" else f"old_{c}")
    ctx.progress(0.7)
    f = v.frame.join(existing, on="id_index", how="left")
    v.frame = f
    v.fail(
        "id_number",
        pl.col("old_id").is_not_null() & ~checks.in_scope("old_residence_region_code", ctx.prefix),
        _("A person with this ID number is registered outside your region."),
    )
    v.frame = v.frame.with_columns(
        existing_id=pl.col("old_id"),
        household_region_code=pl.when(pl.col("household_region_code") != "")
        .then(pl.col("household_region_code"))
        .when(pl.col("old_id").is_not_null())
        .then(pl.col("old_household_region_code"))
        .otherwise(pl.col("residence_region_code")),
        phone_index=pl.when(pl.col("phone_norm") != "")
        .then(pl.col("phone_index"))
        .otherwise(pl.coalesce("old_phone_index", pl.lit(""))),
    ).with_columns(
        changed=pl.col("old_id").is_not_null()
        & _changed(
            [
                ("name", "old_name"),
                ("residence_region_code", "old_residence_region_code"),
                ("household_region_code", "old_household_region_code"),
                ("phone_index", "old_phone_index"),
            ]
        )
    )

    def creates(rows: pl.DataFrame) -> pl.DataFrame:
        # The blind indexes were computed for validation; only the encryption is left.
        return rows.select(
            "name",
            crypto.encrypt(rows["id18"]).alias("id_number_enc"),
            "id_index",
            crypto.encrypt(rows["phone_norm"]).alias("phone_enc"),
            "phone_index",
            "birth_date",
            "sex",
            "birth_region_code",
            "household_region_code",
            "residence_region_code",
            *_now_columns(ctx),
        )

    def updates(rows: pl.DataFrame) -> pl.DataFrame:
        new_phone = (pl.col("phone_norm") != "") & (pl.col("phone_index") != pl.col("old_phone_index").fill_null(""))
        rows = rows.with_columns(
            phone_enc=pl.when(new_phone).then(crypto.encrypt(rows["phone_norm"])).otherwise(pl.col("old_phone_enc"))
        )
        return rows.select(
            pl.col("existing_id").alias("id"),
            "name",
            "residence_region_code",
            "household_region_code",
            "phone_enc",
            "phone_index",
            pl.lit(ctx.now).alias("updated"),
        )

    return Prepared(
        model=Person,
        frame=v.frame,
        update_fields=["name", "residence_region_code", "household_region_code", "phone_enc", "phone_index"],
        build_creates=creates,
        build_updates=updates,
        region_col="residence_region_code",
        create_order="id_index",
    )


# ------------------------------------------------------------------------------------------------
# organisations
# ------------------------------------------------------------------------------------------------


def _choice_table(choices: list[tuple[str, Any]], extra: dict[str, str]) -> dict[str, str]:
    """Codes, English and Chinese labels (and extra words) of a choice set → code."""
    table = {k.lower(): k for k in extra} | {w.lower(): c for w, c in extra.items()}
    for code, label in choices:
        table[code.lower()] = code
        with translation.override("en"):
            table[str(label).lower()] = code
        with translation.override("zh-hans"):
            table[str(label).lower()] = code
    return table


ORG_KIND_WORDS = {
    "企业": "enterprise",
    "用人单位": "enterprise",
    "公司": "enterprise",
    "培训机构": "training",
    "职业培训机构": "training",
    "培训学校": "training",
    "评价机构": "evaluation",
    "职业技能等级认定机构": "evaluation",
    "认定机构": "evaluation",
    "职业学校": "vocational_school",
    "中等职业学校": "vocational_school",
    "中职": "vocational_school",
    "技工院校": "technician_college",
    "技师学院": "technician_college",
    "技工学校": "technician_college",
}


def _map_choice(v: Validation, field_name: str, table: dict[str, str], target: str, message: str) -> None:
    mapping = pl.DataFrame(
        {"_word": list(table), target: list(table.values())}, schema={"_word": pl.String, target: pl.String}
    )
    v.frame = (
        v.frame.with_columns(_word=pl.col(field_name).str.to_lowercase().str.replace_all(r"\s", ""))
        .join(mapping, on="_word", how="left")
        .drop("_word")
    )
    v.fail(field_name, (pl.col(field_name) != "") & pl.col(target).is_null(), message)


def _uscc_column(v: Validation, field_name: str, target: str, *, required: bool) -> None:
    if required:
        v.required(field_name)
    table = checks.usccs(v.frame.filter(pl.col(field_name) != "")[field_name])
    v.frame = v.frame.join(
        table.rename({"raw": field_name, "value": target, "message": f"{target}_msg"}), on=field_name, how="left"
    )
    v.fail(field_name, (pl.col(field_name) != "") & pl.col(f"{target}_msg").is_not_null(), pl.col(f"{target}_msg"))
    v.frame = v.frame.drop(f"{target}_msg")


def prepare_organisations(v: Validation, ctx: Context) -> Prepared:
    v.generic()
    _uscc_column(v, "uscc", "code", required=True)
    v.text("name", max_length=200, required=True)
    v.required("kind")
    _map_choice(
        v,
        "kind",
        _choice_table(list(OrganisationKind.choices), ORG_KIND_WORDS),
        "kind_code",
        _("Unknown organisation kind; use one of: %(kinds)s.")
        % {"kinds": ", ".join(str(label) for _c, label in OrganisationKind.choices)},
    )
    v.region("region_code", as_of=ctx.today, prefix=ctx.prefix, scoped=True, required=True)
    industries = fetch_all(Industry, ["code", "id"])
    v.frame = v.frame.join(
        industries.rename({"code": "industry_code", "id": "industry_id"}), on="industry_code", how="left"
    )
    v.fail(
        "industry_code",
        (pl.col("industry_code") != "") & pl.col("industry_id").is_null(),
        _("Unknown industry code (GB/T 4754-2017)."),
    )
    v.frame = v.frame.with_columns(self_eval=checks.booleans("self_evaluation"))
    v.fail(
        "self_evaluation",
        (pl.col("self_evaluation") != "") & pl.col("self_eval").is_null(),
        _("Write 是 or 否 (yes or no)."),
    )
    v.duplicates("uscc", ["code"], _("The credit code"))
    ctx.progress(0.5)
    existing = fetch_by_keys(
        Organisation,
        "uscc",
        v.frame.filter(v.ok("uscc"))["code"],
        {
            "id": pl.Int64,
            "name": pl.String,
            "kind": pl.String,
            "region_code": pl.String,
            "industry_id": pl.Int64,
            "self_evaluation": pl.Boolean,
        },
    ).rename(lambda c: "code" if c == "uscc" else f"old_{c}")
    v.frame = v.frame.join(existing, on="code", how="left")
    v.fail(
        "uscc",
        pl.col("old_id").is_not_null() & ~checks.in_scope("old_region_code", ctx.prefix),
        _("An organisation with this credit code is registered outside your region."),
    )
    old = pl.col("old_id").is_not_null()
    v.frame = v.frame.with_columns(
        existing_id=pl.col("old_id"),
        industry_id=pl.when(pl.col("industry_code") != "")
        .then(pl.col("industry_id"))
        .otherwise(pl.when(old).then(pl.col("old_industry_id"))),
        self_eval=pl.coalesce("self_eval", pl.when(old).then(pl.col("old_self_evaluation")), pl.lit(False)),
    ).with_columns(
        changed=old
        & _changed(
            [
                ("name", "old_name"),
                ("kind_code", "old_kind"),
                ("region_code", "old_region_code"),
                ("industry_id", "old_industry_id"),
                ("self_eval", "old_self_evaluation"),
            ]
        )
    )

    def creates(rows: pl.DataFrame) -> pl.DataFrame:
        return rows.select(
            pl.col("code").alias("uscc"),
            "name",
            pl.col("kind_code").alias("kind"),
            "region_code",
            "industry_id",
            pl.col("self_eval").alias("self_evaluation"),
            *_now_columns(ctx),
        )

    def updates(rows: pl.DataFrame) -> pl.DataFrame:
        return rows.select(
            pl.col("existing_id").alias("id"),
            "name",
            pl.col("kind_code").alias("kind"),
            "region_code",
            "industry_id",
            pl.col("self_eval").alias("self_evaluation"),
            pl.lit(ctx.now).alias("updated"),
        )

    return Prepared(
        model=Organisation,
        frame=v.frame,
        update_fields=["name", "kind", "region_code", "industry_id", "self_evaluation"],
        build_creates=creates,
        build_updates=updates,
        region_col="region_code",
    )


# ------------------------------------------------------------------------------------------------
# references shared by employment and certificates
# ------------------------------------------------------------------------------------------------


def _person_reference(v: Validation, ctx: Context, *, scoped: bool) -> None:
    _id_columns(v, "id_number", ctx)
    people = fetch_by_keys(
        Person,
        "id_index",
        v.frame.filter(v.ok("id_number"))["id_index"],
        {"id": pl.Int64, "name": pl.String, "birth_date": pl.Date, "residence_region_code": pl.String},
    ).rename(
        {
            "id": "person_id",
            "name": "person_name",
            "birth_date": "person_birth",
            "residence_region_code": "person_region",
        }
    )
    v.frame = v.frame.join(people, on="id_index", how="left")
    v.fail(
        "id_number",
        pl.col("person_id").is_null(),
        _("No person with this ID number is registered; import the person first."),
    )
    if scoped:
        v.fail(
            "id_number",
            ~checks.in_scope("person_region", ctx.prefix),
            _("The holder is registered outside your region."),
        )


def _occupation(v: Validation, field_name: str, *, required: bool) -> None:
    if required:
        v.required(field_name)
    occupations = fetch_all(Occupation, ["code", "id"], kind="occupation")
    v.frame = v.frame.join(occupations.rename({"code": field_name, "id": "occupation_id"}), on=field_name, how="left")
    v.fail(
        field_name,
        (pl.col(field_name) != "") & pl.col("occupation_id").is_null(),
        _("Unknown occupation code; use the 2022 classification, e.g. 6-31-01-03."),
    )


def _date(v: Validation, field_name: str, target: str, *, required: bool, today: datetime.date) -> None:
    if required:
        v.required(field_name)
    # Parsed once per distinct text: a file of a million rows holds a few thousand different dates.
    distinct = v.frame.select(pl.col(field_name).unique())
    parsed = distinct.with_columns(checks.dates(field_name).alias(target))
    v.frame = v.frame.with_columns(
        pl.col(field_name)
        .replace_strict(parsed[field_name], parsed[target], default=None, return_dtype=pl.Date)
        .alias(target)
    )
    bad = v.frame.filter((pl.col(field_name) != "") & pl.col(target).is_null() & v.ok(field_name))
    if bad.height:
        raws = bad[field_name].unique().to_list()
        table = pl.DataFrame(
            {field_name: raws, "date_msg": [checks.date_message(r) for r in raws]},
            schema={field_name: pl.String, "date_msg": pl.String},
        )
        v.frame = v.frame.join(table, on=field_name, how="left")
        v.fail(field_name, pl.col("date_msg").is_not_null(), pl.col("date_msg"))
        v.frame = v.frame.drop("date_msg")
    v.fail(field_name, pl.col(target) > today, _("The date is in the future."))


# ------------------------------------------------------------------------------------------------
# employment
# ------------------------------------------------------------------------------------------------


def prepare_employment(v: Validation, ctx: Context) -> Prepared:
    v.generic()
    _person_reference(v, ctx, scoped=False)
    ctx.progress(0.3)
    _uscc_column(v, "uscc", "code", required=True)
    orgs = fetch_by_keys(
        Organisation, "uscc", v.frame.filter(v.ok("uscc"))["code"], {"id": pl.Int64, "region_code": pl.String}
    ).rename({"uscc": "code", "id": "organisation_id", "region_code": "org_region"})
    v.frame = v.frame.join(orgs, on="code", how="left")
    v.fail(
        "uscc",
        pl.col("organisation_id").is_null(),
        _("No organisation with this credit code is registered; import the organisation first."),
    )
    v.fail(
        "uscc",
        ~checks.in_scope("org_region", ctx.prefix),
        _("The employer is outside your region; you may import only employment at employers of your region."),
    )
    _date(v, "start", "start_date", required=True, today=ctx.today)
    v.fail("start", pl.col("start_date") < pl.col("person_birth"), _("The start date is before the person was born."))
    _date(v, "end", "end_date", required=False, today=datetime.date.max)
    v.fail("end", pl.col("end_date") < pl.col("start_date"), _("The end date is before the start date."))
    _occupation(v, "occupation_code", required=False)
    v.duplicates("id_number", ["person_id", "organisation_id", "start_date"], _("The same employment"))
    ctx.progress(0.5)
    jobs = fetch_by_keys(
        Employment,
        "person_id",
        v.frame.filter(pl.col("person_id").is_not_null())["person_id"].cast(pl.String),
        {"id": pl.Int64, "organisation_id": pl.Int64, "start": pl.Date, "end": pl.Date, "occupation_id": pl.Int64},
    ).select(
        pl.col("person_id").cast(pl.Int64),
        pl.col("organisation_id"),
        pl.col("start").alias("start_date"),
        pl.col("id").alias("old_id"),
        pl.col("end").alias("old_end"),
        pl.col("occupation_id").alias("old_occupation_id"),
    )
    v.frame = v.frame.join(jobs, on=["person_id", "organisation_id", "start_date"], how="left")
    old = pl.col("old_id").is_not_null()
    v.frame = v.frame.with_columns(
        existing_id=pl.col("old_id"),
        end_date=pl.when(pl.col("end") != "").then(pl.col("end_date")).otherwise(pl.when(old).then(pl.col("old_end"))),
        occupation_id=pl.when(pl.col("occupation_code") != "")
        .then(pl.col("occupation_id"))
        .otherwise(pl.when(old).then(pl.col("old_occupation_id"))),
    ).with_columns(changed=old & _changed([("end_date", "old_end"), ("occupation_id", "old_occupation_id")]))
    # An end date kept from the registry must still follow the start date.
    v.fail("end", pl.col("end_date") < pl.col("start_date"), _("The end date is before the start date."))

    def creates(rows: pl.DataFrame) -> pl.DataFrame:
        return rows.select(
            "person_id",
            "organisation_id",
            pl.col("start_date").alias("start"),
            pl.col("end_date").alias("end"),
            "occupation_id",
        )

    def updates(rows: pl.DataFrame) -> pl.DataFrame:
        return rows.select(pl.col("existing_id").alias("id"), pl.col("end_date").alias("end"), "occupation_id")

    return Prepared(
        model=Employment,
        frame=v.frame,
        update_fields=["end", "occupation_id"],
        build_creates=creates,
        build_updates=updates,
        region_col="org_region",
    )


# ------------------------------------------------------------------------------------------------
# certificates
# ------------------------------------------------------------------------------------------------

SOURCE_WORDS = {
    "第三方评价": "third_party",
    "社会评价": "third_party",
    "自主评价": "self_evaluation",
    "企业自主评价": "self_evaluation",
    "竞赛": "competition",
    "竞赛直接认定": "competition",
    "比照认定": "foreign",
    "一试双证": "school_dual",
    "职业资格证书": "legacy",
    "直接认定": "direct",
}
_CN_LEVEL = {1: "一级", 2: "二级", 3: "三级", 4: "四级", 5: "五级"}


def _level_table() -> tuple[dict[str, str], pl.DataFrame]:
    rows = list(SkillLevel.objects.values_list("code", "id", "name", "name_en", "national_level"))
    table: dict[str, str] = {}
    for code, _pk, name, name_en, national in rows:
        for word in (code, name, name_en):
            table[str(word).lower()] = code
        if national:
            table[str(national)] = code
            table[_CN_LEVEL[national]] = code
            table[f"{_CN_LEVEL[national]}/{name}".lower()] = code
            table[f"{name}/{_CN_LEVEL[national]}".lower()] = code
            table[f"{_CN_LEVEL[national]}（{name}）".lower()] = code
    info = pl.DataFrame(
        [(c, pk, n, lvl) for c, pk, n, _e, lvl in rows],
        schema={"level_code": pl.String, "level_id": pl.Int64, "level_name": pl.String, "level_national": pl.Int64},
        orient="row",
    )
    return table, info


def _source_inferred() -> pl.Expr:
    return (
        pl.when(pl.col("num_kind") == "legacy")
        .then(pl.lit("legacy"))
        .when(pl.col("num_kind") == "top")
        .then(pl.lit("direct"))
        .when(pl.col("num_evaluator") == "Y")
        .then(pl.lit("self_evaluation"))
        .otherwise(pl.lit("third_party"))
    )


def prepare_certificates(v: Validation, ctx: Context) -> Prepared:
    v.generic()
    v.required("number")
    numbers = checks.certificate_numbers(v.frame["number"], today=ctx.today)
    v.frame = v.frame.with_columns(
        cert_number=numbers["number"],
        num_ok=numbers["ok"],
        num_kind=numbers["kind"],
        num_evaluator=numbers["evaluator"],
        num_year=numbers["year"],
        num_level=numbers["national_level"],
        num_message=numbers["message"],
    )
    v.fail("number", ~pl.col("num_ok") & (pl.col("number") != ""), pl.col("num_message"))
    ctx.progress(0.2)
    _person_reference(v, ctx, scoped=True)
    ctx.progress(0.4)
    v.text("name", max_length=50)
    v.fail(
        "name",
        (pl.col("name") != "") & pl.col("person_name").is_not_null() & (pl.col("name") != pl.col("person_name")),
        _("The name does not match the person registered with this ID number."),
    )
    _occupation(v, "occupation_code", required=True)
    v.required("level")
    words, levels = _level_table()
    _map_choice(v, "level", words, "level_code", _("Unknown skill level; write e.g. 高级工, 三级 or level3."))
    v.frame = v.frame.join(levels, on="level_code", how="left")
    _date(v, "issue_date", "issue", required=True, today=ctx.today)
    v.fail(
        "issue_date",
        pl.col("issue") < pl.col("person_birth"),
        _("The issue date is before the holder was born."),
    )
    _map_choice(
        v,
        "source",
        _choice_table(list(CertificateSource.choices), SOURCE_WORDS),
        "source_given",
        _("Unknown certificate source; use one of: %(s)s.")
        % {"s": ", ".join(str(label) for _c, label in CertificateSource.choices)},
    )
    v.frame = v.frame.with_columns(source_code=pl.coalesce("source_given", _source_inferred()))
    _uscc_column(v, "issuer_uscc", "issuer_code", required=False)
    issuers = fetch_by_keys(
        Organisation, "uscc", v.frame.filter(v.ok("issuer_uscc"))["issuer_code"], {"id": pl.Int64}
    ).rename({"uscc": "issuer_code", "id": "issuer_id"})
    v.frame = v.frame.join(issuers, on="issuer_code", how="left")
    v.fail(
        "issuer_uscc",
        (pl.col("issuer_uscc") != "") & pl.col("issuer_id").is_null(),
        _("No organisation with this credit code is registered; import the issuer first."),
    )
    # What the number encodes must agree with the certificate (credentials.numbers.check_number_against).
    skill = (pl.col("num_kind") == "skill") & v.ok("number")
    level_msg = fmt(
        _("The number encodes level %(n)s but the certificate is %(l)s."),
        n=pl.col("num_level"),
        l=pl.col("level_name"),
    )
    v.fail("level", skill & (pl.col("num_level") != pl.col("level_national")).fill_null(True), level_msg)
    year_msg = fmt(
        _("The number encodes issue year %(y)s but the issue date is %(d)s."),
        y=pl.col("num_year"),
        d=pl.col("issue").dt.strftime("%Y-%m-%d"),
    )
    v.fail("issue_date", skill & (pl.col("num_year") != pl.col("issue").dt.year()), year_msg)
    v.fail(
        "source",
        skill & (pl.col("num_evaluator") == "Y") & ~pl.col("source_code").is_in(["self_evaluation", "direct"]),
        _("Numbers beginning with Y are issued by employer (self-)evaluation."),
    )
    v.fail(
        "source",
        (pl.col("num_kind") == "legacy") & (pl.col("source_code") != "legacy"),
        _("A 16-digit number is a legacy qualification certificate."),
    )
    v.fail(
        "level",
        (pl.col("num_kind") == "top") & (pl.col("level_code") != "special"),
        _("Two letters and 20 digits is the 特级技师 number format."),
    )
    v.duplicates("number", ["cert_number"], _("The certificate number"))
    ctx.progress(0.6)
    existing = fetch_by_keys(
        Certificate,
        "number",
        v.frame.filter(v.ok("number"))["cert_number"],
        {
            "id": pl.Int64,
            "person_id": pl.Int64,
            "occupation_id": pl.Int64,
            "level_id": pl.Int64,
            "issuer_id": pl.Int64,
            "issue_date": pl.Date,
            "source": pl.String,
        },
    ).rename(lambda c: "cert_number" if c == "number" else f"old_{c}")
    v.frame = v.frame.join(existing, on="cert_number", how="left")
    old = pl.col("old_id").is_not_null()
    v.fail(
        "number",
        old & pl.col("person_id").is_not_null() & (pl.col("old_person_id") != pl.col("person_id")),
        _("This certificate number is registered to another holder."),
    )
    v.frame = v.frame.with_columns(
        existing_id=pl.col("old_id"),
        issuer_id=pl.when(pl.col("issuer_uscc") != "")
        .then(pl.col("issuer_id"))
        .otherwise(pl.when(old).then(pl.col("old_issuer_id"))),
    ).with_columns(
        changed=old
        & _changed(
            [
                ("occupation_id", "old_occupation_id"),
                ("level_id", "old_level_id"),
                ("issuer_id", "old_issuer_id"),
                ("issue", "old_issue_date"),
                ("source_code", "old_source"),
            ]
        )
    )

    def creates(rows: pl.DataFrame) -> pl.DataFrame:
        return rows.select(
            pl.col("cert_number").alias("number"),
            "person_id",
            "occupation_id",
            "level_id",
            "issuer_id",
            pl.col("issue").alias("issue_date"),
            pl.lit("valid").alias("status"),
            pl.lit(None, dtype=pl.Date).alias("revoked_on"),
            pl.lit("").alias("revoke_reason"),
            pl.col("source_code").alias("source"),
            *_now_columns(ctx),
        )

    def updates(rows: pl.DataFrame) -> pl.DataFrame:
        return rows.select(
            pl.col("existing_id").alias("id"),
            "occupation_id",
            "level_id",
            "issuer_id",
            pl.col("issue").alias("issue_date"),
            pl.col("source_code").alias("source"),
            pl.lit(ctx.now).alias("updated"),
        )

    return Prepared(
        model=Certificate,
        frame=v.frame,
        update_fields=["occupation_id", "level_id", "issuer_id", "issue_date", "source"],
        build_creates=creates,
        build_updates=updates,
        region_col="person_region",
        create_order="cert_number",
    )


# ------------------------------------------------------------------------------------------------
# employment statistics
# ------------------------------------------------------------------------------------------------


def prepare_employment_stats(v: Validation, ctx: Context) -> Prepared:
    v.generic()
    v.required("region_code")
    v.required("year")
    v.required("employed")
    this_year = ctx.today.year
    v.frame = v.frame.with_columns(year_int=checks.integers("year"), employed_int=checks.integers("employed"))
    v.fail(
        "year",
        ~pl.col("year_int").is_between(1949, this_year).fill_null(False),
        _("Year must be between 1949 and %(y)d.") % {"y": this_year},
    )
    v.fail(
        "employed",
        pl.col("employed_int").is_null(),
        _("Employed persons must be a whole number, 0 or more."),
    )
    v.fail("region_code", ~pl.col("region_code").str.contains(r"^[0-9]{6}$"), _("Region code must be six digits."))
    # The code must be in use on 31 December of the row's year: checked once per distinct (code, year).
    pairs = v.frame.filter(v.ok("region_code", "year")).select("region_code", "year_int").unique()
    messages = [
        checks.region_message(code, datetime.date(int(year), 12, 31)) or None for code, year in pairs.iter_rows()
    ]
    if pairs.height:
        pairs = pairs.with_columns(region_msg=pl.Series(messages, dtype=pl.String))
        v.frame = v.frame.join(pairs, on=["region_code", "year_int"], how="left")
        v.fail("region_code", pl.col("region_msg").is_not_null(), pl.col("region_msg"))
        v.frame = v.frame.drop("region_msg")
    if ctx.prefix is not None:
        v.fail(
            "region_code",
            ~checks.in_scope("region_code", ctx.prefix),
            fmt(
                _("Region %(code)s is outside your region; you may import only rows of your own region."),
                code=pl.col("region_code"),
            ),
        )
    v.text("source", max_length=100)
    v.duplicates("region_code", ["region_code", "year_int"], _("The same region and year"))
    existing = fetch_by_keys(
        EmploymentStat,
        "region_code",
        v.frame.filter(v.ok("region_code"))["region_code"],
        {"id": pl.Int64, "year": pl.Int64, "employed": pl.Int64, "source": pl.String},
    ).rename({"id": "old_id", "year": "year_int", "employed": "old_employed", "source": "old_source"})
    v.frame = v.frame.join(existing, on=["region_code", "year_int"], how="left")
    old = pl.col("old_id").is_not_null()
    v.frame = v.frame.with_columns(
        existing_id=pl.col("old_id"),
        source_value=pl.when(pl.col("source") != "")
        .then(pl.col("source"))
        .otherwise(pl.when(old).then(pl.col("old_source")).otherwise(pl.lit(""))),
    ).with_columns(changed=old & _changed([("employed_int", "old_employed"), ("source_value", "old_source")]))

    def creates(rows: pl.DataFrame) -> pl.DataFrame:
        return rows.select(
            "region_code",
            pl.col("year_int").alias("year"),
            pl.col("employed_int").alias("employed"),
            pl.col("source_value").alias("source"),
        )

    def updates(rows: pl.DataFrame) -> pl.DataFrame:
        return rows.select(
            pl.col("existing_id").alias("id"),
            pl.col("employed_int").alias("employed"),
            pl.col("source_value").alias("source"),
        )

    return Prepared(
        model=EmploymentStat,
        frame=v.frame,
        update_fields=["employed", "source"],
        build_creates=creates,
        build_updates=updates,
        region_col="region_code",
    )


PREPARE: dict[str, Callable[[Validation, Context], Prepared]] = {
    "persons": prepare_persons,
    "organisations": prepare_organisations,
    "employment": prepare_employment,
    "certificates": prepare_certificates,
    "employment_stats": prepare_employment_stats,
}

MODELS: dict[str, type[models.Model]] = {
    "persons": Person,
    "organisations": Organisation,
    "employment": Employment,
    "certificates": Certificate,
    "employment_stats": EmploymentStat,
}
