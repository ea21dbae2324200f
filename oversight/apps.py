from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    """What DPOs, the supervisory body and mayors read: the console, anomalies, reports."""

    name = "oversight"
    verbose_name = _("Oversight")

    def ready(self):
        from oversight.dashboard import log_panel, report_panel
        from zones.dashboard import register_panel

        register_panel("access-log", log_panel, "oversight/_dashboard_log.html")
        register_panel("reports", report_panel, "oversight/_dashboard_report.html")
