from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    """What DPOs, the supervisory body and mayors read: the console, anomalies, reports."""

    name = "oversight"
    verbose_name = _("Oversight")
