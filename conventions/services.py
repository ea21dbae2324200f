"""Writes on conventions: drafting, amending, proposing, signing, suspending, resuming, terminating, expiring.

Keyword-only and atomic. Every transition writes a ConventionEvent (actor and reason) and runs under
auditlog's actor, so the change log names the person in API and Celery work too.
"""

import uuid

from auditlog.context import set_actor
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conventions.models import Convention, ConventionEvent, ConventionVersion, Signature
from conventions.policy import convention_action_refusal, draft_refusal
from conventions.scope import in_force
from conventions.signing import canonical_document, document_hash, key_for, same_terms, sign_bytes

__all__ = [
    "SCOPE_FIELDS",
    "convention_create",
    "convention_expire_due",
    "convention_resume",
    "convention_suspend",
    "convention_terminate",
    "version_amend",
    "version_propose",
    "version_sign",
    "version_update",
]

SCOPE_FIELDS = ("cameras", "groups", "municipalities")
VERSION_FIELDS = (
    "kinds", "purposes", "modes", "lookback_days", "export_retention_days", "time_condition", "schedule",
    "four_eyes_export", "notify_owner_on_live", "max_session_minutes", "max_concurrent_viewers",
    "emergency_allowed", "emergency_max_hours", "emergency_review_hours", "legal_basis", "valid_from", "valid_until",
)  # fmt: skip


def _event(convention, action, actor, version=None, reason=""):
    user = getattr(actor, "user", None)
    ConventionEvent.objects.create(
        convention=convention,
        version=version,
        action=action,
        actor=user,
        actor_name=str(user) if user else "",
        organisation_code=actor.organisation.code if actor else "",
        reason=reason,
    )


def _require(refusal):
    """Raise what the policy refused (PermissionDenied or ValidationError), if it did."""
    if refusal is not None:
        raise refusal


def _seconds(moment):
    return moment.replace(microsecond=0) if moment else moment


def _apply(version, fields, scope):
    for name, value in fields.items():
        if name not in VERSION_FIELDS:
            raise ValidationError(f"unknown field {name}")
        if name in {"valid_from", "valid_until"}:
            value = _seconds(value)
        setattr(version, name, value)
    version.full_clean(exclude=["convention", "created_by", "number"])
    version.save()
    provider = version.convention.provider_id
    for name, objects in scope.items():
        if objects is None:
            continue
        foreign = [o for o in objects if getattr(o, "owner_id", provider) != provider]
        if foreign:
            raise ValidationError(_("A convention shares only the provider's own cameras and groups."))
        getattr(version, name).set(objects)


def _assign_reference(convention):
    """CONV-<year>-<id>: unique by construction, even when two chiefs draft at the same moment."""
    convention.reference = f"CONV-{convention.created_at:%Y}-{convention.pk:04d}"
    convention.save(update_fields=["reference"])


@transaction.atomic
def convention_create(*, actor, consumer, title, cameras=None, groups=None, municipalities=None, **fields):
    """The provider's chief drafts a convention offering their cameras to a consumer."""
    _require(draft_refusal(actor, consumer))
    with set_actor(actor.user):
        convention = Convention.objects.create(
            reference=f"DRAFT-{uuid.uuid4().hex[:20]}", title=title, provider=actor.organisation, consumer=consumer,
            created_by=actor.user,
        )  # fmt: skip
        _assign_reference(convention)
        version = ConventionVersion(convention=convention, number=1, created_by=actor.user)
        _apply(version, fields, {"cameras": cameras, "groups": groups, "municipalities": municipalities})
        _event(convention, ConventionEvent.Action.DRAFTED, actor, version)
    return convention


@transaction.atomic
def version_update(*, actor, version, cameras=None, groups=None, municipalities=None, **fields):
    _require(convention_action_refusal(actor, version.convention, "edit", version=version))
    with set_actor(actor.user):
        _apply(version, fields, {"cameras": cameras, "groups": groups, "municipalities": municipalities})
    return version


@transaction.atomic
def version_amend(*, actor, convention):
    """A new draft version copied from the latest one; the version in force stays in force meanwhile."""
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    _require(convention_action_refusal(actor, convention, "amend"))
    latest = convention.versions.order_by("-number").first()
    with set_actor(actor.user):
        amendment = ConventionVersion(convention=convention, number=latest.number + 1, created_by=actor.user)
        fields = {name: getattr(latest, name) for name in VERSION_FIELDS}
        scope = {name: list(getattr(latest, name).all()) for name in SCOPE_FIELDS}
        _apply(amendment, fields, scope)
        _event(convention, ConventionEvent.Action.AMENDED, actor, amendment)
    return amendment


