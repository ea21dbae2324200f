from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConventionsConfig(AppConfig):
    name = "conventions"
    verbose_name = _("Sharing conventions")

    def ready(self):
        from . import signals  # noqa: F401
