import socket

from celery import shared_task
from django.utils import timezone

from zones.models import WorkerHeartbeat


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
