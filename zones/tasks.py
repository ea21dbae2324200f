import socket

from celery import shared_task
from django.utils import timezone

from zones.models import WorkerHeartbeat
from zones.notifications import send_emails

MAIL_RETRIES = 5  # then the portal notification stays the record


@shared_task(name="zones.tasks.record_heartbeat", ignore_result=True)
def record_heartbeat():
    """Written by a worker each time beat schedules it: the status page reads how fresh it is.

    Idempotent: it only moves one row's timestamp forward.
    """
    beat, _ = WorkerHeartbeat.objects.get_or_create(
        name="platform", defaults={"beat_at": timezone.now(), "hostname": socket.gethostname()}
    )
    WorkerHeartbeat.objects.filter(pk=beat.pk).update(
        beat_at=timezone.now(), hostname=socket.gethostname(), count=beat.count + 1
    )
    return True


@shared_task(
    name="zones.tasks.send_notification_emails",
    ignore_result=True,
    autoretry_for=(OSError,),  # smtplib's errors and socket timeouts (EMAIL_TIMEOUT) are OSErrors
    max_retries=MAIL_RETRIES,
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    retry_jitter=True,
)
def send_notification_emails(notification_ids):
    """The e-mail of portal notifications, out of the web request. Idempotent (zones.notifications.send_emails)."""
    return send_emails(notification_ids)
