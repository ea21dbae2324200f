"""Sharing conventions between a camera owner (provider) and a consumer organisation, their immutable
versions, the chiefs' signatures and declared incidents."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cameras.models import Camera, CameraGroup
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

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("convention event")
        verbose_name_plural = _("convention events")

    def __str__(self):
        return f"{self.convention.reference} {self.action} {self.at:%Y-%m-%d %H:%M}"


class LiveSession(models.Model):
    """One person watching one camera live, for one purpose, under one decision. The token (shown once, stored as
    its SHA-256) opens the relay's playlist and the media gateway's stream; it lapses unless renewed."""

    class EndReason(models.TextChoices):
        STOPPED = "stopped", _("Stopped by the viewer")
        EXPIRED = "expired", _("Not renewed in time")
        LIMIT = "limit", _("Maximum session length reached")
        REVOKED = "revoked", _("Access withdrawn")
        ENDED_BY_OWNER = "ended_by_owner", _("Ended by the camera owner")

    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="live_sessions")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("viewer's organisation"), on_delete=models.PROTECT, related_name="+"
    )
    camera = models.ForeignKey(Camera, verbose_name=_("camera"), on_delete=models.PROTECT, related_name="+")
    convention_version = models.ForeignKey(
        ConventionVersion, verbose_name=_("convention"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    purpose = models.CharField(_("purpose"), max_length=40, choices=Purpose.choices)
    justification = models.TextField(_("justification"))
    case_reference = models.CharField(_("incident or case reference"), max_length=100, blank=True)
    wall = models.UUIDField(_("wall"), null=True, blank=True, db_index=True)
    break_glass = models.BooleanField(_("under break-glass"), default=False)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    max_until = models.DateTimeField(_("ends at the latest"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=20, choices=EndReason.choices, blank=True)
    log_entry_id = models.BigIntegerField(null=True, editable=False)  # the consultation entry of the access log

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("live session")
        verbose_name_plural = _("live sessions")
        indexes = [models.Index(fields=["camera", "ended_at"]), models.Index(fields=["ended_at", "expires_at"])]

    def __str__(self):
        return f"{self.user} · {self.camera} · {self.started_at:%Y-%m-%d %H:%M}"

    def is_open(self, at=None):
        at = at or timezone.now()
        return self.ended_at is None and at < self.expires_at

    @property
    def duration(self):
        return (self.ended_at or timezone.now()) - self.started_at


class GatewayConnection(models.Model):
    """A media gateway connection or session (MediaMTX's `id`) that the hook let through for a live session, so
    that the gateway can be told to drop exactly that viewer when the session ends."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="gateway_connections")
    gateway_id = models.CharField(_("gateway connection id"), max_length=64)
    protocol = models.CharField(_("protocol"), max_length=10, blank=True)
    seen_at = models.DateTimeField(_("first seen"), default=timezone.now)

    class Meta:
        verbose_name = _("gateway connection")
        verbose_name_plural = _("gateway connections")
        constraints = [
            models.UniqueConstraint(fields=["session", "gateway_id"], name="gateway_connection_once_per_session")
        ]

    def __str__(self):
        return f"{self.protocol or '?'} {self.gateway_id} · session {self.session_id}"


# What a new footage request may ask for, and what a request records (live: break-glass live viewing). The API
# names these choice sets NewRequestModeEnum and RequestModeEnum (SPECTACULAR_SETTINGS).
NEW_REQUEST_MODE_CHOICES = [(Mode.PLAYBACK, Mode.PLAYBACK.label), (Mode.EXPORT, Mode.EXPORT.label)]
REQUEST_MODE_CHOICES = [*NEW_REQUEST_MODE_CHOICES, (Mode.LIVE, Mode.LIVE.label)]


class FootageRequest(models.Model):
    """An operator's request for another body's recorded footage: cameras, a window, a purpose and the reasons;
    decided by the owner's approvers (two distinct ones under four-eyes), or taken at once under break-glass and
    reviewed afterwards."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        BREAK_GLASS = "break_glass", _("Taken under break-glass")

    reference = models.CharField(_("reference"), max_length=32, unique=True)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("requesting organisation"), on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(
        Organisation, verbose_name=_("camera owner"), on_delete=models.PROTECT, related_name="footage_requests"
    )
    convention_version = models.ForeignKey(
        ConventionVersion, verbose_name=_("convention"), on_delete=models.PROTECT, related_name="+"
    )
    cameras = models.ManyToManyField(Camera, verbose_name=_("cameras"), related_name="+")
    window_start = models.DateTimeField(_("footage from"))
    window_end = models.DateTimeField(_("footage until"))
    # Live only for break-glass live viewing, recorded here so that it is reviewed like the rest.
    mode = models.CharField(_("access asked"), max_length=16, choices=REQUEST_MODE_CHOICES)
    purpose = models.CharField(_("purpose"), max_length=40, choices=Purpose.choices)
    justification = models.TextField(_("justification"))
    case_reference = models.CharField(_("case reference"), max_length=100)
    prosecutor_reference = models.CharField(_("prosecutor decision"), max_length=100, blank=True)
    prosecutor_document = models.FileField(_("prosecutor decision (document)"), upload_to="prosecutor/", blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    approvals_required = models.PositiveSmallIntegerField(_("approvals required"), default=1)
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    due_at = models.DateTimeField(_("decision due"))
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    access_until = models.DateTimeField(_("access until"), null=True, blank=True)
    # Break-glass: the review the convention's emergency clause requires.
    review_due_at = models.DateTimeField(_("review due"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_note = models.TextField(_("review"), blank=True)
    review_escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("footage request")
        verbose_name_plural = _("footage requests")
        indexes = [models.Index(fields=["owner", "status"]), models.Index(fields=["organisation", "status"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(window_end__gt=models.F("window_start")),
                                   name="footage_request_window_order"),
        ]  # fmt: skip

    def __str__(self):
        return self.reference

    @property
    def is_break_glass(self):
        return self.review_due_at is not None


class Approval(models.Model):
    """One approver's decision on a footage request."""

    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Rejected")

    request = models.ForeignKey(FootageRequest, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approver_name = models.CharField(_("approver"), max_length=200)
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices)
    reason = models.TextField(_("reason"))
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["at"]
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        constraints = [models.UniqueConstraint(fields=["request", "approver"], name="one_decision_per_approver")]

    def __str__(self):
        return f"{self.request} · {self.approver_name} · {self.decision}"


class EvidenceExport(models.Model):
    """The evidence package of an approved request: clips cut by a worker, signed, encrypted at rest, offered to
    the requester through an expiring link for a number of downloads, and purged when its retention ends."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Being prepared")
        READY = "ready", _("Ready to download")
        FAILED = "failed", _("Failed")
        PURGED = "purged", _("Deleted at the end of its retention")

    request = models.ForeignKey(FootageRequest, on_delete=models.PROTECT, related_name="exports")
    package_id = models.UUIDField(unique=True, editable=False)
    exact = models.BooleanField(_("frame-exact cut (re-encoded)"), default=False)
    watermark = models.BooleanField(_("burn in a watermark naming the recipient"), default=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    step = models.CharField(_("step"), max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)  # a worker is on it until then
    error = models.CharField(_("error"), max_length=500, blank=True)
    file_name = models.CharField(max_length=200, blank=True, editable=False)  # under PORTAL_EXPORT_ROOT
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256 of the signed manifest"), max_length=64, blank=True)
    manifest = models.JSONField(_("manifest"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    link_expires_at = models.DateTimeField(_("download link expires"), null=True, blank=True)
    downloads_allowed = models.PositiveSmallIntegerField(_("downloads allowed"), default=3)
    downloads = models.PositiveSmallIntegerField(_("downloads"), default=0)
    retention_until = models.DateTimeField(_("kept until"), null=True, blank=True)
    purged_at = models.DateTimeField(_("deleted"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("evidence export")
        verbose_name_plural = _("evidence exports")
        indexes = [models.Index(fields=["status", "lease_until"]), models.Index(fields=["retention_until"])]

    def __str__(self):
        return f"{self.request.reference} · {self.package_id}"


class PlaybackToken(models.Model):
    """The key of one playback of an approved footage request in the browser (conventions/playback.py): shown once,
    stored as its SHA-256, short-lived and renewed by the open page, never beyond the request's access period."""

    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    request = models.ForeignKey(
        FootageRequest, verbose_name=_("footage request"), on_delete=models.PROTECT, related_name="playback_tokens"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("viewer's organisation"), on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=40, blank=True)
    log_entry_id = models.BigIntegerField(null=True, editable=False)  # the consultation entry of the access log

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("playback key")
        verbose_name_plural = _("playback keys")
        indexes = [models.Index(fields=["request", "ended_at"])]

    def __str__(self):
        return f"{self.request} · {self.user} · {self.started_at:%Y-%m-%d %H:%M}"
