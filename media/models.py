"""What the video plane keeps: the relay's and the recorder's published state per camera, the index of recorded
segments (and gaps) and legal holds on footage."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cameras.models import Camera
from media.querysets import CameraOwnedQuerySet


class RelayStream(models.Model):
    """The built-in HLS relay of one camera (media/relay.py). The web side records demand (`wanted_until`,
    renewed by each playlist fetch); the relay worker starts and stops ffmpeg and publishes what it is doing."""

    class State(models.TextChoices):
        IDLE = "idle", _("Idle")
        STARTING = "starting", _("Starting")
        RUNNING = "running", _("Running")
        RETRYING = "retrying", _("Waiting to retry")

    class Problem(models.TextChoices):
        NONE = "", _("None")
        NO_ANSWER = "no_answer", _("The camera does not answer")
        INTERRUPTED = "interrupted", _("The stream was interrupted")
        NO_ADDRESS = "no_address", _("The camera has no stream address")

    camera = models.OneToOneField(Camera, verbose_name=_("camera"), on_delete=models.CASCADE, related_name="relay")
    wanted_until = models.DateTimeField(_("wanted until"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.IDLE)
    problem = models.CharField(_("problem"), max_length=16, choices=Problem.choices, blank=True)
    message = models.CharField(_("last error"), max_length=300, blank=True)  # ffmpeg's words, credentials removed
    retry_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    restarts = models.PositiveIntegerField(_("restarts"), default=0)
    pid = models.PositiveIntegerField(_("process id"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CameraOwnedQuerySet.as_manager()

    class Meta:
        db_table = "cameras_relaystream"  # kept from before the move to this app: no data migrates
        verbose_name = _("live relay")
        verbose_name_plural = _("live relays")
        indexes = [models.Index(fields=["wanted_until"]), models.Index(fields=["state"])]

    def __str__(self):
        return f"{self.camera_id} · {self.state}"


class RecordingSegment(models.Model):
    """One file of the central recorder (about a minute), with its exact start and end; or a gap, recorded as
    such, when the camera gave nothing. Deleted at the end of the camera's legal retention unless on hold."""

    camera = models.ForeignKey(Camera, verbose_name=_("camera"), on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("from"))
    ended_at = models.DateTimeField(_("until"))
    is_gap = models.BooleanField(_("gap"), default=False)
    file_name = models.CharField(max_length=300, blank=True)  # under PORTAL_RECORDING_ROOT; empty for a gap
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    purged_at = models.DateTimeField(_("deleted"), null=True, blank=True)

    objects = CameraOwnedQuerySet.as_manager()

    class Meta:
        db_table = "cameras_recordingsegment"  # kept from before the move to this app: no data migrates
        ordering = ["camera", "started_at"]
        verbose_name = _("recorded segment")
        verbose_name_plural = _("recorded segments")
        indexes = [
            models.Index(fields=["camera", "started_at"]),
            models.Index(fields=["purged_at", "ended_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(ended_at__gt=models.F("started_at")),
                                   name="recording_segment_order"),
        ]  # fmt: skip

    def __str__(self):
        return f"{self.camera_id} {self.started_at:%Y-%m-%d %H:%M:%S}{' gap' if self.is_gap else ''}"


class LegalHold(models.Model):
    """Footage kept past its retention because a case needs it (the prosecutor's or a court's order). Placed and
    released by the camera owner's people in the portal (footage.holds); the hourly purge keeps what it covers."""

    camera = models.ForeignKey(Camera, verbose_name=_("camera"), on_delete=models.PROTECT, related_name="+")
    window_start = models.DateTimeField(_("from"))
    window_end = models.DateTimeField(_("until"))
    case_reference = models.CharField(_("case reference"), max_length=100)
    reason = models.CharField(_("reason"), max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("released by"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    release_reason = models.CharField(_("reason for the release"), max_length=300, blank=True)

    objects = CameraOwnedQuerySet.as_manager()

    class Meta:
        db_table = "cameras_legalhold"  # kept from before the move to this app: no data migrates
        ordering = ["-created_at"]
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")

    def __str__(self):
        return f"{self.case_reference} · {self.camera_id}"


class RecordingStream(models.Model):
    """What the central recorder (media/recorder.py) is doing with one camera: published by the recorder worker
    for people and for the next worker (an episode of collection open in the access log, an open gap)."""

    class State(models.TextChoices):
        IDLE = "idle", _("Not recorded")
        STARTING = "starting", _("Starting")
        RECORDING = "recording", _("Recording")
        RETRYING = "retrying", _("Waiting to retry")

    camera = models.OneToOneField(
        Camera, verbose_name=_("camera"), on_delete=models.CASCADE, related_name="recording_stream"
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.IDLE)
    message = models.CharField(_("last error"), max_length=300, blank=True)  # ffmpeg's words, credentials removed
    failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    restarts = models.PositiveIntegerField(_("restarts"), default=0)
    pid = models.PositiveIntegerField(_("process id"), null=True, blank=True)
    retry_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # The collection episode: set when its start entry is written to the access log, cleared with its stop entry.
    collecting_since = models.DateTimeField(_("collecting since"), null=True, blank=True)
    last_segment_end = models.DateTimeField(_("recorded until"), null=True, blank=True)
    open_gap = models.ForeignKey(
        RecordingSegment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CameraOwnedQuerySet.as_manager()

    class Meta:
        db_table = "cameras_recordingstream"  # kept from before the move to this app: no data migrates
        verbose_name = _("central recording")
        verbose_name_plural = _("central recordings")
        indexes = [models.Index(fields=["state"])]

    def __str__(self):
        return f"{self.camera_id} · {self.state}"


class MediaServer(models.Model):
    """A media server (MediaMTX) allowed to call the gateway hook. It proves itself with a shared secret that the
    portal keeps only as a SHA-256 digest (the secret is 32 random bytes: a slow hash adds nothing). Managed with
    `manage.py media_server` (add, rotate, remove, list); the admin shows them read-only."""

    name = models.SlugField(_("name"), max_length=50, unique=True)
    secret_digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    rotated_at = models.DateTimeField(_("secret set"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("media server")
        verbose_name_plural = _("media servers")

    def __str__(self):
        return self.name
