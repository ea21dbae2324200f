from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaConfig(AppConfig):
    """The video plane: relay and recorder workers, recordings, clips, evidence packages, the media gateway."""

    name = "media"
    verbose_name = _("Video plane")

    def ready(self):
        from audit.changelog import follow_changes

        follow_changes(self.get_model("LegalHold"))
