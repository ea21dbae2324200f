"""Ed25519 signatures of convention versions: what verifies, what is detected, who may sign and when."""

import base64
import hashlib
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from conventions import services, signing
from conventions.models import Convention, ConventionVersion, Signature, SigningKey
from tests.factories import CameraFactory, MembershipFactory, OrganisationFactory
from zones.models import Membership
from zones.tenancy import actor_for

pytestmark = pytest.mark.django_db


def person(organisation, role):
    return actor_for(MembershipFactory(organisation=organisation, role=role).user, organisation.pk)


def raw_public(key):
    return base64.b64decode(key.public_key)


def fresh_public_key():
    public = Ed25519PrivateKey.generate().public_key()
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@pytest.fixture
def signed(parties, make_convention):
    """A version signed by both chiefs, over one explicit camera."""
    provider, consumer, provider_chief, consumer_chief = parties
    camera = CameraFactory(owner=provider)
    convention = make_convention(provider_chief, consumer, consumer_chief=consumer_chief, cameras=[camera])
    return convention.versions.get()


def problems(version):
    version = ConventionVersion.objects.select_related("convention").get(pk=version.pk)
    return signing.verify_version(version)


def test_a_fully_signed_version_verifies(signed):
    assert signed.status == ConventionVersion.Status.SIGNED
    assert problems(signed) == []
    assert signed.signatures.count() == 2
    for signature in signed.signatures.select_related("key"):
        public = Ed25519PublicKey.from_public_bytes(raw_public(signature.key))
        public.verify(base64.b64decode(signature.signature), signed.canonical_document.encode("utf-8"))
        assert signature.document_hash == signed.document_hash


def test_a_provider_signed_version_verifies_too(parties, make_convention):
    provider, consumer, provider_chief, _ = parties
    version = make_convention(provider_chief, consumer, sign="provider").versions.get()
    assert problems(version) == []


def test_the_canonical_document_is_sorted_compact_utf8_and_its_hash_is_recorded(signed):
    document = signed.canonical_document
    parsed = json.loads(document)
    assert json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False) == document
    assert signed.document_hash == hashlib.sha256(document.encode("utf-8")).hexdigest()
    assert signing.canonical_document(signed) == document.encode("utf-8")
    assert parsed["convention"]["reference"] == signed.convention.reference
    assert parsed["valid_from"].endswith("Z") and parsed["version"] == 1


def test_non_ascii_text_is_signed_as_utf8(parties, make_convention):
    provider, consumer, provider_chief, _ = parties
    version = make_convention(
        provider_chief, consumer, legal_basis="Loi caméras, art. 9 — « zone à risque » ; Camerawet art. 9"
    ).versions.get()
    assert "« zone à risque »" in version.canonical_document
    assert problems(version) == []


