"""Helpers of bench/import.py, run inside a configured Django process: the input files, the raw load
(baseline a) and django-import-export (baseline b)."""

from __future__ import annotations

import csv
import datetime
from pathlib import Path

import numpy as np
import polars as pl
from django.db import transaction
from django.utils import timezone

from gongjiang.core import pii
from gongjiang.core.bulk import copy_frame
from gongjiang.core.validators import parse_id_number
from gongjiang.credentials.models import Certificate
from gongjiang.imports import crypto
from gongjiang.imports.lookups import fetch_by_keys
from gongjiang.reference.models import Occupation, SkillLevel
from gongjiang.registry.models import Person
from gongjiang.synth import frames as synth_frames
from gongjiang.synth import ids

PERSON_COLUMNS = ["姓名", "身份证号码", "居住地区划代码", "手机号码"]
CERT_COLUMNS = ["证书编号", "身份证号码", "姓名", "职业编码", "等级", "发证日期"]
LEVEL_NAMES = {5: "初级工", 4: "中级工", 3: "高级工", 2: "技师", 1: "高级技师"}


def _days(d: datetime.date) -> int:
    return (d - datetime.date(1970, 1, 1)).days


def generate(*, directory: str, persons: int, certificates: int, sample: int) -> dict:
    """Valid persons and certificates files (CSV, UTF-8 with BOM, Chinese headers) and their samples."""
    rng = np.random.default_rng(20251121)
    out = Path(directory)
    n = persons
    counties = synth_frames.county_pool(["32"])
    m = int(n * 1.05) + 1000
    area = counties[rng.integers(0, len(counties), m)]
    birth_d, ymd = synth_frames.ymd(
        rng.integers(_days(datetime.date(1965, 1, 1)), _days(datetime.date(2004, 12, 31)), m)
    )
    seq = rng.integers(0, 1000, m)
    body = area * 10**11 + ymd * 1000 + seq
    _, first = np.unique(body, return_index=True)
    keep = np.sort(first)[:n]
    area, birth_d, ymd, seq = area[keep], birth_d[keep], ymd[keep], seq[keep]
    numbers = ids.id_numbers(area, ymd, seq)
    names = synth_frames.names(rng, n)
    has_phone = rng.random(n) < 0.9
    phones = (np.array([13, 15, 17, 18, 19])[rng.integers(0, 5, n)] * 10**9 + rng.integers(0, 10**9, n)).astype(str)
    people = pl.DataFrame(
        {
            "姓名": names,
            "身份证号码": numbers,
            "居住地区划代码": area.astype(str),
            "手机号码": np.where(has_phone, phones, ""),
        }
    )
    # Certificates: one for every person, then a second one for some.
    extra = max(0, certificates - n)
    holders = np.concatenate([np.arange(min(n, certificates)), rng.choice(n, size=extra, replace=extra > n)])
    k = len(holders)
    occupation_codes = np.array(sorted(Occupation.objects.filter(kind="occupation").values_list("code", flat=True)))
    level = rng.choice([5, 4, 3, 2, 1], size=k, p=[0.3, 0.3, 0.25, 0.1, 0.05])
    year = rng.integers(2019, 2025, k)
    station = rng.integers(0, 2000, k)
    issue = np.array([_days(datetime.date(int(y), 1, 1)) for y in range(2019, 2025)])[year - 2019] + rng.integers(
        0, 365, k
    )
    frame = pl.DataFrame({"station": station, "year": year, "level": level}).with_columns(
        serial=pl.int_range(pl.len()).over(["station", "year", "level"])
    )
    cert_numbers = frame.select(
        pl.format(
            "S000032{}{}{}{}",
            pl.col("station").cast(pl.String).str.zfill(6),
            (pl.col("year") % 100).cast(pl.String).str.zfill(2),
            pl.col("level").cast(pl.String),
            pl.col("serial").cast(pl.String).str.zfill(6),
        )
    ).to_series()
    certs = pl.DataFrame(
        {
            "证书编号": cert_numbers,
            "身份证号码": people["身份证号码"].gather(holders),
            "姓名": people["姓名"].gather(holders),
            "职业编码": occupation_codes[rng.integers(0, len(occupation_codes), k)],
            "等级": [LEVEL_NAMES[int(v)] for v in level],
            "发证日期": pl.Series(issue.astype("datetime64[D]")).cast(pl.Date).dt.strftime("%Y-%m-%d"),
        }
    )
    paths = {"full": {}, "sample": {}}
    for kind, data in (("persons", people), ("certificates", certs)):
        full = out / f"{kind}.csv"
        data.write_csv(full, include_bom=True)
        part = out / f"{kind}-sample.csv"
        data.head(sample).write_csv(part, include_bom=True)
        paths["full"][kind], paths["sample"][kind] = str(full), str(part)
    return paths


