"""The registry's import kinds: persons, organisations, employment and employment statistics (their
columns are in ``import_columns``). ``RegistryConfig.ready()`` registers them with the imports app."""

from __future__ import annotations

import datetime

import polars as pl
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongjiang.core import lookups
from gongjiang.core.tabular import booleans
from gongjiang.imports import checks, crypto, fields
from gongjiang.imports.kinds import Kind
from gongjiang.imports.lookups import fetch_all, fetch_by_keys
from gongjiang.imports.validation import Context, Prepared, Validation, fmt
from gongjiang.reference.models import Industry
from gongjiang.registry.import_columns import (
    EMPLOYMENT_COLUMNS,
    EMPLOYMENT_STAT_COLUMNS,
    ORGANISATION_COLUMNS,
    PERSON_COLUMNS,
)
from gongjiang.registry.models import Employment, EmploymentStat, Organisation, OrganisationKind, Person
from gongjiang.registry.regions import organisations_moved, persons_moved

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
    fields.id_columns(v, "id_number", ctx)
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
    elsewhere = pl.col("old_id").is_not_null() & ~checks.in_scope("old_residence_region_code", ctx.prefix)
    lookups.probed(ctx.actor, kind="id_number", count=v.frame.filter(elsewhere).height)
    v.fail("id_number", elsewhere, _("A person with this ID number is registered outside your region."))
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
        & fields.changed(
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
            *fields.now_columns(ctx),
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
        after_updates=lambda rows: persons_moved(rows["id"]),
    )


# ------------------------------------------------------------------------------------------------
# organisations
# ------------------------------------------------------------------------------------------------

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


def prepare_organisations(v: Validation, ctx: Context) -> Prepared:
    v.generic()
    fields.uscc_column(v, "uscc", "code", required=True)
    v.text("name", max_length=200, required=True)
    v.required("kind")
    fields.map_choice(
        v,
        "kind",
        fields.choice_table(list(OrganisationKind.choices), ORG_KIND_WORDS),
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
    v.frame = v.frame.with_columns(self_eval=booleans("self_evaluation"))
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
        & fields.changed(
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
            *fields.now_columns(ctx),
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
        after_updates=lambda rows: organisations_moved(rows["id"]),
    )


# ------------------------------------------------------------------------------------------------
# the person a row names (employment here, certificates in credentials)
# ------------------------------------------------------------------------------------------------


def person_reference(v: Validation, ctx: Context, *, scoped: bool) -> None:
    """Validate the ID-number column and join the registered person: person_id, person_name,
    person_birth, person_region. An unregistered person is an error; with ``scoped``, so is one
    registered outside the importer's region."""
    fields.id_columns(v, "id_number", ctx)
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
        elsewhere = pl.col("person_id").is_not_null() & ~checks.in_scope("person_region", ctx.prefix)
        lookups.probed(ctx.actor, kind="id_number", count=v.frame.filter(elsewhere & v.ok("id_number")).height)
        v.fail(
            "id_number",
            ~checks.in_scope("person_region", ctx.prefix),
            _("The holder is registered outside your region."),
        )


# ------------------------------------------------------------------------------------------------
# employment
# ------------------------------------------------------------------------------------------------


def prepare_employment(v: Validation, ctx: Context) -> Prepared:
    v.generic()
    person_reference(v, ctx, scoped=False)
    ctx.progress(0.3)
    fields.uscc_column(v, "uscc", "code", required=True)
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
    fields.date(v, "start", "start_date", required=True, today=ctx.today)
    v.fail("start", pl.col("start_date") < pl.col("person_birth"), _("The start date is before the person was born."))
    fields.date(v, "end", "end_date", required=False, today=ctx.today, planned=True)
    v.fail("end", pl.col("end_date") < pl.col("start_date"), _("The end date is before the start date."))
    fields.occupation(v, "occupation_code", required=False)
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
    ).with_columns(changed=old & fields.changed([("end_date", "old_end"), ("occupation_id", "old_occupation_id")]))
    # An end date kept from the registry must still follow the start date.
    v.fail("end", pl.col("end_date") < pl.col("start_date"), _("The end date is before the start date."))

    def creates(rows: pl.DataFrame) -> pl.DataFrame:
        return rows.select(
            "person_id",
            "organisation_id",
            pl.col("org_region").alias("region_code"),  # the employer's, which the employment's scope reads
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
    ).with_columns(changed=old & fields.changed([("employed_int", "old_employed"), ("source_value", "old_source")]))

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


KINDS = (
    Kind(
        name="persons",
        label=gettext_lazy("Persons"),
        model=Person,
        columns=PERSON_COLUMNS,
        prepare=prepare_persons,
        position=10,
        records_url="person-list",
    ),
    Kind(
        name="organisations",
        label=gettext_lazy("Organisations"),
        model=Organisation,
        columns=ORGANISATION_COLUMNS,
        prepare=prepare_organisations,
        position=20,
        records_url="organisation-list",
    ),
    Kind(
        name="employment",
        label=gettext_lazy("Employment"),
        model=Employment,
        columns=EMPLOYMENT_COLUMNS,
        prepare=prepare_employment,
        position=30,
        related=("person", "organisation"),
    ),
    Kind(
        name="employment_stats",
        label=gettext_lazy("Employment statistics"),
        model=EmploymentStat,
        columns=EMPLOYMENT_STAT_COLUMNS,
        prepare=prepare_employment_stats,
        position=50,
    ),
)
