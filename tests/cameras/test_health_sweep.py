"""The periodic health sweep on real endpoints: a live RTSP stream, a dead port, and the owner's view."""

import pytest
from django.urls import reverse

from cameras.models import Camera
from cameras.tasks import health_sweep
from demo.streams import RtspTestStream, free_tcp_port
from tests.factories import CameraFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def stream():
    with RtspTestStream() as running:
        yield running


def test_sweep_marks_live_cameras_online_and_dead_ones_offline(stream, client, person, signed_in):
    owner = person(role="operator")
    live = CameraFactory(owner=owner.organisation, name="Live one", rtsp_main_uri=stream.uri)
    dead = CameraFactory(
        owner=owner.organisation, name="Dead one", rtsp_main_uri=f"rtsp://127.0.0.1:{free_tcp_port()}/cam"
    )
    assert health_sweep() == {"online": 1, "offline": 1}
    live.refresh_from_db()
    dead.refresh_from_db()
    assert live.status == Camera.Status.ONLINE and live.last_seen_at is not None
    assert dead.status == Camera.Status.OFFLINE and dead.last_seen_at is None and dead.status_detail

    signed_in(owner)
    dashboard = client.get(reverse("zones:dashboard")).content.decode()
    assert "Dead one" in dashboard and "Live one" not in dashboard.split('data-card="offline-cameras"')[1][:2000]
    listing = client.get(reverse("cameras:list"), {"status": "offline"}).content.decode()
    assert "Dead one" in listing and "Live one" not in listing


def test_a_camera_that_goes_down_keeps_its_last_seen(stream):
    camera = CameraFactory(rtsp_main_uri=stream.uri)
    health_sweep()
    camera.refresh_from_db()
    seen = camera.last_seen_at
    Camera.objects.filter(pk=camera.pk).update(rtsp_main_uri=f"rtsp://127.0.0.1:{free_tcp_port()}/gone")
    health_sweep()
    camera.refresh_from_db()
    assert camera.status == Camera.Status.OFFLINE and camera.last_seen_at == seen


def test_sweep_is_idempotent_and_leaves_other_fields_alone(stream):
    camera = CameraFactory(rtsp_main_uri=stream.uri, name="Keep me", dpia_ref="DPIA-7")
    health_sweep()
    health_sweep()
    camera.refresh_from_db()
    assert (camera.name, camera.dpia_ref, camera.status) == ("Keep me", "DPIA-7", Camera.Status.ONLINE)


def test_snapshot_from_the_rtsp_stream(stream, settings, tmp_path):
    from cameras.tasks import refresh_snapshot

    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": str(tmp_path)}}}  # fmt: skip
    camera = CameraFactory(rtsp_main_uri=stream.uri, snapshot_uri="")
    assert refresh_snapshot(camera.pk) == "stored"
    camera.refresh_from_db()
    assert camera.snapshot.read(2) == b"\xff\xd8"
