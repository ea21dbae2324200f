"""The camera catalogue: every camera of the region with the legal and privacy facts a DPO asks for."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.managers import GroupObjectPermissionManager, UserObjectPermissionManager
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from cameras.querysets import APPROVE_GROUP, MANAGE_GROUP, CameraGroupQuerySet, CameraQuerySet, DelegationQuerySet
from cameras.region import validate_position
from zones.models import LegalRegime, Municipality, Organisation


class CameraGroup(models.Model):
    """Cameras an owner arranges together (an area, a site, a metro line); the unit of delegation."""

    owner = models.ForeignKey(
        Organisation, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="camera_groups"
    )
    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = CameraGroupQuerySet.as_manager()

    class Meta:
        ordering = ["owner__code", "name"]
        verbose_name = _("camera group")
        verbose_name_plural = _("camera groups")
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="camera_group_unique_name")]
        # Delegated per group through django-guardian's direct foreign-key tables below, never globally.
        default_permissions = ()
        permissions = [
            (MANAGE_GROUP, _("Manage the cameras of this group")),
            (APPROVE_GROUP, _("Approve footage requests for this group")),
        ]

    def __str__(self):
        return f"{self.owner.code} · {self.name}"


class CameraGroupUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(CameraGroup, on_delete=models.CASCADE)

    objects = UserObjectPermissionManager.from_queryset(DelegationQuerySet)()


class CameraGroupGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(CameraGroup, on_delete=models.CASCADE)

    objects = GroupObjectPermissionManager.from_queryset(DelegationQuerySet)()


class Camera(models.Model):
    class Kind(models.TextChoices):
        FIXED = "fixed", _("Fixed")
        PTZ = "ptz", _("PTZ")
        ANPR = "anpr", _("ANPR")
        MOBILE = "mobile", _("Mobile")

    class Status(models.TextChoices):
        ONLINE = "online", _("Online")
        OFFLINE = "offline", _("Offline")
        UNKNOWN = "unknown", _("Unknown")

    owner = models.ForeignKey(Organisation, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="cameras")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.FIXED)
    legal_regime = models.CharField(
        _("legal regime"),
        max_length=16,
        choices=LegalRegime.choices,
        blank=True,
        help_text=_("Empty: the owner's default regime."),
    )
    special_risk_place = models.BooleanField(
        _("special-risk place"), default=False, help_text=_("Camera Law: footage may be kept three months.")
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, null=True, blank=True
    )
    groups = models.ManyToManyField(CameraGroup, verbose_name=_("groups"), related_name="cameras", blank=True)
    tags = models.CharField(_("tags"), max_length=300, blank=True, help_text=_("Comma-separated."))

    onvif_address = models.CharField(_("ONVIF address"), max_length=300, blank=True)
    rtsp_main_uri = models.CharField(_("main stream (RTSP)"), max_length=500, blank=True)
    rtsp_sub_uri = models.CharField(_("sub stream (RTSP)"), max_length=500, blank=True)
    snapshot_uri = models.CharField(_("snapshot address"), max_length=500, blank=True)
    credentials_encrypted = models.TextField(blank=True, editable=False)
    manufacturer = models.CharField(_("manufacturer"), max_length=100, blank=True)
    model = models.CharField(_("model"), max_length=100, blank=True)
    firmware_version = models.CharField(_("firmware"), max_length=100, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    ptz_capable = models.BooleanField(_("PTZ capable"), default=False)
    onvif_profiles = models.JSONField(_("media profiles"), default=list, blank=True)
    recorded_centrally = models.BooleanField(
        _("recorded by the platform"),
        default=False,
        help_text=_("The central recorder keeps this camera's footage even when no convention shares it."),
    )

    retention_days_at_source = models.PositiveSmallIntegerField(
        _("retention at the source (days)"), null=True, blank=True
    )
    camera_law_declaration_ref = models.CharField(_("Camera Law declaration reference"), max_length=100, blank=True)
    council_approval_ref = models.CharField(_("municipal council approval reference"), max_length=100, blank=True)
    dpia_ref = models.CharField(_("DPIA reference"), max_length=100, blank=True)
    privacy_mask_note = models.TextField(_("privacy masks"), blank=True)

    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.UNKNOWN)
    status_detail = models.CharField(_("status detail"), max_length=200, blank=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    snapshot = models.FileField(_("latest snapshot"), upload_to="snapshots/", blank=True)
    snapshot_taken_at = models.DateTimeField(_("snapshot taken"), null=True, blank=True)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CameraQuerySet.as_manager()

    class Meta:
        ordering = ["owner__code", "name"]
        verbose_name = _("camera")
        verbose_name_plural = _("cameras")
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="camera_unique_name_per_owner"),
            models.UniqueConstraint(
                fields=["rtsp_main_uri"], condition=~Q(rtsp_main_uri=""), name="camera_unique_main_stream"
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["kind"]),
            models.Index(fields=["legal_regime"]),
            models.Index(fields=["status", "last_checked_at"]),
        ]

    def __str__(self):
        return f"{self.owner.code} · {self.name}"

    def save(self, *args, **kwargs):
        if not self.legal_regime and self.owner_id:
            self.legal_regime = self.owner.legal_regime
        super().save(*args, **kwargs)

    def clean(self):
        validate_position(self.latitude, self.longitude)

    @property
    def has_credentials(self):
        return bool(self.credentials_encrypted)

    @property
    def tag_list(self):
        return [tag for tag in (t.strip() for t in self.tags.split(",")) if tag]

    @property
    def retention_days(self):
        """How long footage of this camera may exist at all, set by its legal regime (Police Function Act: 12 months;
        Camera Law: one month, three for a designated special-risk place). The policy grants nothing older."""
        days = settings.PORTAL_RETENTION_DAYS
        if self.legal_regime == LegalRegime.POLICE:
            return days["police"]
        return days["camera_law_special_risk"] if self.special_risk_place else days["camera_law"]
