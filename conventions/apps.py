from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConventionsConfig(AppConfig):
    name = "conventions"
    verbose_name = _("Sharing conventions")

    def ready(self):
        from django.db.models.signals import post_migrate

        from audit.changelog import follow_changes
        from cameras.sharing import register_shared_cameras
        from conventions import signals  # noqa: F401 - the frozen scope of a proposed version
        from conventions.dashboard import conventions_panel
        from conventions.policy import cameras_shared_with
        from conventions.staleness import install
        from zones.dashboard import register_panel

        register_shared_cameras(cameras_shared_with)
        register_panel("conventions", conventions_panel, "conventions/_dashboard.html")
        post_migrate.connect(install, sender=self, dispatch_uid="policy-staleness-triggers")

        follow_changes(self.get_model("Convention"))
        follow_changes(
            self.get_model("ConventionVersion"),
            exclude_fields=["canonical_document"],
            m2m_fields={"cameras", "groups", "municipalities"},
        )
        follow_changes(self.get_model("Signature"))
        follow_changes(self.get_model("DeclaredIncident"))
