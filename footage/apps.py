from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FootageConfig(AppConfig):
    """Handing footage to a person: live sessions, footage requests, approvals, break-glass, exports, playback."""

    name = "footage"
    verbose_name = _("Footage")

    def ready(self):
        from audit.changelog import follow_changes
        from footage import signals  # noqa: F401 - receivers that end live sessions when the right to watch goes
        from footage.dashboard import my_footage_panel, oversight_of_requests_panel, requests_to_decide_panel
        from footage.gates import register_gates
        from zones.dashboard import register_panel

        register_gates()
        register_panel("requests-to-decide", requests_to_decide_panel, "footage/_dashboard_decide.html")
        register_panel("break-glass-and-escalations", oversight_of_requests_panel, "footage/_dashboard_oversight.html")
        register_panel("my-footage", my_footage_panel, "footage/_dashboard_mine.html")

        follow_changes(self.get_model("FootageRequest"), m2m_fields={"cameras"})
        follow_changes(self.get_model("Approval"))
        # The export's life (queued, running, ready, failed, purged) and its downloads; not each progress tick.
        follow_changes(self.get_model("EvidenceExport"), exclude_fields=["progress", "step", "lease_until"])
