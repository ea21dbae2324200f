from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Access and change logs")

    def ready(self):
        from django.db.backends.signals import connection_created

        from audit.maintenance import register_sqlite_switch

        connection_created.connect(register_sqlite_switch, dispatch_uid="audit-sqlite-switch")
