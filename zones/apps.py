from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ZonesConfig(AppConfig):
    name = "zones"
    verbose_name = _("Organisations and people")

    def ready(self):
        from zones import signals, twofactor  # noqa: F401 - twofactor: its model signals log second-factor changes
        from zones.api import schema  # noqa: F401