@transaction.atomic
def version_propose(*, actor, version):
    """Freeze the draft: its canonical document and hash are recorded and it can no longer change."""
    version = ConventionVersion.objects.select_for_update().select_related("convention").get(pk=version.pk)
    _require(convention_action_refusal(actor, version.convention, "propose", version=version))
    document = canonical_document(version)
    with set_actor(actor.user):
        version.canonical_document = document.decode("utf-8")
        version.document_hash = document_hash(document)
        version.status = ConventionVersion.Status.PROPOSED
        version.proposed_at = timezone.now()
        version.save(update_fields=["canonical_document", "document_hash", "status", "proposed_at"])
        _event(version.convention, ConventionEvent.Action.PROPOSED, actor, version)
    return version


@transaction.atomic
def version_sign(*, actor, version, recent_second_factor):
    """The provider's chief signs first, then the consumer's chief; both need a fresh second factor."""
    if not recent_second_factor:
        raise PermissionDenied(_("Signing needs a code from your authenticator given in the last five minutes."))
    version = ConventionVersion.objects.select_for_update().select_related("convention").get(pk=version.pk)
    convention = version.convention
    _require(convention_action_refusal(actor, convention, "sign", version=version))
    if version.status == ConventionVersion.Status.PROPOSED:
        party, organisation, next_status = Signature.Party.PROVIDER, convention.provider, "provider_signed"
        action = ConventionEvent.Action.SIGNED_PROVIDER
    else:
        party, organisation, next_status = Signature.Party.CONSUMER, convention.consumer, "signed"
        action = ConventionEvent.Action.SIGNED_CONSUMER
    document = version.canonical_document.encode("utf-8")
    if document_hash(document) != version.document_hash or not same_terms(version):
        raise ValidationError(_("The version no longer matches the proposed document; it cannot be signed."))
    key = key_for(actor.user)
    with set_actor(actor.user):
        Signature.objects.create(
            version=version,
            party=party,
            organisation=organisation,
            signer=actor.user,
            signer_name=str(actor.user),
            key=key,
            document_hash=version.document_hash,
            signature=sign_bytes(key, document),
        )
        version.status = next_status
        fields = ["status"]
        if next_status == ConventionVersion.Status.SIGNED:
            version.activated_at = timezone.now()
            fields.append("activated_at")
        version.save(update_fields=fields)
        _event(convention, action, actor, version)
    return version


def _reason(reason):
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError(_("Give the reason in a few words."))
    return reason


@transaction.atomic
def convention_suspend(*, actor, convention, reason):
    """The provider's chief suspends at once; live sessions under it are cut (see the live-video issue)."""
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    _require(convention_action_refusal(actor, convention, "suspend"))
    with set_actor(actor.user):
        convention.suspended_at = timezone.now()
        convention.suspended_reason = _reason(reason)
        convention.save(update_fields=["suspended_at", "suspended_reason"])
        _event(convention, ConventionEvent.Action.SUSPENDED, actor, reason=convention.suspended_reason)
    return convention


@transaction.atomic
def convention_resume(*, actor, convention, reason):
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    _require(convention_action_refusal(actor, convention, "resume"))
    with set_actor(actor.user):
        reason = _reason(reason)
        convention.suspended_at = None
        convention.suspended_reason = ""
        convention.save(update_fields=["suspended_at", "suspended_reason"])
        _event(convention, ConventionEvent.Action.RESUMED, actor, reason=reason)
    return convention


@transaction.atomic
def convention_terminate(*, actor, convention, reason):
    """Either party's chief ends the convention for good."""
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    _require(convention_action_refusal(actor, convention, "terminate"))
    with set_actor(actor.user):
        convention.terminated_at = timezone.now()
        convention.terminated_reason = _reason(reason)
        convention.save(update_fields=["terminated_at", "terminated_reason"])
        _event(convention, ConventionEvent.Action.TERMINATED, actor, reason=convention.terminated_reason)
    return convention


@transaction.atomic
def convention_expire_due(*, at=None):
    """Record the expiry of conventions whose last signed version has ended (periodic; idempotent)."""
    at = at or timezone.now()
    expired = 0
    candidates = Convention.objects.filter(terminated_at__isnull=True, expired_at__isnull=True).prefetch_related(
        "versions"
    )
    for convention in candidates:
        signed = [v for v in convention.versions.all() if v.status == ConventionVersion.Status.SIGNED]
        if not signed or in_force(signed, at) is not None:
            continue
        if any(v.valid_from > at for v in signed):
            continue  # a later version starts in the future: not expired, only waiting
        convention.expired_at = at
        convention.save(update_fields=["expired_at"])
        ConventionEvent.objects.create(convention=convention, action=ConventionEvent.Action.EXPIRED)
        expired += 1
    return expired
