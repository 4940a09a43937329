"""Certificates as signed Open Badges 3.0 / W3C verifiable credentials: structure, the eddsa-jcs-2022
proof checked independently of our own code path, tampering, rotation, and the verify endpoint."""

from __future__ import annotations

import copy
import datetime
import hashlib
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.cache import caches
from rest_framework.test import APIClient

from gongjiang.credentials import signing, vc
from gongjiang.credentials.jcs import canonicalize, multibase_decode, multibase_encode
from gongjiang.credentials.models import VerificationEvent
from gongjiang.credentials.services import certificate_revoke

BASE = "https://gongjiang.example.gov.cn"
ENDPOINT = "/api/verify/credential/"


@pytest.fixture(autouse=True)
def _fresh(db):  # type: ignore[no-untyped-def]
    caches["default"].clear()
    signing.clear_cache()


@pytest.fixture
def cert(make_person, make_org, make_certificate):  # type: ignore[no-untyped-def]
    org = make_org(kind="evaluation", name="苏州工业园区职业技能评价中心", region="320505")
    return make_certificate(make_person(name="孙三娘", region="320505"), issuer=org, level="level2", national_level=2)


@pytest.fixture
def credential(cert):  # type: ignore[no-untyped-def]
    return vc.credential_issue(cert, base_url=BASE)


def _check(document: dict) -> vc.ProofCheck:
    # Through JSON and back, as a verifier receives it.
    return vc.proof_verify(json.loads(json.dumps(document, ensure_ascii=False)))


def test_the_credential_is_an_open_badge_credential(cert, credential) -> None:  # type: ignore[no-untyped-def]
    doc = credential
    assert doc["@context"] == ["https://www.w3.org/ns/credentials/v2", vc.OB_CONTEXT]
    assert doc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert doc["id"].startswith("urn:uuid:")
    assert doc["issuer"]["id"] == BASE + "/verify/issuer/" and doc["issuer"]["type"] == ["Profile"]
    assert doc["validFrom"] == "2024-06-01T00:00:00+08:00"
    subject = doc["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"] and subject["licenseNumber"] == cert.number
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"] and achievement["humanCode"] == "6-31-01-03"
    assert cert.level.name in achievement["name"] and achievement["criteria"]["narrative"]
    assert achievement["creator"]["name"] == "苏州工业园区职业技能评价中心"
    # The holder is a salted hash of the name; neither name nor ID number is in clear.
    identity = subject["identifier"][0]
    assert identity["hashed"] is True and identity["identityType"] == "name"
    assert identity["identityHash"] == "sha256$" + hashlib.sha256(("孙三娘" + identity["salt"]).encode()).hexdigest()
    text = json.dumps(doc, ensure_ascii=False)
    assert "孙三娘" not in text and cert.person.id_number not in text
    proof = doc["proof"]
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-jcs-2022"
    assert proof["proofPurpose"] == "assertionMethod" and proof["proofValue"].startswith("z")
    assert proof["verificationMethod"] == f"{BASE}/verify/issuer/#{signing.active_signer().kid}"
    assert proof["@context"] == doc["@context"]


def test_the_proof_follows_eddsa_jcs_2022_step_by_step(credential) -> None:  # type: ignore[no-untyped-def]
    """Recompute the signed bytes from the specification with the published Multikey, not our verifier."""
    doc = copy.deepcopy(credential)
    proof = doc.pop("proof")
    signature = multibase_decode(proof.pop("proofValue"))
    hash_data = hashlib.sha256(canonicalize(proof)).digest() + hashlib.sha256(canonicalize(doc)).digest()
    profile = vc.issuer_profile(BASE)
    method = next(m for m in profile["verificationMethod"] if m["id"] == proof["verificationMethod"])
    raw = multibase_decode(method["publicKeyMultibase"])
    assert raw[:2] == b"\xed\x01" and len(raw) == 34
    Ed25519PublicKey.from_public_bytes(raw[2:]).verify(signature, hash_data)  # raises if wrong


def test_a_credential_verifies_whatever_its_formatting(credential) -> None:  # type: ignore[no-untyped-def]
    assert _check(credential).valid
    reordered = json.loads(json.dumps(credential, sort_keys=True, indent=3, ensure_ascii=True))
    reordered = dict(reversed(list(reordered.items())))
    check = _check(reordered)
    assert check.valid and check.number == credential["credentialSubject"]["licenseNumber"]


