from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CamerasConfig(AppConfig):
    name = "cameras"
    verbose_name = _("Cameras")

    def ready(self):
        from audit.changelog import follow_changes
        from cameras.selectors import offline_cameras_panel
        from zones.dashboard import register_panel

        register_panel("offline-cameras", offline_cameras_panel, "cameras/_dashboard_offline.html")

        # Health fields change every few minutes: they are observations, not decisions, so they stay out.
        follow_changes(
            self.get_model("Camera"),
            exclude_fields=[
                "credentials_encrypted",
                "status",
                "status_detail",
                "last_seen_at",
                "last_checked_at",
                "updated_at",
            ],
            m2m_fields={"groups"},
        )
        follow_changes(self.get_model("CameraGroup"))
        follow_changes(self.get_model("CameraGroupUserObjectPermission"))
