"""Which models the change log (django-auditlog) follows: who changed what, and when."""

from auditlog.registry import auditlog
from django.apps import apps

# Secrets and noise stay out of the change log.
USER_FIELDS = ["username", "first_name", "last_name", "email", "is_active", "is_staff", "is_superuser"]


def register_change_log():
    auditlog.register(apps.get_model("zones", "Organisation"))
    auditlog.register(apps.get_model("zones", "Municipality"))
    auditlog.register(apps.get_model("zones", "Membership"))
    auditlog.register(apps.get_model("zones", "User"), include_fields=USER_FIELDS)
    auditlog.register(apps.get_model("zones", "ApiToken"), exclude_fields=["key_hash", "last_used_at", "last_used_ip"])
    # Health fields change every few minutes: they are observations, not decisions, so they stay out.
    auditlog.register(
        apps.get_model("cameras", "Camera"),
        exclude_fields=[
            "credentials_encrypted",
            "status",
            "status_detail",
            "last_seen_at",
            "last_checked_at",
            "updated_at",
        ],  # fmt: skip
        m2m_fields={"groups"},
    )
    auditlog.register(apps.get_model("cameras", "CameraGroup"))
    auditlog.register(apps.get_model("cameras", "CameraGroupUserObjectPermission"))
    auditlog.register(apps.get_model("conventions", "Convention"))
    auditlog.register(
        apps.get_model("conventions", "ConventionVersion"),
        exclude_fields=["canonical_document"],
        m2m_fields={"cameras", "groups", "municipalities"},
    )
    auditlog.register(apps.get_model("conventions", "Signature"))
    auditlog.register(apps.get_model("conventions", "DeclaredIncident"))
    auditlog.register(apps.get_model("conventions", "FootageRequest"), m2m_fields={"cameras"})
    auditlog.register(apps.get_model("conventions", "Approval"))
    # The export's life (queued, running, ready, failed, purged) and its downloads; not each progress tick.
    auditlog.register(
        apps.get_model("conventions", "EvidenceExport"), exclude_fields=["progress", "step", "lease_until"]
    )
    auditlog.register(apps.get_model("cameras", "LegalHold"))
