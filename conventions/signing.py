"""Canonical documents and Ed25519 signatures of convention versions.

The canonical document of a version is JSON with sorted keys, UTF-8, no insignificant whitespace; its SHA-256
is recorded when the version is proposed, and each chief signs the document bytes with their own key. Anyone
holding the published public keys can check a signed version (`manage.py verify_convention ID`).
"""

import base64
import hashlib
import json
from datetime import UTC

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.db import transaction

from common.encryption import SecretBox
from conventions.models import Signature, SigningKey
from zones.models import Membership, Role

__all__ = ["canonical_document", "document_hash", "key_for", "sign_bytes", "verify_version"]

BOX = SecretBox("signing-keys")


def _utc(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def canonical_document(version):
    """The exact bytes both chiefs sign."""
    convention = version.convention
    document = {
        "convention": {"reference": convention.reference, "title": convention.title},
        "version": version.number,
        "provider": {"code": convention.provider.code, "name_fr": convention.provider.name_fr,
                     "name_nl": convention.provider.name_nl},
        "consumer": {"code": convention.consumer.code, "name_fr": convention.consumer.name_fr,
                     "name_nl": convention.consumer.name_nl},
        "scope": {
            "cameras": sorted([c.pk, c.name] for c in version.cameras.all()),
            "groups": sorted([g.pk, g.name] for g in version.groups.all()),
            "municipalities": sorted(m.nis_code for m in version.municipalities.all()),
            "kinds": sorted(version.kinds),
        },
        "purposes": sorted(version.purposes),
        "modes": sorted(version.modes),
        "lookback_days": version.lookback_days,
        "export_retention_days": version.export_retention_days,
        "time_condition": version.time_condition,
        "schedule": version.schedule,
        "conditions": {
            "four_eyes_export": version.four_eyes_export,
            "notify_owner_on_live": version.notify_owner_on_live,
            "max_session_minutes": version.max_session_minutes,
            "max_concurrent_viewers": version.max_concurrent_viewers,
        },
        "emergency": {
            "allowed": version.emergency_allowed,
            "max_hours": version.emergency_max_hours,
            "review_hours": version.emergency_review_hours,
        },
        "legal_basis": version.legal_basis,
        "valid_from": _utc(version.valid_from),
        "valid_until": _utc(version.valid_until),
    }  # fmt: skip
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def binding_terms(document: bytes) -> dict:
    """What a document binds the parties to, without the labels the catalogue may rename later (names of
    organisations, cameras and groups): the current version is compared with the signed document on these."""
    terms = json.loads(document)
    for party in ("provider", "consumer"):
        terms[party] = {"code": terms[party]["code"]}
    terms["scope"]["cameras"] = [pk for pk, _name in terms["scope"]["cameras"]]
    terms["scope"]["groups"] = [pk for pk, _name in terms["scope"]["groups"]]
    return terms


def same_terms(version):
    """True if the version in the database still says what its proposed document says."""
    return binding_terms(version.canonical_document.encode("utf-8")) == binding_terms(canonical_document(version))


def document_hash(document: bytes) -> str:
    return hashlib.sha256(document).hexdigest()


def _fingerprint(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()


@transaction.atomic
def key_for(user):
    """The person's current signing key, created on first use."""
    key = SigningKey.objects.filter(user=user, revoked_at__isnull=True).first()
    if key:
        return key
    private = Ed25519PrivateKey.generate()
    raw_private = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    raw_public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return SigningKey.objects.create(
        user=user,
        public_key=base64.b64encode(raw_public).decode(),
        fingerprint=_fingerprint(raw_public),
        private_key_encrypted=BOX.encrypt(raw_private),
    )


def sign_bytes(key, data: bytes) -> str:
    private = Ed25519PrivateKey.from_private_bytes(BOX.decrypt(key.private_key_encrypted))
    return base64.b64encode(private.sign(data)).decode()


def _was_chief(signature):
    """The signer held the chief's role in the signing organisation at the moment of signing."""
    return (
        Membership.objects.filter(
            user_id=signature.signer_id,
            organisation_id=signature.organisation_id,
            role=Role.CHIEF,
            created_at__lte=signature.signed_at,
        )
        .exclude(disabled_at__lte=signature.signed_at)
        .exists()
    )


def verify_version(version):
    """Every problem found with a proposed or signed version (an empty list means it verifies)."""
    problems = []
    document = version.canonical_document.encode("utf-8")
    digest = document_hash(document)
    if version.document_hash != digest:
        problems.append(f"document hash mismatch: recorded {version.document_hash}, stored document hashes to {digest}")
    elif not same_terms(version):
        problems.append("the version's terms in the database differ from the signed document")
    convention = version.convention
    present = set(version.signatures.values_list("party", flat=True))
    required = {
        "provider_signed": {Signature.Party.PROVIDER},
        "signed": {Signature.Party.PROVIDER, Signature.Party.CONSUMER},
    }.get(version.status, set())
    for party in sorted(required - present):
        problems.append(f"the {party}'s signature is missing although the version is marked {version.status}")
    expected = {Signature.Party.PROVIDER: convention.provider_id, Signature.Party.CONSUMER: convention.consumer_id}
    for signature in version.signatures.select_related("key"):
        label = f"{signature.party} signature by {signature.signer_name}"
        if signature.organisation_id != expected[signature.party]:
            problems.append(f"{label}: signed for the wrong organisation")
        if signature.key.user_id != signature.signer_id:
            problems.append(f"{label}: the key does not belong to the signer")
        if signature.key.fingerprint != _fingerprint(base64.b64decode(signature.key.public_key)):
            problems.append(f"{label}: the public key does not match its published fingerprint")
        if signature.document_hash != version.document_hash:
            problems.append(f"{label}: signed another document (hash {signature.document_hash})")
        try:
            public = Ed25519PublicKey.from_public_bytes(base64.b64decode(signature.key.public_key))
            public.verify(base64.b64decode(signature.signature), document)
        except (InvalidSignature, ValueError):
            problems.append(f"{label}: the signature does not verify with key {signature.key.fingerprint[:16]}")
        if not _was_chief(signature):
            problems.append(f"{label}: the signer was not chief of {signature.organisation_id} when signing")
    return problems