# ------------------------------------------------------------------------------------------------
# Baseline a: the same rows into the same tables without any validation
# ------------------------------------------------------------------------------------------------


def raw_load(kind: str, path: str) -> int:
    now = timezone.now().strftime("%Y-%m-%d %H:%M:%S")
    df = pl.read_csv(path, infer_schema=False).with_columns(pl.all().fill_null(""))
    df = df.rename({df.columns[0]: df.columns[0].lstrip("\ufeff")})
    if kind == "persons":
        numbers = df["身份证号码"]
        frame = pl.DataFrame(
            {
                "name": df["姓名"],
                "id_number": numbers,
                "id_index": crypto.blind_indexes(numbers),
                "phone": df["手机号码"],
                "phone_index": crypto.blind_indexes(df["手机号码"]),
                "birth_date": numbers.str.slice(6, 8).str.to_date("%Y%m%d"),
                "sex": pl.select(
                    pl.when(numbers.str.slice(16, 1).cast(pl.Int64) % 2 == 1).then(pl.lit("M")).otherwise(pl.lit("F"))
                ).to_series(),
                "birth_region_code": numbers.str.slice(0, 6),
                "household_region_code": df["居住地区划代码"],
                "residence_region_code": df["居住地区划代码"],
                "created": [now] * df.height,
                "updated": [now] * df.height,
            }
        )

        def sealed(rows: pl.DataFrame) -> pl.DataFrame:
            # Encrypted chunk by chunk as they are sent, as the import does (copy_frame's build).
            return rows.with_columns(
                id_number_enc=crypto.encrypt(rows["id_number"]), phone_enc=crypto.encrypt(rows["phone"])
            ).drop("id_number", "phone")

        with transaction.atomic():
            return copy_frame(Person, frame.sort("id_index"), build=sealed)
    unique = df["身份证号码"].unique()
    index = pl.DataFrame({"身份证号码": unique, "id_index": crypto.blind_indexes(unique)})
    people = fetch_by_keys(Person, "id_index", index["id_index"], {"id": pl.Int64, "residence_region_code": pl.String})
    occupations = pl.DataFrame(
        list(Occupation.objects.values_list("code", "id")), schema=["职业编码", "occupation_id"], orient="row"
    )
    levels = pl.DataFrame(list(SkillLevel.objects.values_list("name", "id")), schema=["等级", "level_id"], orient="row")
    frame = (
        df.join(index, on="身份证号码")
        .join(people.rename({"id": "person_id"}), on="id_index")
        .join(occupations, on="职业编码")
        .join(levels, on="等级")
        .select(
            pl.col("证书编号").alias("number"),
            "person_id",
            pl.col("residence_region_code").alias("region_code"),
            "occupation_id",
            "level_id",
            pl.lit(None, dtype=pl.Int64).alias("issuer_id"),
            pl.col("发证日期").str.to_date("%Y-%m-%d").alias("issue_date"),
            pl.lit("valid").alias("status"),
            pl.lit(None, dtype=pl.Date).alias("revoked_on"),
            pl.lit("").alias("revoke_reason"),
            pl.lit("third_party").alias("source"),
            pl.lit(now).alias("created"),
            pl.lit(now).alias("updated"),
        )
    )
    with transaction.atomic():
        return copy_frame(Certificate, frame.sort("number"))


