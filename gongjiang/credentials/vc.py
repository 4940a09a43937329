"""Certificates as W3C Verifiable Credentials (VC Data Model 2.0) of type OpenBadgeCredential (Open Badges 3.0),
secured with a Data Integrity proof, cryptosuite ``eddsa-jcs-2022`` (W3C vc-di-eddsa):

* the document without ``proof`` and the proof options without ``proofValue`` (with the document's
  ``@context``) are each canonicalised with JCS (RFC 8785) and hashed with SHA-256;
* the Ed25519 signature covers ``sha256(proof options) || sha256(document)``;
* ``proofValue`` is the signature in multibase base58btc (``z…``);
* ``verificationMethod`` is ``<issuer id>#<key id>``; the issuer profile at ``/verify/issuer/`` lists
  the public keys as Multikey entries.

The holder is identified by a salted SHA-256 hash of their name (an OB 3.0 IdentityObject), not by the
name or ID number in clear; the certificate number is the subject's ``licenseNumber``.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjiang.credentials import batches, signing
from gongjiang.credentials.jcs import (
    CanonicalisationError,
    canonicalize,
    multibase_decode,
    multibase_encode,
    multikey_ed25519,
)
from gongjiang.credentials.models import Certificate, CertificateStatus, SigningKey, SigningKeyStatus

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
CRYPTOSUITE = "eddsa-jcs-2022"
ISSUER_PATH = "/verify/issuer/"
MAX_DOCUMENT_BYTES = 64 * 1024
_SHANGHAI = ZoneInfo("Asia/Shanghai")


def issuer_id(base_url: str) -> str:
    return base_url.rstrip("/") + ISSUER_PATH


def _iso(dt: datetime.datetime) -> str:
    return dt.astimezone(datetime.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _name_hash(name: str, salt: str) -> str:
    return "sha256$" + hashlib.sha256((name + salt).encode("utf-8")).hexdigest()


def credential_build(cert: Certificate, *, base_url: str) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential of a certificate."""
    issuer = issuer_id(base_url)
    level = cert.level
    occupation = cert.occupation
    valid_from = datetime.datetime.combine(cert.issue_date, datetime.time(0, 0), tzinfo=_SHANGHAI)
    salt = os.urandom(8).hex()
    achievement: dict[str, Any] = {
        "id": f"urn:gongjiang:achievement:{occupation.code}:{level.code}",
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": f"{occupation.name}（{level.name}）",
        "description": f"职业技能等级证书：{occupation.name}，{level.name}",
        "criteria": {"narrative": f"通过{occupation.name}职业技能等级评价，达到{level.name}标准。"},
        "humanCode": occupation.code,
        "fieldOfStudy": occupation.name,
    }
    if cert.issuer is not None:
        achievement["creator"] = {
            "id": f"urn:gongjiang:organisation:{cert.issuer.uscc}",
            "type": ["Profile"],
            "name": cert.issuer.name,
        }
    document: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"职业技能等级证书 {cert.number}",
        "issuer": {
            "id": issuer,
            "type": ["Profile"],
            "name": settings.CREDENTIAL_ISSUER_NAME,
            "url": base_url.rstrip("/") + "/verify/",
        },
        "validFrom": valid_from.isoformat(),
        "awardedDate": valid_from.isoformat(),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": True,
                    "identityHash": _name_hash(cert.person.name, salt),
                    "salt": salt,
                }
            ],
            "licenseNumber": cert.number,
            "achievement": achievement,
        },
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    proof = batches.batch_proof(cert)
    if proof is not None:
        document["batchProof"] = proof.as_json()
    return document


def certificate_facts(document: dict[str, Any]) -> dict[str, str] | None:
    """The certificate number, occupation code, level code and issue date a credential states (what its
    batch proof's leaf is made of), or None when it does not state them all."""
    subject = document.get("credentialSubject")
    if not isinstance(subject, dict):
        return None
    achievement = subject.get("achievement")
    number, valid_from = subject.get("licenseNumber"), document.get("validFrom")
    if not isinstance(achievement, dict) or not isinstance(number, str) or not isinstance(valid_from, str):
        return None
    occupation, ident = achievement.get("humanCode"), achievement.get("id")
    if not isinstance(occupation, str) or not isinstance(ident, str) or ":" not in ident:
        return None
    return {"number": number, "occupation": occupation, "level": ident.rsplit(":", 1)[1], "issue_date": valid_from[:10]}


def batch_proof_check(document: Any) -> batches.ProofResult | None:
    """The batch proof of a credential checked against what the credential states; None when it has none."""
    if not isinstance(document, dict) or "batchProof" not in document:
        return None
    facts = certificate_facts(document)
    if facts is None:
        return batches.ProofResult(False, _("The credential does not state its certificate's facts."))
    return batches.batch_proof_verify(document["batchProof"], **facts)


def _hash_data(document: dict[str, Any], proof_options: dict[str, Any]) -> bytes:
    return hashlib.sha256(canonicalize(proof_options)).digest() + hashlib.sha256(canonicalize(document)).digest()


