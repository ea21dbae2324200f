from celery import shared_task
from django.conf import settings

from cameras.health import ProbeTarget, probe_many
from cameras.models import Camera
from cameras.services import health_apply
from cameras.snapshots import SnapshotError, grab_snapshot, store_snapshot


@shared_task(name="cameras.tasks.health_sweep", ignore_result=True)
def health_sweep(owner_code=None):
    """Probe every camera (RTSP DESCRIBE, or ONVIF when there is no stream address) and store the result.

    Idempotent: a sweep only overwrites status fields with what it observed."""
    cameras = Camera.objects.exclude(rtsp_main_uri="", onvif_address="")
    if owner_code:
        cameras = cameras.filter(owner__code=owner_code)
    targets = [
        ProbeTarget(camera_id=pk, rtsp_uri=rtsp or None, onvif_address=onvif or None)
        for pk, rtsp, onvif in cameras.values_list("pk", "rtsp_main_uri", "onvif_address")
    ]
    results = probe_many(
        targets, concurrency=settings.PORTAL_HEALTH_CONCURRENCY, timeout=settings.PORTAL_HEALTH_TIMEOUT_SECONDS
    )
    online, offline = health_apply(results)
    return {"online": online, "offline": offline}


@shared_task(name="cameras.tasks.refresh_snapshot", ignore_result=True, soft_time_limit=30)
def refresh_snapshot(camera_id):
    """Take the camera's current picture. Idempotent: it only replaces the latest snapshot."""
    camera = Camera.objects.filter(pk=camera_id).first()
    if camera is None:
        return "gone"
    try:
        store_snapshot(camera, grab_snapshot(camera))
    except SnapshotError as error:
        Camera.objects.filter(pk=camera_id).update(status_detail=str(error)[:200])
        return "failed"
    return "stored"
