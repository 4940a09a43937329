"""The training workflow's writes, one module per step: catalogs and designations, needs and
applications, classes and rosters, claims, payments, post-audit. Each service is keyword-only, atomic,
validates fully, checks who may act (``authorize``), and records its change. Bulk steps (rosters,
result matching, claims, batches) are set operations: one query in, one bulk write out, one change
record per step or per decided object.

Double payment is prevented in layers: claim states move under ``select_for_update`` (PostgreSQL; on
SQLite the IMMEDIATE transaction serialises writers), a claim is unique per person × class ×
occupation × level, a person's occupation and level is payable once (partial unique index), and a
payment line is unique per claim, so a claim is in at most one batch.
"""

from __future__ import annotations

from gongjiang.training.services.applications import (
    application_decide,
    application_submit,
    application_withdraw,
    need_close,
    need_create,
    need_publish,
)
from gongjiang.training.services.audits import audit_sample_draw, finding_review, sample_item_record
from gongjiang.training.services.catalogs import (
    catalog_import,
    catalog_shortage_adopt,
    designation_create,
    designation_revoke,
)
from gongjiang.training.services.claims import (
    claim_approve,
    claim_reject,
    claims_approve,
    claims_compute,
    class_claim_submit,
)
from gongjiang.training.services.classes import (
    class_create,
    class_end,
    class_update_dates,
    results_match,
    roster_upload,
)
from gongjiang.training.services.designation_requests import (
    designation_request_decide,
    designation_request_submit,
    designation_request_withdraw,
)
from gongjiang.training.services.payments import (
    payment_batch_approve,
    payment_batch_create,
    payment_batch_export,
    payment_batch_mark_paid,
)

__all__ = [
    "application_decide",
    "application_submit",
    "application_withdraw",
    "audit_sample_draw",
    "catalog_import",
    "catalog_shortage_adopt",
    "claim_approve",
    "claim_reject",
    "claims_approve",
    "claims_compute",
    "class_claim_submit",
    "class_create",
    "class_end",
    "class_update_dates",
    "designation_create",
    "designation_request_decide",
    "designation_request_submit",
    "designation_request_withdraw",
    "designation_revoke",
    "finding_review",
    "need_close",
    "need_create",
    "need_publish",
    "payment_batch_approve",
    "payment_batch_create",
    "payment_batch_export",
    "payment_batch_mark_paid",
    "results_match",
    "roster_upload",
    "sample_item_record",
]