def proof_add(document: dict[str, Any], *, created: datetime.datetime | None = None) -> dict[str, Any]:
    """The document with an eddsa-jcs-2022 DataIntegrityProof by the platform's active key."""
    if "proof" in document:
        raise ValueError("the document already has a proof")
    signer = signing.active_signer()
    issuer = document["issuer"]["id"] if isinstance(document["issuer"], dict) else document["issuer"]
    options: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": _iso(created or timezone.now()),
        "verificationMethod": f"{issuer}#{signer.kid}",
        "proofPurpose": "assertionMethod",
    }
    if "@context" in document:
        options["@context"] = document["@context"]
    signature = signer.sign(_hash_data(document, options))
    return {**document, "proof": {**options, "proofValue": multibase_encode(signature)}}


def credential_issue(cert: Certificate, *, base_url: str) -> dict[str, Any]:
    return proof_add(credential_build(cert, base_url=base_url), created=timezone.now())


@dataclass(frozen=True)
class ProofCheck:
    valid: bool
    key_id: str = ""
    reason: str = ""  # why not valid (for the API answer; says nothing about the registry)
    number: str = ""  # the certificate number the credential names, when the signature is valid


def signature_verify(document: Any) -> ProofCheck:
    """Verify the eddsa-jcs-2022 proof of any document the platform signed (a credential, the revocation
    list)."""
    if not isinstance(document, dict):
        return ProofCheck(False, reason="the credential must be a JSON object")
    proof = document.get("proof")
    if not isinstance(proof, dict):
        return ProofCheck(False, reason="the credential has no single proof object")
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        return ProofCheck(False, reason=f"the proof must be a DataIntegrityProof with cryptosuite {CRYPTOSUITE}")
    if proof.get("proofPurpose") != "assertionMethod":
        return ProofCheck(False, reason="the proof purpose must be assertionMethod")
    method = proof.get("verificationMethod")
    issuer = document.get("issuer")
    issuer_ref = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(method, str) or "#" not in method or not isinstance(issuer_ref, str):
        return ProofCheck(False, reason="the verification method must be <issuer id>#<key id>")
    controller, _, kid = method.partition("#")
    if controller != issuer_ref:
        return ProofCheck(False, key_id=kid[:16], reason="the verification method does not belong to the issuer")
    try:
        signature = multibase_decode(proof.get("proofValue", ""))
    except ValueError:
        return ProofCheck(False, key_id=kid[:16], reason="the proof value is not base58btc multibase")
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    if "@context" in options:
        # The document's contexts must begin with the proof's, in order; the proof's are then used.
        doc_ctx, proof_ctx = unsecured.get("@context"), options["@context"]
        if not isinstance(doc_ctx, list) or not isinstance(proof_ctx, list) or doc_ctx[: len(proof_ctx)] != proof_ctx:
            return ProofCheck(False, key_id=kid[:16], reason="the proof's @context does not match the document's")
        unsecured["@context"] = proof_ctx
    try:
        message = _hash_data(unsecured, options)
    except CanonicalisationError as exc:
        return ProofCheck(False, key_id=kid[:16], reason=f"the credential cannot be canonicalised: {exc}")
    if len(signature) != 64 or not signing.verify(kid, message, signature):
        return ProofCheck(False, key_id=kid[:16], reason="the signature does not verify under a current platform key")
    return ProofCheck(True, key_id=kid)


def proof_verify(document: Any) -> ProofCheck:
    """Verify the eddsa-jcs-2022 proof of a certificate credential signed by one of the platform's keys."""
    check = signature_verify(document)
    if not check.valid:
        return check
    kid = check.key_id
    subject = document.get("credentialSubject")
    number = subject.get("licenseNumber") if isinstance(subject, dict) else None
    if not isinstance(number, str):
        return ProofCheck(False, key_id=kid, reason="the credential names no certificate number")
    return ProofCheck(True, key_id=kid, number=number)


def issuer_profile(base_url: str) -> dict[str, Any]:
    """The issuer's profile with every public key that still verifies (Multikey), for outside verifiers."""

    issuer = issuer_id(base_url)
    methods = []
    for key in SigningKey.objects.exclude(status=SigningKeyStatus.RETIRED).order_by("created", "id"):
        methods.append(
            {
                "id": f"{issuer}#{key.kid}",
                "type": "Multikey",
                "controller": issuer,
                "publicKeyMultibase": multikey_ed25519(signing.b64url_decode(key.public_key)),
            }
        )
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT, "https://w3id.org/security/multikey/v1"],
        "id": issuer,
        "type": ["Profile"],
        "name": settings.CREDENTIAL_ISSUER_NAME,
        "url": base_url.rstrip("/") + "/verify/",
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }


def revocation_list(*, base_url: str) -> dict[str, Any]:
    """The signed list of revoked certificates issued in batches (their batch, position and date), so that
    a verifier holding a credential and its batch proof learns of a revocation without the registry."""
    rows = (
        Certificate.objects.filter(status=CertificateStatus.REVOKED, batch__isnull=False)
        .order_by("batch_id", "batch_index")
        .values_list("number", "batch__code", "batch_index", "revoked_on")
    )
    document = {
        "@context": [VC_CONTEXT],
        "type": ["VerifiableCredential", "CertificateRevocationList"],
        "issuer": {"id": issuer_id(base_url), "type": ["Profile"]},
        "validFrom": timezone.now().replace(microsecond=0).isoformat(),
        "credentialSubject": {
            "type": "CertificateRevocationList",
            "revoked": [
                {"number": n, "batch": b, "leafIndex": i, "revokedOn": d.isoformat() if d else None}
                for n, b, i, d in rows
            ],
        },
    }
    return proof_add(document)
