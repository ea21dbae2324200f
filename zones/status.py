"""Health of the running platform for the administrators' status page."""

from dataclasses import dataclass

from celery import current_app as celery_app
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu import Connection

from zones.models import WorkerHeartbeat


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def check_database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return Check(_("Database"), True, connection.vendor)
    except Exception as exc:  # noqa: BLE001 - any failure means unreachable
        return Check(_("Database"), False, str(exc))


def check_broker():
    url = settings.CELERY_BROKER_URL
    try:
        with Connection(url, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return Check(_("Broker"), True, url.split("://", 1)[0])
    except Exception as exc:  # noqa: BLE001
        return Check(_("Broker"), False, str(exc))


def check_heartbeat():
    """Beat schedules the heartbeat and a worker runs it: a fresh one proves both are alive."""
    beat = WorkerHeartbeat.objects.filter(name="platform").first()
    fresh = beat is not None and timezone.now() - beat.beat_at <= 3 * settings.PORTAL_HEARTBEAT_INTERVAL
    if beat is None:
        detail = _("no heartbeat received yet")
    else:
        detail = _("last heartbeat %(when)s on %(host)s") % {
            "when": timezone.localtime(beat.beat_at).strftime("%Y-%m-%d %H:%M:%S"),
            "host": beat.hostname,
        }
    return Check(_("Heartbeat (beat and worker)"), fresh, detail), beat


def check_workers(heartbeat_ok):
    """Workers answering a ping right now. The embedded broker cannot broadcast: there the heartbeat tells."""
    if settings.CELERY_BROKER_URL.startswith("filesystem"):
        return Check(_("Workers"), heartbeat_ok, _("the embedded broker cannot ping workers; see the heartbeat"))
    try:
        replies = celery_app.control.ping(timeout=1.0) or []
    except Exception as exc:  # noqa: BLE001
        return Check(_("Workers"), False, str(exc))
    return Check(_("Workers"), bool(replies), _("%(count)d worker(s) answered a ping") % {"count": len(replies)})


def platform_status():
    heartbeat, beat = check_heartbeat()
    checks = [check_database(), check_broker(), heartbeat, check_workers(heartbeat.ok)]
    return {"checks": checks, "heartbeat": beat}
