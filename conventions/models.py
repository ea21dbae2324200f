"""Sharing conventions between a camera owner (provider) and a consumer organisation, their immutable
versions, the chiefs' signatures and declared incidents."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cameras.models import Camera, CameraGroup
from conventions.querysets import (
    ConventionPartQuerySet,
    ConventionQuerySet,
    DeclaredIncidentQuerySet,
    SignatureQuerySet,
)
from zones.models import Municipality, Organisation


class Purpose(models.TextChoices):
    PUBLIC_ORDER = "public_order", _("Public order and events")
    INCIDENT_INTERVENTION = "incident_intervention", _("Incident intervention")
    CRIMINAL_INVESTIGATION = "criminal_investigation", _("Criminal investigation")
    TRAFFIC_MANAGEMENT = "traffic_management", _("Traffic management")
    CRISIS = "crisis", _("Crisis and disaster")
    MISSING_PERSON = "missing_person", _("Missing person")


class PurposeCategory(models.TextChoices):
    ADMINISTRATIVE = "administrative", _("Administrative police")
    JUDICIAL = "judicial", _("Judicial police")


# Which police a purpose belongs to: it decides how far back footage may be reached (policy.decide).
PURPOSE_CATEGORY = {
    Purpose.PUBLIC_ORDER: PurposeCategory.ADMINISTRATIVE,
    Purpose.INCIDENT_INTERVENTION: PurposeCategory.ADMINISTRATIVE,
    Purpose.CRIMINAL_INVESTIGATION: PurposeCategory.JUDICIAL,
    Purpose.TRAFFIC_MANAGEMENT: PurposeCategory.ADMINISTRATIVE,
    Purpose.CRISIS: PurposeCategory.ADMINISTRATIVE,
    Purpose.MISSING_PERSON: PurposeCategory.JUDICIAL,
}


class Mode(models.TextChoices):
    LIVE = "live", _("Live")
    PLAYBACK = "playback", _("Playback")
    EXPORT = "export", _("Export")
    PTZ = "ptz", _("PTZ control")


class RequestStatus(models.TextChoices):
    """Where a footage request stands (footage.models.FootageRequest.status); defined beside the policy, which
    decides what each state allows."""

    SUBMITTED = "submitted", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    BREAK_GLASS = "break_glass", _("Taken under break-glass")


class TimeCondition(models.TextChoices):
    ALWAYS = "always", _("Always")
    SCHEDULE = "schedule", _("On a schedule")
    INCIDENT = "incident", _("Only during a declared incident")


class Convention(models.Model):
    """The agreement between two organisations; its content lives in versions."""

    reference = models.CharField(_("reference"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=200)
    provider = models.ForeignKey(
        Organisation, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="conventions_provided"
    )
    consumer = models.ForeignKey(
        Organisation, verbose_name=_("consumer"), on_delete=models.PROTECT, related_name="conventions_consumed"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    suspended_at = models.DateTimeField(_("suspended"), null=True, blank=True)
    suspended_reason = models.CharField(_("reason for suspension"), max_length=500, blank=True)
    terminated_at = models.DateTimeField(_("terminated"), null=True, blank=True)
    terminated_reason = models.CharField(_("reason for termination"), max_length=500, blank=True)
    expired_at = models.DateTimeField(_("expired"), null=True, blank=True)

    objects = ConventionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("sharing convention")
        verbose_name_plural = _("sharing conventions")
        constraints = [
            models.CheckConstraint(condition=~models.Q(provider=models.F("consumer")), name="convention_two_parties")
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    @property
    def is_suspended(self):
        return self.suspended_at is not None and self.terminated_at is None


class ConventionVersion(models.Model):
    """One wording of a convention. Frozen as soon as it is proposed: amendments are new versions."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PROPOSED = "proposed", _("Proposed, awaiting the provider's signature")
        PROVIDER_SIGNED = "provider_signed", _("Signed by the provider, awaiting the consumer")
        SIGNED = "signed", _("Signed by both parties")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)

    # Scope: explicit cameras, groups and municipalities (none of them: all the provider's cameras), then kinds.
    cameras = models.ManyToManyField(Camera, verbose_name=_("cameras"), blank=True, related_name="+")
    groups = models.ManyToManyField(CameraGroup, verbose_name=_("camera groups"), blank=True, related_name="+")
    municipalities = models.ManyToManyField(
        Municipality, verbose_name=_("municipalities"), blank=True, related_name="+"
    )
    kinds = models.JSONField(_("camera kinds"), default=list, blank=True)

    purposes = models.JSONField(_("purposes"), default=list)
    modes = models.JSONField(_("access modes"), default=list)
    lookback_days = models.PositiveIntegerField(_("look-back limit for recorded footage (days)"), default=30)
    export_retention_days = models.PositiveIntegerField(_("retention of exported copies (days)"), default=30)
    time_condition = models.CharField(
        _("when"), max_length=16, choices=TimeCondition.choices, default=TimeCondition.ALWAYS
    )
    schedule = models.JSONField(
        _("schedule"),
        default=list,
        blank=True,
        help_text=_('Slots like {"days": [0, 1, 2, 3, 4], "start": "07:00", "end": "19:00"}; Monday is 0.'),
    )
    four_eyes_export = models.BooleanField(_("four-eyes approval for exports"), default=True)
    notify_owner_on_live = models.BooleanField(_("notify the owner when live viewing starts"), default=True)
    max_session_minutes = models.PositiveIntegerField(_("maximum live session (minutes)"), default=60)
    max_concurrent_viewers = models.PositiveIntegerField(_("maximum concurrent viewers"), default=4)
    emergency_allowed = models.BooleanField(_("break-glass allowed"), default=False)
    emergency_max_hours = models.PositiveIntegerField(_("break-glass maximum (hours)"), default=4)
    emergency_review_hours = models.PositiveIntegerField(_("break-glass review deadline (hours)"), default=24)
    legal_basis = models.TextField(_("legal basis"))
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)

    canonical_document = models.TextField(blank=True, editable=False)
    document_hash = models.CharField(_("document hash (SHA-256)"), max_length=64, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    proposed_at = models.DateTimeField(_("proposed"), null=True, blank=True)
    activated_at = models.DateTimeField(_("fully signed"), null=True, blank=True)

    objects = ConventionPartQuerySet.as_manager()

    class Meta:
        ordering = ["convention", "-number"]
        verbose_name = _("convention version")
        verbose_name_plural = _("convention versions")
        constraints = [models.UniqueConstraint(fields=["convention", "number"], name="version_unique_number")]

    def __str__(self):
        return f"{self.convention.reference} v{self.number}"

    # Once proposed, only the life-cycle fields may still move; the terms never do.
    LIFECYCLE_FIELDS = {"status", "activated_at"}

    def save(self, *args, **kwargs):
        if self.pk:
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            fields = kwargs.get("update_fields")
            frozen = stored is not None and stored != self.Status.DRAFT
            if frozen and (fields is None or set(fields) - self.LIFECYCLE_FIELDS):
                raise ValidationError(_("A proposed version cannot be changed; draft an amendment instead."))
        super().save(*args, **kwargs)

    @property
    def is_frozen(self):
        return self.status != self.Status.DRAFT

    def clean(self):
        if self.valid_until and self.valid_until <= self.valid_from:
            raise ValidationError({"valid_until": _("The end of validity must come after its start.")})
        unknown = set(self.purposes) - set(Purpose.values)
        if unknown or not self.purposes:
            raise ValidationError({"purposes": _("Choose at least one purpose from the list.")})
        if set(self.modes) - set(Mode.values) or not self.modes:
            raise ValidationError({"modes": _("Choose at least one access mode from the list.")})
        if set(self.kinds) - set(Camera.Kind.values):
            raise ValidationError({"kinds": _("Unknown camera kind.")})
        if self.time_condition == TimeCondition.SCHEDULE and not self.schedule:
            raise ValidationError({"schedule": _("A schedule needs at least one slot.")})

    def in_validity(self, at):
        return self.valid_from <= at and (self.valid_until is None or at < self.valid_until)


class SigningKey(models.Model):
    """A person's Ed25519 key pair; the private half is encrypted at rest, the public half is published."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signing_keys")
    public_key = models.CharField(_("public key (base64)"), max_length=64, unique=True)
    fingerprint = models.CharField(_("fingerprint (SHA-256)"), max_length=64, unique=True)
    private_key_encrypted = models.TextField(editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")

    def __str__(self):
        return f"{self.user} {self.fingerprint[:16]}"


class Signature(models.Model):
    class Party(models.TextChoices):
        PROVIDER = "provider", _("Provider")
        CONSUMER = "consumer", _("Consumer")

    version = models.ForeignKey(ConventionVersion, on_delete=models.PROTECT, related_name="signatures")
    party = models.CharField(_("party"), max_length=10, choices=Party.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer_name = models.CharField(_("signer"), max_length=200)
    key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="signatures")
    document_hash = models.CharField(max_length=64)
    signature = models.CharField(_("signature (base64)"), max_length=100)
    signed_at = models.DateTimeField(_("signed"), default=timezone.now)

    objects = SignatureQuerySet.as_manager()

    class Meta:
        ordering = ["signed_at"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [models.UniqueConstraint(fields=["version", "party"], name="one_signature_per_party")]

    def __str__(self):
        return f"{self.version} · {self.party} · {self.signer_name}"


class DeclaredIncident(models.Model):
    """A declared incident (demonstration, attack, disaster) during which incident-only conventions apply."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="incidents")
    title = models.CharField(_("title"), max_length=200)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    objects = DeclaredIncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("declared incident")
        verbose_name_plural = _("declared incidents")

    def __str__(self):
        return self.title

    def active_at(self, at):
        return self.started_at <= at and (self.ended_at is None or at < self.ended_at)


class PolicyGeneration(models.Model):
    """A token replaced on every change that can alter a decision: caches of compiled conventions are valid only
    for the token they were built at, so a suspension takes effect on the very next decision. A fresh random
    token rather than a counter: a rolled-back change must never hand its token to a later one."""

    name = models.CharField(max_length=20, unique=True)
    value = models.CharField(max_length=32, default="")

    def __str__(self):
        return f"{self.name}={self.value}"


class ConventionEvent(models.Model):
    """One step in a convention's life, with who took it and why: the history a party or a supervisor reads."""

    class Action(models.TextChoices):
        DRAFTED = "drafted", _("Drafted")
        AMENDED = "amended", _("Amendment drafted")
        PROPOSED = "proposed", _("Proposed")
        SIGNED_PROVIDER = "signed_provider", _("Signed by the provider")
        SIGNED_CONSUMER = "signed_consumer", _("Signed by the consumer")
        SUSPENDED = "suspended", _("Suspended")
        RESUMED = "resumed", _("Resumed")
        TERMINATED = "terminated", _("Terminated")
        EXPIRED = "expired", _("Expired")

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="events")
    version = models.ForeignKey(ConventionVersion, on_delete=models.CASCADE, null=True, related_name="events")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    actor_name = models.CharField(_("by"), max_length=200, blank=True)
    organisation_code = models.CharField(_("for"), max_length=16, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    objects = ConventionPartQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("convention event")
        verbose_name_plural = _("convention events")

    def __str__(self):
        return f"{self.convention.reference} {self.action} {self.at:%Y-%m-%d %H:%M}"
