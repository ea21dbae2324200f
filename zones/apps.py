from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ZonesConfig(AppConfig):
    name = "zones"
    verbose_name = _("Organisations and people")

    def ready(self):
        from audit.changelog import follow_changes
        from zones import signals, twofactor  # noqa: F401 - twofactor: its model signals log second-factor changes
        from zones.api import schema  # noqa: F401

        # Secrets and noise stay out of the change log.
        follow_changes(self.get_model("Organisation"))
        follow_changes(self.get_model("Municipality"))
        follow_changes(self.get_model("Membership"))
        follow_changes(
            self.get_model("User"),
            include_fields=["username", "first_name", "last_name", "email", "is_active", "is_staff", "is_superuser"],
        )
        follow_changes(self.get_model("ApiToken"), exclude_fields=["key_hash", "last_used_at", "last_used_ip"])
