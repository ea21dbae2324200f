from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConventionsConfig(AppConfig):
    name = "conventions"
    verbose_name = _("Sharing conventions")

    def ready(self):
        from conventions import playback, signals  # noqa: F401 - signal receivers; the playback gate registers itself
