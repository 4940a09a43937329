"""The certificates import kind, with the Chinese and English headers of its columns. Registered with
the imports app by ``CredentialsConfig.ready()``."""

from __future__ import annotations

import polars as pl
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongjiang.core.tabular import Column
from gongjiang.credentials.models import Certificate, CertificateSource
from gongjiang.imports import checks, fields
from gongjiang.imports.kinds import Kind
from gongjiang.imports.lookups import fetch_by_keys
from gongjiang.imports.validation import Context, Prepared, Validation, fmt
from gongjiang.reference.models import SkillLevel
from gongjiang.registry.import_columns import ID_ALIASES
from gongjiang.registry.import_kinds import person_reference
from gongjiang.registry.models import Organisation

CERTIFICATE_COLUMNS = (
    Column(
        "number",
        "证书编号",
        gettext_lazy("Certificate number"),
        ("证书号码", "证书号", "number", "certificatenumber", "certificateno"),
        required=True,
    ),
    Column("id_number", "身份证号码", gettext_lazy("Holder's ID number"), ID_ALIASES, required=True, pii="id"),
    Column("name", "姓名", gettext_lazy("Holder's name"), ("持证人姓名", "name", "holdername")),
    Column(
        "occupation_code",
        "职业编码",
        gettext_lazy("Occupation code"),
        ("职业代码", "职业（工种）编码", "occupationcode", "occupation"),
        required=True,
    ),
    Column("level", "等级", gettext_lazy("Level"), ("技能等级", "级别", "职业技能等级", "level"), required=True),
    Column(
        "issue_date",
        "发证日期",
        gettext_lazy("Issue date"),
        ("颁证日期", "发证时间", "issuedate", "issued"),
        required=True,
    ),
    Column("source", "证书来源", gettext_lazy("Source"), ("评价方式", "来源", "source")),
    Column(
        "issuer_uscc",
        "发证机构统一社会信用代码",
        gettext_lazy("Issuer's credit code"),
        ("评价机构统一社会信用代码", "发证单位统一社会信用代码", "issueruscc", "issuer"),
    ),
)

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
    person_reference(v, ctx, scoped=True)
    ctx.progress(0.4)
    v.text("name", max_length=50)
    v.fail(
        "name",
        (pl.col("name") != "") & pl.col("person_name").is_not_null() & (pl.col("name") != pl.col("person_name")),
        _("The name does not match the person registered with this ID number."),
    )
    fields.occupation(v, "occupation_code", required=True)
    v.required("level")
    words, levels = _level_table()
    fields.map_choice(v, "level", words, "level_code", _("Unknown skill level; write e.g. 高级工, 三级 or level3."))
    v.frame = v.frame.join(levels, on="level_code", how="left")
    fields.date(v, "issue_date", "issue", required=True, today=ctx.today)
    v.fail(
        "issue_date",
        pl.col("issue") < pl.col("person_birth"),
        _("The issue date is before the holder was born."),
    )
    fields.map_choice(
        v,
        "source",
        fields.choice_table(list(CertificateSource.choices), SOURCE_WORDS),
        "source_given",
        _("Unknown certificate source; use one of: %(s)s.")
        % {"s": ", ".join(str(label) for _c, label in CertificateSource.choices)},
    )
    v.frame = v.frame.with_columns(source_code=pl.coalesce("source_given", _source_inferred()))
    fields.uscc_column(v, "issuer_uscc", "issuer_code", required=False)
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
        & fields.changed(
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
            pl.col("person_region").alias("region_code"),  # the holder's, which the certificate's scope reads
            "occupation_id",
            "level_id",
            "issuer_id",
            pl.col("issue").alias("issue_date"),
            pl.lit("valid").alias("status"),
            pl.lit(None, dtype=pl.Date).alias("revoked_on"),
            pl.lit("").alias("revoke_reason"),
            pl.lit("").alias("revoke_document"),
            pl.col("source_code").alias("source"),
            *fields.now_columns(ctx),
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


KINDS = (
    Kind(
        name="certificates",
        label=gettext_lazy("Certificates"),
        model=Certificate,
        columns=CERTIFICATE_COLUMNS,
        prepare=prepare_certificates,
        position=40,
        records_url="certificate-list",
    ),
)
