"""Issuing certificates as a batch: numbers in the national format, one bulk insert, a signed Merkle root.

:func:`batch_issue` is the one path by which an evaluation (a plan's results, a recognition list, a
competition's winners) becomes certificates. Its caller has authorized the step that issues them (the
evaluation plan's ``issue``); here the rows become:

1. numbers: ``Y`` (employer evaluation) or ``S`` (social organisation), the body code (4 digits, 0000 when
   registered with the province), 32, the station serial (6), the issue year (2), the national level (1)
   and a serial (6) taken from :class:`CertificateSerial` under a row lock, so that batches issued at the
   same time never share a number;
2. a Merkle tree over the certificates in number order (:mod:`gongjiang.credentials.merkle`), whose root,
   with the batch's code, size and date, the platform's active Ed25519 key signs;
3. one bulk insert of the certificates (COPY on PostgreSQL) and one change record for the set, which also
   puts the batch on the rollup's change queue: the indicators count it at their next update, asked for
   when the transaction commits.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjiang.core.audit import record_change, record_set
from gongjiang.core.bulk import copy_frame
from gongjiang.credentials import merkle, signing
from gongjiang.credentials.jcs import canonicalize, multibase_decode, multibase_encode
from gongjiang.credentials.models import (
    Certificate,
    CertificateBatch,
    CertificateBatchTree,
    CertificateSerial,
    CertificateSource,
)
from gongjiang.registry.models import Organisation
from gongjiang.registry.regions import person_regions

MAX_SERIAL = 999_999
ROOT_TYPE = "CertificateBatchRoot"


def evaluator_letter(source: str) -> str:
    """Y for an employer's own evaluation or recognition, S for a social training-evaluation organisation,
    a school or a competition's organiser."""
    return "Y" if source in (CertificateSource.SELF_EVALUATION, CertificateSource.DIRECT) else "S"


def number_prefix(*, evaluator: str, body_code: str, station_code: str, year: int, national_level: int) -> str:
    if evaluator not in ("Y", "S") or len(body_code) != 4 or not body_code.isdigit():
        raise ValueError("evaluator Y or S and a 4-digit body code")
    if len(station_code) != 6 or not station_code.isdigit() or not 1 <= national_level <= 5:
        raise ValueError("a 6-digit station code and a national level 1-5")
    return f"{evaluator}{body_code}32{station_code}{year % 100:02d}{national_level}"


def serials_take(prefix: str, count: int) -> int:
    """Reserve ``count`` serials after the last one given to ``prefix``; the first of them. The counter's
    row is locked until the caller's transaction ends; a new prefix starts after any number already in the
    registry (an imported certificate of the same station, say)."""
    if count <= 0:
        raise ValueError("count must be positive")
    CertificateSerial.objects.bulk_create([CertificateSerial(prefix=prefix, last=0)], ignore_conflicts=True)
    row = CertificateSerial.objects.select_for_update().get(prefix=prefix)
    last = row.last
    if last == 0:
        existing = (
            Certificate.objects.filter(number__gte=prefix + "000000", number__lte=prefix + "999999")
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
        )
        last = int(existing[16:]) if existing else 0
    if last + count > MAX_SERIAL:
        raise ValidationError(
            {"serial": _("The station has no more certificate serials for %(p)s this year.") % {"p": prefix}}
        )
    CertificateSerial.objects.filter(pk=row.pk).update(last=last + count)
    return last + 1


def root_message(*, code: str, root_hex: str, size: int, issue_date: datetime.date) -> bytes:
    """What the platform signs for a batch (JCS, RFC 8785)."""
    return canonicalize(
        {"type": ROOT_TYPE, "batch": code, "root": root_hex, "size": size, "issueDate": issue_date.isoformat()}
    )


@dataclass(frozen=True)
class Issued:
    batch: CertificateBatch
    numbers: dict[int, str]  # person id -> certificate number


