"""Health of the running platform for the administrators' status page."""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django_celery_beat.models import PeriodicTask
from kombu import Connection

from config.celery import app as celery_app

from .models import WorkerHeartbeat


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


def check_beat():
    task = PeriodicTask.objects.filter(task="zones.tasks.record_heartbeat").first()
    last = task.last_run_at if task else None
    fresh = last is not None and timezone.now() - last <= 3 * settings.PORTAL_HEARTBEAT_INTERVAL
    detail = (
        _("last sent %(when)s") % {"when": timezone.localtime(last).strftime("%Y-%m-%d %H:%M:%S")}
        if last
        else _("never sent")
    )
    return Check(_("Scheduler (beat)"), fresh, detail)


def check_worker():
    beat = WorkerHeartbeat.objects.filter(name="platform").first()
    fresh = beat is not None and timezone.now() - beat.beat_at <= 3 * settings.PORTAL_HEARTBEAT_INTERVAL
    replies = None
    try:
        replies = celery_app.control.ping(timeout=1.0)
    except Exception:  # noqa: BLE001 - the embedded broker cannot broadcast; the heartbeat still tells
        replies = None
    if beat is None:
        detail = _("no heartbeat received yet")
    else:
        detail = _("last heartbeat %(when)s on %(host)s") % {
            "when": timezone.localtime(beat.beat_at).strftime("%Y-%m-%d %H:%M:%S"),
            "host": beat.hostname,
        }
    if replies:
        detail += " · " + _("%(count)d worker(s) answered a ping") % {"count": len(replies)}
    return Check(_("Worker"), fresh or bool(replies), detail), beat


def platform_status():
    worker, beat = check_worker()
    return {"checks": [check_database(), check_broker(), check_beat(), worker], "heartbeat": beat}
