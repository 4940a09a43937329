"""Segments and first reach, on Polars frames only: each person's highest valid level as a step function
of time, cut into segments from one change to the next, and the first day each threshold was reached.
:mod:`gongjiang.monitoring.engine` turns them into counted events.
"""

from __future__ import annotations

import numpy as np
import polars as pl

# ---------------------------------------------------------------------------------------------
# Segments and first reach
# ---------------------------------------------------------------------------------------------
#
# Certificates arrive with their holder's attributes attached (region index, sex, industry and the
# days the holder turns 35, 45 and 55). A holder of one valid certificate has one segment and reaches
# each level on its issue day. Holders of several are sorted once by (person, issue day, level,
# certificate id); a running maximum over a packed (person, level, issue day) key then gives the top
# certificate after every issue day, in numpy, without a per-person window. Holders with a revocation
# (a tiny share) are evaluated at every issue and revocation day instead.

ATTRS = ["region", "sex", "industry", "c35", "c45", "c55"]


def _sorted_multi(multi: pl.DataFrame) -> pl.DataFrame:
    return multi.sort("person_id", "start", "rank", "cert_id")


def _running_segments(m: pl.DataFrame) -> pl.DataFrame:
    """Segments of holders without revocations; ``m`` sorted by _sorted_multi."""
    if m.height == 0:
        return m.select("person_id", *ATTRS, pl.col("start").alias("seg_start"), pl.col("end").alias("seg_end"),
                        "rank", "occ")  # fmt: skip
    person = m["person_id"].to_numpy()
    start = m["start"].to_numpy().astype(np.int64)
    rank = m["rank"].to_numpy().astype(np.int64)
    occ = m["occ"].to_numpy()
    n = len(person)
    new_person = np.empty(n, dtype=bool)
    new_person[0] = True
    new_person[1:] = person[1:] != person[:-1]
    pidx = np.cumsum(new_person) - 1
    packed = pidx * (1 << 30) + rank * (1 << 26) + (start - start.min())
    top = np.maximum.accumulate(packed)
    row = np.where(packed == top, np.arange(n), 0)
    row = np.maximum.accumulate(row)  # the row holding the top so far (never from an earlier person)
    top_rank, top_occ = rank[row], occ[row]
    last_of_day = np.empty(n, dtype=bool)
    last_of_day[-1] = True
    last_of_day[:-1] = (person[1:] != person[:-1]) | (start[1:] != start[:-1])
    keep = np.flatnonzero(last_of_day)
    kp, ks, kr, ko = person[keep], start[keep], top_rank[keep], top_occ[keep]
    change = np.ones(len(keep), dtype=bool)
    change[1:] = (kp[1:] != kp[:-1]) | (kr[1:] != kr[:-1]) | (ko[1:] != ko[:-1])
    seg = np.flatnonzero(change)
    sp = kp[seg]
    seg_end = np.full(len(seg), -1, dtype=np.int64)
    same = sp[1:] == sp[:-1]
    seg_end[:-1] = np.where(same, ks[seg[1:]], -1)
    first_rows = keep[seg]
    attrs = m.select(ATTRS)[first_rows]
    return attrs.with_columns(
        pl.Series("person_id", sp),
        pl.Series("seg_start", ks[seg].astype(np.int32)),
        pl.Series("seg_end", seg_end.astype(np.int32)).replace(-1, None),
        pl.Series("rank", kr[seg].astype(np.int8)),
        pl.Series("occ", ko[seg]),
    ).select("person_id", *ATTRS, "seg_start", "seg_end", "rank", "occ")


def _top_key() -> pl.Expr:
    return (
        pl.col("rank").cast(pl.Int64) * (1 << 59)
        + pl.col("start").cast(pl.Int64) * (1 << 36)
        + pl.col("cert_id").cast(pl.Int64) % (1 << 36)
    )


def _general_segments(multi: pl.DataFrame) -> pl.DataFrame:
    """Segments of holders with revocations: the top certificate at every issue and revocation day."""
    points = pl.concat(
        [
            multi.select("person_id", pl.col("start").alias("t")),
            multi.filter(pl.col("end").is_not_null()).select("person_id", pl.col("end").alias("t")),
        ]
    ).unique()
    active = (
        points.join(multi, on="person_id")
        .filter((pl.col("start") <= pl.col("t")) & (pl.col("end").is_null() | (pl.col("end") > pl.col("t"))))
        .with_columns(_top_key().alias("key"))
        .group_by("person_id", "t")
        .agg(pl.col("rank").get(pl.col("key").arg_max()), pl.col("occ").get(pl.col("key").arg_max()))
    )
    attrs = multi.select("person_id", *ATTRS).unique("person_id")
    return (
        points.join(active, on=["person_id", "t"], how="left")
        .sort("person_id", "t")
        .with_columns(pl.col("t").shift(-1).over("person_id").alias("seg_end"))
        .filter(pl.col("rank").is_not_null())
        .join(attrs, on="person_id")
        .select("person_id", *ATTRS, pl.col("t").alias("seg_start"), "seg_end", "rank", "occ")
    )