@transaction.atomic
def batch_issue(
    *,
    rows: pl.DataFrame,
    source: str,
    issue_date: datetime.date,
    station_code: str,
    region_code: str,
    issuer: Organisation | None,
    body_code: str = "0000",
) -> Issued:
    """Issue one certificate per row of ``rows`` (``person_id``, ``occupation_id``, ``occupation_code``,
    ``level_id``, ``level_code``, ``national_level``). The caller authorizes and validates the rows
    (each person once, levels 1-5); this numbers, signs and writes them, all or nothing."""
    if rows.height == 0:
        raise ValidationError({"candidates": _("No candidate has passed; there is nothing to issue.")})
    if source not in CertificateSource.values:
        raise ValueError(f"unknown source {source!r}")
    evaluator = evaluator_letter(source)
    year = issue_date.year
    parts = []
    for (level,), group in rows.sort("person_id").group_by(["national_level"], maintain_order=True):
        prefix = number_prefix(
            evaluator=evaluator,
            body_code=body_code,
            station_code=station_code,
            year=year,
            national_level=int(level),
        )
        first = serials_take(prefix, group.height)
        parts.append(
            group.with_columns(
                (pl.lit(prefix) + (pl.int_range(first, first + group.height).cast(pl.Utf8).str.zfill(6))).alias(
                    "number"
                )
            )
        )
    frame = pl.concat(parts).sort("number").with_row_index("batch_index")
    iso = issue_date.isoformat()
    leaves = [
        merkle.leaf_hash(merkle.leaf_data(n, o, lv, iso))
        for n, o, lv in zip(
            frame["number"].to_list(), frame["occupation_code"].to_list(), frame["level_code"].to_list(), strict=True
        )
    ]
    levels = merkle.build_levels(leaves)
    root_hex = levels[-1][0].hex()
    signer = signing.active_signer()
    batch = CertificateBatch(
        code=f"T{uuid.uuid4().hex[:19]}",
        region_code=region_code,
        source=source,
        issuer=issuer,
        issue_date=issue_date,
        size=frame.height,
        root=root_hex,
        key_id=signer.kid,
        signature="",
    )
    batch.save()
    CertificateBatchTree.objects.create(batch=batch, tree=merkle.pack(levels))
    batch.code = f"PC{year}{batch.pk:08d}"
    message = root_message(code=batch.code, root_hex=root_hex, size=frame.height, issue_date=issue_date)
    batch.signature = multibase_encode(signer.sign(message))
    batch.save(update_fields=["code", "signature"])
    now = timezone.now().strftime("%Y-%m-%d %H:%M:%S")
    # Each certificate carries its holder's residence region (the copy its scope reads).
    holders = person_regions(frame["person_id"]).rename({"region_code": "holder_region"})
    frame = frame.join(holders, on="person_id", how="left", maintain_order="left")
    copy_frame(
        Certificate,
        frame.select(
            "number",
            "person_id",
            pl.col("holder_region").fill_null("").alias("region_code"),
            "occupation_id",
            "level_id",
            pl.lit(issuer.pk if issuer else None, dtype=pl.Int64).alias("issuer_id"),
            pl.lit(issue_date).alias("issue_date"),
            pl.lit("valid").alias("status"),
            pl.lit(None, dtype=pl.Date).alias("revoked_on"),
            pl.lit("").alias("revoke_reason"),
            pl.lit("").alias("revoke_document"),
            pl.lit(source).alias("source"),
            pl.lit(batch.pk, dtype=pl.Int64).alias("batch_id"),
            pl.col("batch_index").cast(pl.Int64),
            pl.lit(now).alias("created"),
            pl.lit(now).alias("updated"),
        ),
    )
    record_change(action="create", instance=batch)
    record_set(model=Certificate, count=frame.height, detail={"batch": batch.code}, region_code=region_code)
    numbers = dict(zip(frame["person_id"].to_list(), frame["number"].to_list(), strict=True))
    return Issued(batch=batch, numbers=numbers)


@dataclass(frozen=True)
class BatchProof:
    """What a credential carries to prove its certificate is in a signed batch."""

    batch: str
    root: str
    size: int
    index: int
    path: list[str]
    issue_date: str
    key_id: str
    signature: str

    def as_json(self) -> dict[str, Any]:
        return {
            "type": "MerkleInclusionProof2024",
            "hashAlgorithm": "RFC9162-SHA256",
            "batch": self.batch,
            "root": self.root,
            "treeSize": self.size,
            "leafIndex": self.index,
            "auditPath": self.path,
            "issueDate": self.issue_date,
            "rootSignature": {"keyId": self.key_id, "proofValue": self.signature},
        }


def batch_proof(cert: Certificate) -> BatchProof | None:
    """The inclusion proof of a certificate issued in a batch (None for one issued singly or imported)."""
    if cert.batch_id is None or cert.batch_index is None:
        return None
    batch = cert.batch
    assert batch is not None
    positions = merkle.path_positions(batch.size, cert.batch_index)
    # Only the path's nodes are read (Substr on the stored bytes, positions counted from 1).
    nodes = (
        CertificateBatchTree.objects.filter(batch_id=batch.pk)
        .values_list(*[Substr("tree", p * merkle.HASH_BYTES + 1, merkle.HASH_BYTES) for p in positions])
        .first()
        if positions
        else ()
    )
    if nodes is None:
        raise LookupError(f"batch {batch.code} has no stored tree")
    path = [bytes(n) for n in nodes]
    return BatchProof(
        batch=batch.code,
        root=batch.root,
        size=batch.size,
        index=cert.batch_index,
        path=[p.hex() for p in path],
        issue_date=batch.issue_date.isoformat(),
        key_id=batch.key_id,
        signature=batch.signature,
    )


@dataclass(frozen=True)
class ProofResult:
    valid: bool
    reason: str = ""
    batch: str = ""


def batch_proof_verify(proof: Any, *, number: str, occupation: str, level: str, issue_date: str) -> ProofResult:
    """Check an inclusion proof (as :meth:`BatchProof.as_json` writes it) for the certificate facts given:
    the leaf up the audit path to the root, and the root's signature by a platform key that still verifies.
    Needs nothing from the registry but the public keys."""
    if not isinstance(proof, dict):
        return ProofResult(False, _("The credential carries no batch proof."))
    try:
        code = str(proof["batch"])
        root = bytes.fromhex(proof["root"])
        size = int(proof["treeSize"])
        index = int(proof["leafIndex"])
        path = [bytes.fromhex(p) for p in proof["auditPath"]]
        signature = proof["rootSignature"]
        kid = str(signature["keyId"])
        value = multibase_decode(signature["proofValue"])
        batch_date = datetime.date.fromisoformat(proof["issueDate"])
    except (KeyError, TypeError, ValueError):
        return ProofResult(False, _("The batch proof is malformed."))
    if batch_date.isoformat() != issue_date[:10]:
        return ProofResult(False, _("The batch proof is for another issue date."), code)
    leaf = merkle.leaf_hash(merkle.leaf_data(number, occupation, level, batch_date.isoformat()))
    if not merkle.verify_inclusion(leaf, index, size, path, root):
        return ProofResult(False, _("The certificate is not in the batch the proof names."), code)
    message = root_message(code=code, root_hex=root.hex(), size=size, issue_date=batch_date)
    if len(value) != 64 or not signing.verify(kid, message, value):
        return ProofResult(False, _("The batch root's signature does not verify under a platform key."), code)
    return ProofResult(True, "", code)
