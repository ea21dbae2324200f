from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Access and change logs")

    def ready(self):
        from .changelog import register_change_log

        register_change_log()
