"""Tenants (organisations), the municipalities of the region, people and their memberships."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from zones.querysets import (
    ApiTokenQuerySet,
    MembershipQuerySet,
    MunicipalityQuerySet,
    NotificationQuerySet,
    OrganisationQuerySet,
)
from zones.roles import Role


class LegalRegime(models.TextChoices):
    """The law under which a camera films; it sets how long footage may be kept and who may see it."""

    POLICE = "police", _("Police Function Act")
    CAMERA_LAW = "camera_law", _("Camera Law")


class Organisation(models.Model):
    """A tenant: a body that owns cameras, consumes footage or supervises the platform."""

    class Kind(models.TextChoices):
        POLICE_ZONE = "police_zone", _("Police zone")
        REGIONAL_SECURITY = "regional_security", _("Regional security agency")
        PUBLIC_TRANSPORT = "public_transport", _("Public transport operator")
        PORT = "port", _("Port")
        EMERGENCY_SERVICES = "emergency_services", _("Fire and emergency medical service")
        MOBILITY = "mobility", _("Mobility agency")
        SUPERVISOR = "supervisor", _("Supervisory body")

    code = models.CharField(_("code"), max_length=16, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_nl = models.CharField(_("name (Dutch)"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    legal_regime = models.CharField(
        _("default legal regime"), max_length=16, choices=LegalRegime.choices, default=LegalRegime.CAMERA_LAW
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def name(self):
        """The name in the reader's language (Dutch for Dutch readers, French otherwise, as in Brussels)."""
        return self.name_nl if (get_language() or "").startswith("nl") else self.name_fr


class Municipality(models.Model):
    """One of the 19 municipalities of the region, identified by its NIS code and policed by one zone."""

    nis_code = models.CharField(_("NIS code"), max_length=5, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=100)
    name_nl = models.CharField(_("name (Dutch)"), max_length=100)
    zone = models.ForeignKey(
        Organisation,
        verbose_name=_("police zone"),
        on_delete=models.PROTECT,
        related_name="municipalities",
        limit_choices_to={"kind": Organisation.Kind.POLICE_ZONE},
    )

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        ordering = ["name_fr"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self):
        return self.name

    @property
    def name(self):
        return self.name_nl if (get_language() or "").startswith("nl") else self.name_fr


class User(AbstractUser):
    """A person. What they may do depends on their memberships, never on global permissions."""

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.get_full_name() or self.username


class Membership(models.Model):
    """One role a person holds in one organisation. A person may hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("For mayors: the municipality they answer for; empty means the whole zone."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    disabled_at = models.DateTimeField(_("disabled"), null=True, blank=True)
    disabled_reason = models.CharField(_("reason for disabling"), max_length=300, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__code", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique_role"),
            models.CheckConstraint(
                condition=Q(municipality__isnull=True) | Q(role="mayor"),
                name="membership_municipality_only_for_mayor",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.organisation.code} · {self.get_role_display()}"

    def clean(self):
        if self.municipality_id and self.role != Role.MAYOR:
            raise ValidationError({"municipality": _("Only a mayor's role is tied to a municipality.")})
        if self.municipality_id and self.municipality.zone_id != self.organisation_id:
            raise ValidationError({"municipality": _("This municipality is not policed by the chosen organisation.")})
        if self.role == Role.MAYOR and self.organisation.kind != Organisation.Kind.POLICE_ZONE:
            raise ValidationError({"role": _("Mayors hold their role in a police zone.")})


class UserSession(models.Model):
    """A signed-in browser session, kept so that disabling a person or membership can end it at once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="web_sessions")
    session_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    def __str__(self):
        return f"{self.user} since {self.created_at:%Y-%m-%d %H:%M}"


class ApiToken(models.Model):
    """A personal API token bound to one organisation. Only its SHA-256 hash is stored."""

    PREFIX = "cctv"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(_("prefix"), max_length=16, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("last used from"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"

    @staticmethod
    def hash_key(key):
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def generate_key(cls):
        prefix = secrets.token_hex(4)
        return prefix, f"{cls.PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"

    @property
    def is_usable(self):
        return self.revoked_at is None and self.expires_at > timezone.now()


class WorkerHeartbeat(models.Model):
    """The last beat written by the periodic heartbeat task: proof that beat and a worker both run."""

    name = models.CharField(max_length=50, unique=True)
    beat_at = models.DateTimeField()
    hostname = models.CharField(max_length=200, blank=True)
    count = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"


class Notification(models.Model):
    """A message for one person in the portal (also sent by e-mail): someone watched your camera live, a
    break-glass access needs review, a request waits for approval."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=40)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return f"{self.recipient} · {self.subject}"
