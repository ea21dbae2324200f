from urllib.parse import urlsplit

from celery import shared_task
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from cameras.health import ProbeResult, ProbeTarget, probe_many
from cameras.models import Camera
from cameras.networks import host_allowed
from cameras.services import health_apply
from cameras.snapshots import SnapshotError, grab_snapshot, store_snapshot


@shared_task(name="cameras.tasks.health_sweep", ignore_result=True)
def health_sweep(owner_code=None):
    """Probe every camera (RTSP DESCRIBE, or ONVIF when there is no stream address) and store the result.

    Idempotent: a sweep only overwrites status fields with what it observed."""
    cameras = Camera.objects.exclude(rtsp_main_uri="", onvif_address="")
    if owner_code:
        cameras = cameras.filter(owner__code=owner_code)
    targets, refused = [], []
    for pk, rtsp, onvif in cameras.values_list("pk", "rtsp_main_uri", "onvif_address"):
        target = ProbeTarget(camera_id=pk, rtsp_uri=rtsp or None, onvif_address=onvif or None)
        # Only camera networks are probed: a camera entered with any other address is never reached, so its status
        # cannot tell anyone what answers there.
        host = urlsplit(rtsp if rtsp else (onvif if "://" in onvif else f"http://{onvif}")).hostname
        (targets if host_allowed(host) else refused).append(target)
    results = probe_many(
        targets, concurrency=settings.PORTAL_HEALTH_CONCURRENCY, timeout=settings.PORTAL_HEALTH_TIMEOUT_SECONDS
    )
    now = timezone.now()
    detail = gettext("Not probed: the address is outside the camera networks.")
    results = list(results) + [
        ProbeResult(camera_id=target.camera_id, online=False, latency_ms=None, detail=detail, checked_at=now)
        for target in refused
    ]
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