# ------------------------------------------------------------------------------------------------
# Baseline b: django-import-export
# ------------------------------------------------------------------------------------------------


def _resources():  # type: ignore[no-untyped-def]
    from import_export import fields, resources, widgets

    class PersonResource(resources.ModelResource):
        """Each row: validate and parse the ID number, encrypt it and the phone, index both."""

        class Meta:
            model = Person
            import_id_fields = ("id_index",)
            fields = (
                "name",
                "id_number_enc",
                "id_index",
                "phone_enc",
                "phone_index",
                "birth_date",
                "sex",
                "birth_region_code",
                "household_region_code",
                "residence_region_code",
            )
            use_bulk = True
            batch_size = 2000
            skip_diff = True
            skip_unchanged = False

        def before_import_row(self, row, **kwargs):  # type: ignore[no-untyped-def]
            info = parse_id_number(row["id_number"])
            phone = row.get("phone") or ""
            row["id_number_enc"] = pii.encrypt(info.number)
            row["id_index"] = pii.blind_index(info.number)
            row["phone_enc"] = pii.encrypt(phone)
            row["phone_index"] = pii.blind_index(phone) if phone else ""
            row["birth_date"] = info.birth_date
            row["sex"] = info.sex
            row["birth_region_code"] = info.birth_region_code
            row["household_region_code"] = row["residence_region_code"]

    class CertificateResource(resources.ModelResource):
        """Each row: holder by blind index, occupation by code, level by name (foreign-key widgets)."""

        person = fields.Field(
            attribute="person", column_name="person", widget=widgets.ForeignKeyWidget(Person, "id_index")
        )
        occupation = fields.Field(
            attribute="occupation", column_name="occupation", widget=widgets.ForeignKeyWidget(Occupation, "code")
        )
        level = fields.Field(
            attribute="level", column_name="level", widget=widgets.ForeignKeyWidget(SkillLevel, "name")
        )

        class Meta:
            model = Certificate
            import_id_fields = ("number",)
            fields = ("number", "person", "occupation", "level", "issue_date", "source", "status")
            use_bulk = True
            batch_size = 2000
            skip_diff = True

        def before_import_row(self, row, **kwargs):  # type: ignore[no-untyped-def]
            row["person"] = pii.blind_index(parse_id_number(row["id_number"]).number)
            row["source"] = "third_party"
            row["status"] = "valid"

    return PersonResource, CertificateResource


def die_load(kind: str, path: str) -> int:
    from tablib import Dataset

    person_resource, certificate_resource = _resources()
    with open(path, encoding="utf-8-sig", newline="") as src:
        rows = list(csv.reader(src))
    # The file's columns, then the computed ones (filled per row in before_import_row).
    if kind == "persons":
        headers = ["name", "id_number", "residence_region_code", "phone"]
        computed = [
            "id_number_enc",
            "id_index",
            "phone_enc",
            "phone_index",
            "birth_date",
            "sex",
            "birth_region_code",
            "household_region_code",
        ]
        resource = person_resource()
    else:
        headers = ["number", "id_number", "holder_name", "occupation", "level", "issue_date"]
        computed = ["person", "source", "status"]
        resource = certificate_resource()
    blank = ("",) * len(computed)
    dataset = Dataset(*[(*r, *blank) for r in rows[1:]], headers=headers + computed)
    result = resource.import_data(dataset, dry_run=False, raise_errors=True, use_transactions=True)
    if result.has_errors() or result.has_validation_errors():
        raise RuntimeError("django-import-export reported errors")
    return len(dataset)
