"""Footage handed to a person: live sessions (and the gateway connections they opened), footage requests and
their approvals, evidence exports and playback keys."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cameras.models import Camera
from conventions.models import ConventionVersion, Mode, Purpose, RequestStatus
from footage.querysets import (
    FootageRequestQuerySet,
    LiveSessionQuerySet,
    RequestPartQuerySet,
    SessionPartQuerySet,
    ViewerSideQuerySet,
)
from zones.models import Organisation


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

    objects = LiveSessionQuerySet.as_manager()

    class Meta:
        db_table = "conventions_livesession"  # kept from before the move to this app: no data migrates
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

    objects = SessionPartQuerySet.as_manager()

    class Meta:
        db_table = "conventions_gatewayconnection"  # kept from before the move to this app: no data migrates
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

    Status = RequestStatus  # the policy (conventions.policy.requests) decides what each state allows

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

    objects = FootageRequestQuerySet.as_manager()

    class Meta:
        db_table = "conventions_footagerequest"  # kept from before the move to this app: no data migrates
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

    objects = RequestPartQuerySet.as_manager()

    class Meta:
        db_table = "conventions_approval"  # kept from before the move to this app: no data migrates
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

    objects = RequestPartQuerySet.as_manager()

    class Meta:
        db_table = "conventions_evidenceexport"  # kept from before the move to this app: no data migrates
        ordering = ["-created_at"]
        verbose_name = _("evidence export")
        verbose_name_plural = _("evidence exports")
        indexes = [models.Index(fields=["status", "lease_until"]), models.Index(fields=["retention_until"])]

    def __str__(self):
        return f"{self.request.reference} · {self.package_id}"


class PlaybackToken(models.Model):
    """The key of one playback of an approved footage request in the browser (footage/playback.py): shown once,
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

    objects = ViewerSideQuerySet.as_manager()

    class Meta:
        db_table = "conventions_playbacktoken"  # kept from before the move to this app: no data migrates
        ordering = ["-started_at"]
        verbose_name = _("playback key")
        verbose_name_plural = _("playback keys")
        indexes = [models.Index(fields=["request", "ended_at"])]

    def __str__(self):
        return f"{self.request} · {self.user} · {self.started_at:%Y-%m-%d %H:%M}"
