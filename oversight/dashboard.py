"""The oversight panels on the dashboard (registered with zones.dashboard by OversightConfig.ready):

- DPO (and chief): the console's anomaly flags and each readable chain's last verification;
- mayor: the transparency report of last month and of this month so far."""

from django.utils import timezone

from conventions.policy import can_read_log, can_read_reports
from oversight import reports, selectors
from oversight.anomalies import FLAGS, find_anomalies
from zones.models import Role

__all__ = ["log_panel", "report_panel"]


def log_panel(actor):
    if not actor.has_role(Role.DPO) or not can_read_log(actor):
        return None
    flags = [anomaly for anomaly in find_anomalies(actor=actor) if anomaly.kind in FLAGS]
    return {"flags": flags[:5], "flags_count": len(flags), "chains": selectors.chain_status(actor=actor)}


def report_panel(actor):
    if not actor.has_role(Role.MAYOR) or not can_read_reports(actor):
        return None
    last_month = reports.default_month(timezone.now())
    this_month = reports.next_month(last_month)
    return {
        "last_month": last_month.strftime("%Y-%m"), "this_month": this_month.strftime("%Y-%m"),
        "last_label": reports.month_label(last_month), "this_label": reports.month_label(this_month),
    }  # fmt: skip