def _first_reach_multi(m: pl.DataFrame) -> pl.DataFrame:
    """First reach of holders of several valid certificates; ``m`` sorted by _sorted_multi. On the
    earliest day a level is reached, the highest certificate issued that day counts (the last row of the
    day in this order)."""
    if m.height == 0:
        return m.select("person_id", *ATTRS, pl.lit(0, pl.Int8).alias("level"), pl.col("start").alias("t"), "occ")
    person = m["person_id"].to_numpy()
    start = m["start"].to_numpy()
    rank = m["rank"].to_numpy()
    n = len(person)
    last_of_day = np.empty(n, dtype=bool)
    last_of_day[-1] = True
    last_of_day[:-1] = (person[1:] != person[:-1]) | (start[1:] != start[:-1])
    parts = []
    for level in (1, 2, 3):
        rows = np.flatnonzero(last_of_day & (rank >= level))
        if len(rows) == 0:
            continue
        first = np.ones(len(rows), dtype=bool)
        first[1:] = person[rows[1:]] != person[rows[:-1]]
        pick = rows[first]
        parts.append(
            m[pick].select(
                "person_id", *ATTRS, pl.lit(level, pl.Int8).alias("level"), pl.col("start").alias("t"), "occ"
            )
        )
    return pl.concat(parts) if parts else _first_reach_multi(m.clear())


# Person ids up to this many times the number of rows (plus a million) are looked up in an array
# indexed by id instead of hashed: registry ids are dense, and a gather is many times faster than a join.
DENSE_IDS_PER_ROW = 4


def _dense(ids: np.ndarray) -> bool:
    return len(ids) > 0 and int(ids.min()) >= 0 and int(ids.max()) <= DENSE_IDS_PER_ROW * len(ids) + 1_000_000


def _slot(ids: np.ndarray, top: int) -> np.ndarray:
    """Indexes into a table of ``top`` + 2 slots indexed by id: the id, or the last slot for ids outside
    0 … ``top``."""
    return np.where((ids >= 0) & (ids <= top), ids, top + 1)


def _duplicated(frame: pl.DataFrame) -> pl.Series:
    """Whether each row's person_id occurs more than once."""
    ids = frame["person_id"].to_numpy()
    if not _dense(ids):
        return frame["person_id"].is_duplicated()
    return pl.Series(np.bincount(ids)[ids] > 1)


def attach(certs: pl.DataFrame, people: pl.DataFrame) -> pl.DataFrame:
    """The certificates of the persons in ``people`` (unique person_id) with their attributes: an inner
    join on person_id, keeping the certificates' order."""
    ids = people["person_id"].to_numpy()
    if not _dense(ids):
        return certs.join(people, on="person_id", maintain_order="left")
    top = int(ids.max())
    position = np.full(top + 2, -1, dtype=np.int64)
    position[ids] = np.arange(len(ids))
    holder = certs["person_id"].to_numpy()
    row = position[_slot(holder, top)]
    keep = row >= 0
    attrs = people.drop("person_id")[row[keep]]
    return certs.filter(pl.Series(keep)).hstack(attrs.get_columns())


def with_industry(persons: pl.DataFrame, industry: pl.DataFrame) -> pl.DataFrame:
    """``persons`` with the industry section of each (``industry``: unique person_id; null without)."""
    ids = industry["person_id"].to_numpy()
    if not _dense(ids):
        return persons.join(industry, on="person_id", how="left", maintain_order="left")
    top = int(ids.max())
    section = np.zeros(top + 2, dtype=np.int8)
    section[ids] = industry["industry"].to_numpy()
    person = persons["person_id"].to_numpy()
    return persons.with_columns(pl.Series("industry", section[_slot(person, top)]))


def scope_frames(certs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(segments, first-reach rows) of every holder, each row carrying the holder's attributes."""
    valid = certs.filter(pl.col("end").is_null() | (pl.col("end") > pl.col("start")))
    several = _duplicated(valid)
    single = valid.filter(~several)
    multi = _sorted_multi(valid.filter(several))
    revoked = multi.filter(pl.col("end").is_not_null()).select("person_id").unique()
    plain = multi.join(revoked, on="person_id", how="anti", maintain_order="left")
    general = multi.join(revoked, on="person_id", how="semi")
    seg_single = single.select("person_id", *ATTRS, pl.col("start").alias("seg_start"),
                               pl.col("end").alias("seg_end"), "rank", "occ")  # fmt: skip
    parts = [seg_single, _running_segments(plain)]
    if general.height:
        parts.append(_general_segments(general))
    schema = seg_single.schema
    seg = pl.concat([p.select(list(schema)).cast(schema) for p in parts])
    reach_single = [
        single.filter(pl.col("rank") >= level).select(
            "person_id", *ATTRS, pl.lit(level, pl.Int8).alias("level"), pl.col("start").alias("t"), "occ"
        )
        for level in (1, 2, 3)
    ]
    reach_multi = _first_reach_multi(multi)
    rschema = reach_single[0].schema
    reach = pl.concat([p.select(list(rschema)).cast(rschema) for p in [*reach_single, reach_multi]])
    return seg, reach


def segments(certs: pl.DataFrame) -> pl.DataFrame:
    """Segments (person_id, seg_start, seg_end, rank, occ) of holders without attributes (tests, tools)."""
    with_attrs = certs.with_columns(*(pl.lit(0, pl.Int32).alias(a) for a in ATTRS))
    return scope_frames(with_attrs)[0].select("person_id", "seg_start", "seg_end", "rank", "occ")