# -- tampering -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_one_changed_byte_in_the_stored_document_is_detected(signed, where):
    document = bytearray(signed.canonical_document.encode("utf-8"))
    positions = [i for i, byte in enumerate(document) if chr(byte).isalnum()]
    position = {"first": positions[0], "middle": positions[len(positions) // 2], "last": positions[-1]}[where]
    document[position] = ord("X") if document[position] != ord("X") else ord("Y")
    ConventionVersion.objects.filter(pk=signed.pk).update(canonical_document=document.decode("utf-8"))
    found = problems(signed)
    assert found, "a changed byte in the signed document went unnoticed"
    assert any("hash" in p or "document" in p for p in found), found


TAMPERED_FIELDS = [
    ("lookback_days", 3650),
    ("legal_basis", "Nothing at all."),
    ("purposes", ["public_order", "criminal_investigation", "traffic_management"]),
    ("modes", ["live", "playback", "export", "ptz"]),
    ("emergency_allowed", True),
    ("four_eyes_export", False),
    ("kinds", ["ptz"]),
    ("time_condition", "incident"),
]


@pytest.mark.parametrize(("field", "value"), TAMPERED_FIELDS, ids=[name for name, _ in TAMPERED_FIELDS])
def test_a_field_changed_in_the_database_after_signing_is_detected(signed, field, value):
    ConventionVersion.objects.filter(pk=signed.pk).update(**{field: value})  # bypasses the freeze in save()
    found = problems(signed)
    assert found, f"a changed {field} went unnoticed"
    assert not any("was not chief" in p or "fingerprint" in p for p in found), found


def test_validity_moved_in_the_database_is_detected(signed):
    ConventionVersion.objects.filter(pk=signed.pk).update(valid_until=timezone.now())
    assert problems(signed)


def test_a_camera_slipped_into_the_scope_behind_the_services_is_detected(signed):
    extra = CameraFactory(owner=signed.convention.provider)
    ConventionVersion.cameras.through.objects.create(conventionversion_id=signed.pk, camera_id=extra.pk)
    assert problems(signed)


def test_a_renamed_convention_title_is_detected(signed):
    Convention.objects.filter(pk=signed.convention_id).update(title="Something else")
    assert problems(signed)


def test_a_forged_hash_and_document_still_fail_the_signatures(signed):
    """Rewrite the version, its stored document and its recorded hash consistently: only the signatures catch it."""
    ConventionVersion.objects.filter(pk=signed.pk).update(lookback_days=3650)
    version = ConventionVersion.objects.select_related("convention").get(pk=signed.pk)
    document = signing.canonical_document(version)
    ConventionVersion.objects.filter(pk=signed.pk).update(
        canonical_document=document.decode("utf-8"), document_hash=signing.document_hash(document)
    )
    found = problems(signed)
    assert not any(p.startswith("document hash mismatch") for p in found)
    assert sum("does not verify" in p for p in found) == 2, found


@pytest.mark.parametrize("fingerprint", ["kept", "replaced"])
@pytest.mark.parametrize("party", ["provider", "consumer"])
def test_a_swapped_public_key_is_detected(signed, party, fingerprint):
    signature = signed.signatures.select_related("key").get(party=party)
    other = fresh_public_key()
    update = {"public_key": base64.b64encode(other).decode()}
    if fingerprint == "replaced":
        update["fingerprint"] = hashlib.sha256(other).hexdigest()
    SigningKey.objects.filter(pk=signature.key_id).update(**update)
    found = problems(signed)
    assert any(p.startswith(f"{party} signature") and "does not verify" in p for p in found), found
    mismatch = any(
        p.startswith(f"{party} signature") and "does not match its published fingerprint" in p for p in found
    )
    assert mismatch is (fingerprint == "kept")


def test_a_public_key_swapped_for_another_signers_key_is_detected(signed):
    provider_signature = signed.signatures.get(party="provider")
    consumer_signature = signed.signatures.select_related("key").get(party="consumer")
    # The provider's signature now points at the consumer chief's (valid, published) key.
    Signature.objects.filter(pk=provider_signature.pk).update(key=consumer_signature.key)
    found = problems(signed)
    assert any(p.startswith("provider signature") and "does not belong to the signer" in p for p in found), found
    assert any(p.startswith("provider signature") and "does not verify" in p for p in found), found


def test_a_signature_forged_by_a_non_chief_is_reported(parties, make_convention):
    provider, consumer, provider_chief, _ = parties
    version = make_convention(provider_chief, consumer, sign="provider").versions.get()
    clerk = person(consumer, "operator")
    key = signing.key_for(clerk.user)
    document = version.canonical_document.encode("utf-8")
    Signature.objects.create(
        version=version,
        party=Signature.Party.CONSUMER,
        organisation=consumer,
        signer=clerk.user,
        signer_name=str(clerk.user),
        key=key,
        document_hash=version.document_hash,
        signature=signing.sign_bytes(key, document),
    )
    found = problems(version)
    assert found == [f"consumer signature by {clerk.user}: the signer was not chief of {consumer.pk} when signing"]


def test_a_signature_replaced_by_a_non_chief_on_a_signed_version_is_reported(signed):
    consumer = signed.convention.consumer
    Signature.objects.filter(version=signed, party="consumer").delete()
    dpo = person(consumer, "dpo")
    key = signing.key_for(dpo.user)
    Signature.objects.create(
        version=signed, party="consumer", organisation=consumer, signer=dpo.user, signer_name=str(dpo.user), key=key,
        document_hash=signed.document_hash, signature=signing.sign_bytes(key, signed.canonical_document.encode()),
    )  # fmt: skip
    assert any("was not chief" in p for p in problems(signed))


def test_a_signature_by_a_chief_whose_role_was_withdrawn_before_signing_is_reported(signed):
    signature = signed.signatures.get(party="provider")
    Membership.objects.filter(user_id=signature.signer_id, role="chief").update(
        is_active=False, disabled_at=signature.signed_at
    )
    assert any(p.startswith("provider signature") and "was not chief" in p for p in problems(signed))


def test_a_signature_for_the_wrong_organisation_is_reported(signed):
    Signature.objects.filter(version=signed, party="consumer").update(organisation=OrganisationFactory())
    found = problems(signed)
    assert any(p.startswith("consumer signature") and "wrong organisation" in p for p in found), found


def test_a_signed_version_whose_signature_was_removed_does_not_verify(signed):
    """A version recorded as signed by both parties, with the consumer's signature gone, is not verified."""
    Signature.objects.filter(version=signed, party="consumer").delete()
    assert signed.status == ConventionVersion.Status.SIGNED
    assert problems(signed) != []


# -- who signs, and when ---------------------------------------------------------------------------------------


@pytest.fixture
def proposed(parties, make_convention):
    provider, consumer, provider_chief, _ = parties
    return make_convention(provider_chief, consumer, sign="none").versions.get()


def test_signing_without_step_up_is_refused(parties, proposed):
    _, _, provider_chief, _ = parties
    with pytest.raises(PermissionDenied):
        services.version_sign(actor=provider_chief, version=proposed, recent_second_factor=False)
    proposed.refresh_from_db()
    assert proposed.status == ConventionVersion.Status.PROPOSED
    assert not proposed.signatures.exists()
    assert not SigningKey.objects.filter(user=provider_chief.user).exists()


def test_the_consumer_chief_cannot_sign_before_the_provider(parties, proposed):
    _, _, _, consumer_chief = parties
    with pytest.raises(PermissionDenied):
        services.version_sign(actor=consumer_chief, version=proposed, recent_second_factor=True)
    proposed.refresh_from_db()
    assert proposed.status == ConventionVersion.Status.PROPOSED and not proposed.signatures.exists()


NON_CHIEFS = ["operator", "approver", "dpo", "mayor", "platform_admin", "supervisor"]


@pytest.mark.parametrize("role", NON_CHIEFS)
@pytest.mark.parametrize("side", ["provider", "consumer"])
def test_a_non_chief_cannot_sign(parties, make_convention, side, role):
    provider, consumer, provider_chief, _ = parties
    version = make_convention(provider_chief, consumer, sign="none" if side == "provider" else "provider")
    version = version.versions.get()
    status = version.status
    with pytest.raises(PermissionDenied):
        services.version_sign(
            actor=person(provider if side == "provider" else consumer, role), version=version, recent_second_factor=True
        )
    version.refresh_from_db()
    assert version.status == status


def test_the_provider_chief_cannot_sign_for_the_consumer(parties, make_convention):
    provider, consumer, provider_chief, _ = parties
    version = make_convention(provider_chief, consumer, sign="provider").versions.get()
    with pytest.raises(PermissionDenied):
        services.version_sign(actor=provider_chief, version=version, recent_second_factor=True)


def test_a_chief_of_a_third_organisation_cannot_sign(parties, proposed):
    with pytest.raises(PermissionDenied):
        services.version_sign(actor=person(OrganisationFactory(), "chief"), version=proposed, recent_second_factor=True)


@pytest.mark.parametrize("sign", ["draft", "both"])
def test_only_a_version_waiting_for_a_signature_can_be_signed(parties, make_convention, sign):
    provider, consumer, provider_chief, consumer_chief = parties
    version = make_convention(provider_chief, consumer, consumer_chief=consumer_chief, sign=sign).versions.get()
    with pytest.raises(ValidationError):
        services.version_sign(actor=provider_chief, version=version, recent_second_factor=True)


def test_a_version_changed_behind_the_services_after_proposal_cannot_be_signed(parties, proposed):
    _, _, provider_chief, _ = parties
    ConventionVersion.objects.filter(pk=proposed.pk).update(lookback_days=3650)
    with pytest.raises(ValidationError):
        services.version_sign(actor=provider_chief, version=proposed, recent_second_factor=True)
    assert not proposed.signatures.exists()


# -- keys ------------------------------------------------------------------------------------------------------


def test_the_private_key_is_stored_encrypted_and_the_fingerprint_is_the_sha256_of_the_public_key(parties):
    _, _, provider_chief, _ = parties
    key = signing.key_for(provider_chief.user)
    assert signing.key_for(provider_chief.user).pk == key.pk  # one current key per person
    stored = SigningKey.objects.get(pk=key.pk)
    raw_private = signing.BOX.decrypt(stored.private_key_encrypted)
    assert len(raw_private) == 32
    private = Ed25519PrivateKey.from_private_bytes(raw_private)
    derived = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert derived == raw_public(stored)
    text = stored.private_key_encrypted
    for encoding in (
        base64.b64encode(raw_private).decode(),
        base64.urlsafe_b64encode(raw_private).decode(),
        base64.b64encode(raw_private).decode().rstrip("="),
        raw_private.hex(),
        raw_private.decode("latin-1"),
    ):
        assert encoding not in text
    assert raw_private not in text.encode("utf-8", "surrogateescape")
    assert stored.fingerprint == hashlib.sha256(raw_public(stored)).hexdigest()
    assert stored.public_key not in text


def test_signature_rows_name_the_key_the_signer_and_the_organisation(signed):
    convention = signed.convention
    by_party = {s.party: s for s in signed.signatures.select_related("key")}
    assert by_party["provider"].organisation_id == convention.provider_id
    assert by_party["consumer"].organisation_id == convention.consumer_id
    for signature in by_party.values():
        assert signature.key.user_id == signature.signer_id
        assert signature.signer_name == str(signature.signer)
    assert by_party["provider"].signed_at <= by_party["consumer"].signed_at


def test_a_revoked_key_is_replaced_on_the_next_signature(parties, make_convention):
    provider, consumer, provider_chief, consumer_chief = parties
    old = signing.key_for(provider_chief.user)
    SigningKey.objects.filter(pk=old.pk).update(revoked_at=timezone.now())
    version = make_convention(provider_chief, consumer, consumer_chief=consumer_chief).versions.get()
    key = version.signatures.get(party="provider").key
    assert key.pk != old.pk and key.revoked_at is None
    assert problems(version) == []
