from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FootageConfig(AppConfig):
    """Handing footage to a person: live sessions, footage requests, approvals, break-glass, exports, playback."""

    name = "footage"
    verbose_name = _("Footage")

    def ready(self):
        from audit.changelog import follow_changes
        from footage import signals  # noqa: F401 - receivers that end live sessions when the right to watch goes
        from footage.gates import register_gates

        register_gates()

        follow_changes(self.get_model("FootageRequest"), m2m_fields={"cameras"})
        follow_changes(self.get_model("Approval"))
        # The export's life (queued, running, ready, failed, purged) and its downloads; not each progress tick.
        follow_changes(self.get_model("EvidenceExport"), exclude_fields=["progress", "step", "lease_until"])
