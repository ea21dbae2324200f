from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Reference tenants with demo people, synthetic cameras, conventions and log history."""

    name = "demo"
    verbose_name = _("Demonstration data")