def _tamper(doc: dict, path: list, value) -> dict:  # type: ignore[no-untyped-def]
    out = copy.deepcopy(doc)
    target = out
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return out


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (["credentialSubject", "licenseNumber"], "S000032900001243000999"),
        (["credentialSubject", "achievement", "name"], "电工（高级技师）"),
        (["credentialSubject", "identifier", 0, "identityHash"], "sha256$" + "0" * 64),
        (["validFrom"], "2020-06-01T00:00:00+08:00"),
        (["issuer", "name"], "假冒的发证机构"),
        (["type"], ["VerifiableCredential", "OpenBadgeCredential", "Extra"]),
        (["credentialSubject", "extra"], "added"),
        (["id"], KeyError),
        (["proof", "created"], "2020-01-01T00:00:00Z"),
        (["proof", "proofPurpose"], "authentication"),
        (["proof", "cryptosuite"], "eddsa-rdfc-2022"),
        (["proof", "@context"], ["https://www.w3.org/ns/credentials/v2"]),
        (["@context"], ["https://www.w3.org/ns/credentials/v2", "https://example.org/other"]),
        (["proof", "proofValue"], "z" + "1" * 80),
        (["proof", "proofValue"], "not-multibase"),
        (["proof", "verificationMethod"], BASE + "/verify/issuer/#00000000"),
        (["proof", "verificationMethod"], "https://evil.example/issuer/#abc"),
        (["proof"], KeyError),
    ],
)
def test_any_tampering_is_detected(credential, path, value) -> None:  # type: ignore[no-untyped-def]
    check = _check(_tamper(credential, path, value))
    assert not check.valid and check.reason and check.number == ""


def test_a_credential_signed_by_another_key_with_our_key_id_fails(credential) -> None:  # type: ignore[no-untyped-def]
    doc = copy.deepcopy(credential)
    proof = doc.pop("proof")
    proof.pop("proofValue")
    stranger = Ed25519PrivateKey.generate()
    data = hashlib.sha256(canonicalize(proof)).digest() + hashlib.sha256(canonicalize(doc)).digest()
    doc["proof"] = {**proof, "proofValue": multibase_encode(stranger.sign(data))}
    assert not _check(doc).valid


def test_rotation_keeps_credentials_verifying_until_retired(credential, cert) -> None:  # type: ignore[no-untyped-def]
    old_kid = credential["proof"]["verificationMethod"].rsplit("#", 1)[1]
    signing.signing_key_rotate()
    fresh = vc.credential_issue(cert, base_url=BASE)
    assert fresh["proof"]["verificationMethod"].rsplit("#", 1)[1] != old_kid
    assert _check(credential).valid and _check(fresh).valid
    assert len(vc.issuer_profile(BASE)["verificationMethod"]) == 2
    signing.signing_key_retire(kid=old_kid)
    assert not _check(credential).valid and _check(fresh).valid
    assert old_kid not in {m["id"].rsplit("#", 1)[1] for m in vc.issuer_profile(BASE)["verificationMethod"]}


# ---------------------------------------------------------------------------------------------
# The verify endpoint
# ---------------------------------------------------------------------------------------------


def _post(document) -> dict:  # type: ignore[no-untyped-def]
    body = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)
    response = APIClient().post(ENDPOINT, body, content_type="application/json")
    return {"status": response.status_code, **response.json()}


def test_endpoint_answers_signature_and_current_status(credential, cert) -> None:  # type: ignore[no-untyped-def]
    answer = _post(credential)
    assert answer["status"] == 200 and answer["result"] == "valid"
    assert answer["signature"]["valid"] is True and answer["signature"]["cryptosuite"] == "eddsa-jcs-2022"
    assert answer["certificate"]["number"] == cert.number
    assert answer["certificate"]["holder_name_masked"] == "孙*娘"

    certificate_revoke(actor=None, certificate=cert, revoked_on=datetime.date(2025, 5, 6), reason="复核不合格")
    answer = _post(credential)
    assert answer["result"] == "revoked" and answer["signature"]["valid"] is True
    assert answer["certificate"]["revoked_on"] == "2025-05-06"

    tampered = _tamper(credential, ["credentialSubject", "achievement", "name"], "电工（高级技师）")
    answer = _post(tampered)
    assert answer["status"] == 200 and answer["result"] == "bad_signature"
    assert answer["signature"]["valid"] is False and "certificate" not in answer

    methods = list(VerificationEvent.objects.order_by("id").values_list("method", "outcome"))
    assert methods == [("credential", "valid"), ("credential", "revoked"), ("credential", "bad_signature")]


def test_endpoint_refuses_ambiguous_or_malformed_json(credential) -> None:  # type: ignore[no-untyped-def]
    text = json.dumps(credential, ensure_ascii=False)
    # A duplicate member could make the verifier and a later reader see different values.
    duplicated = text[:-1] + ', "validFrom": "2019-01-01T00:00:00Z"}'
    assert _post(duplicated)["status"] == 400
    assert _post("{not json")["status"] == 400
    assert _post("[1, 2]")["result"] == "bad_signature"
    huge = json.dumps({**credential, "padding": "x" * (vc.MAX_DOCUMENT_BYTES + 1)})
    assert _post(huge)["status"] == 400


def test_endpoint_is_rate_limited(credential, settings, rate_clock) -> None:  # type: ignore[no-untyped-def]
    settings.VERIFY_RATE_LIMIT = 1
    api = APIClient()
    assert api.post(ENDPOINT, credential, format="json").status_code == 200
    response = api.post(ENDPOINT, credential, format="json")
    assert response.status_code == 429 and response["Retry-After"].isdigit()


def test_issuer_profile_is_public(client, credential) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/verify/issuer/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/ld+json")
    profile = response.json()
    assert profile["id"] == "http://testserver/verify/issuer/"
    assert all(
        m["type"] == "Multikey" and m["publicKeyMultibase"].startswith("z6Mk") for m in profile["verificationMethod"]
    )
