"""The portal reaches only the configured camera networks (PORTAL_CAMERA_NETWORKS): onboarding a refused address
answers one message, at once, whether a device listens there or nothing does, and nothing is sent there; redirects
and snapshots are held to the same ranges."""

import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from cameras.models import Camera
from cameras.networks import OutsideCameraNetworks, camera_addresses, guarded_session
from cameras.onvif import OUTSIDE, OnvifError, probe_onvif
from cameras.snapshots import SnapshotError, grab_snapshot
from cameras.tasks import health_sweep
from config.env import env_networks
from tests.factories import CameraFactory
from tests.support.onvif_device import OnvifDeviceSimulator

POSITION = {"latitude": "50.846700", "longitude": "4.352500"}


@pytest.fixture
def listener():
    """A real listening socket on loopback that records whether anyone connected."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)
    yield sock
    sock.close()


def connected(sock):
    try:
        sock.accept()[0].close()
    except BlockingIOError:
        return False
    return True


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def documentation_network_only(settings):
    settings.PORTAL_CAMERA_NETWORKS = ["192.0.2.0/24"]  # TEST-NET-1: the loopback test cameras are outside


@pytest.mark.django_db
def test_onboarding_answers_the_same_at_once_whatever_listens_behind_a_refused_address(
    client, person, signed_in, listener, documentation_network_only
):
    signed_in(person(role="chief"))
    answers = []
    with OnvifDeviceSimulator(username="admin", password="camera-secret") as device:
        targets = [
            device.address,  # an ONVIF device that would answer
            f"http://127.0.0.1:{listener.getsockname()[1]}",  # a socket that listens
            f"http://127.0.0.1:{closed_port()}",  # nothing at all
            f"http://localhost:{device.port}",  # a name that resolves to loopback
        ]
        for target in targets:
            started = time.monotonic()
            response = client.post(
                reverse("cameras:onboard"),
                {"onvif_address": target, "username": "admin", "password": "camera-secret", **POSITION},
            )
            elapsed = time.monotonic() - started
            page = response.content.decode()
            message = re.search(r"The portal may not reach [^<]*", page).group(0)
            answers.append((response.status_code, message.replace(target.removesuffix("/"), "ADDRESS")))
            assert elapsed < 2.0, (target, elapsed)  # far below the probe's 5 s: nothing waited on the network
    assert len(set(answers)) == 1 and answers[0][0] == 422, answers
    assert "ADDRESS" in answers[0][1]
    assert not connected(listener)
    assert not Camera.objects.exists()


def test_the_probe_sends_nothing_to_a_refused_address(listener, documentation_network_only):
    for address in (f"127.0.0.1:{listener.getsockname()[1]}", f"127.0.0.1:{closed_port()}"):
        with pytest.raises(OnvifError) as refused:
            probe_onvif(address, "admin", "secret", timeout=3)
        assert refused.value.kind == OUTSIDE
    assert not connected(listener)


def test_allowed_networks_are_reached_and_every_resolved_address_must_be_inside(settings):
    settings.PORTAL_CAMERA_NETWORKS = ["127.0.0.0/8"]
    assert camera_addresses("127.0.0.5") == ["127.0.0.5"]
    assert camera_addresses("::ffff:127.0.0.1") == ["::ffff:7f00:1"]  # mapped IPv4 is judged as IPv4
    for refused in ("10.1.2.3", "::1", "169.254.169.254", "no-such-camera.invalid", ""):
        with pytest.raises(OutsideCameraNetworks):
            camera_addresses(refused)
    with pytest.raises(ImproperlyConfigured):
        settings_value = "10.0.0.0/8,not-a-range"
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("PORTAL_CAMERA_NETWORKS", settings_value)
            env_networks("PORTAL_CAMERA_NETWORKS")


def test_a_redirect_out_of_the_camera_networks_is_not_followed(settings, listener):
    settings.PORTAL_CAMERA_NETWORKS = ["127.0.0.1/32"]
    outside = socket.socket()
    outside.bind(("127.0.0.2", 0))
    outside.listen(8)
    outside.setblocking(False)

    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.2:{outside.getsockname()[1]}/")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(OutsideCameraNetworks):
            guarded_session().get(f"http://127.0.0.1:{server.server_address[1]}/", timeout=3)
        assert not connected(outside)
    finally:
        server.shutdown()
        server.server_close()
        outside.close()


@pytest.mark.django_db
def test_a_snapshot_outside_the_camera_networks_is_refused_without_a_connection(listener, documentation_network_only):
    port = listener.getsockname()[1]
    camera = CameraFactory(snapshot_uri=f"http://127.0.0.1:{port}/snapshot.jpg", rtsp_main_uri="", rtsp_sub_uri="")
    with pytest.raises(SnapshotError, match="outside the camera networks"):
        grab_snapshot(camera)
    camera.snapshot_uri, camera.rtsp_main_uri = "", f"rtsp://127.0.0.1:{port}/stream"
    with pytest.raises(SnapshotError, match="outside the camera networks"):
        grab_snapshot(camera)
    assert not connected(listener)


@pytest.mark.django_db
def test_the_health_sweep_never_probes_outside_the_camera_networks(listener, documentation_network_only):
    port = listener.getsockname()[1]
    outside = CameraFactory(rtsp_main_uri=f"rtsp://127.0.0.1:{port}/stream", onvif_address="")
    health_sweep()
    outside.refresh_from_db()
    assert outside.status == Camera.Status.OFFLINE
    assert outside.status_detail == "Not probed: the address is outside the camera networks."
    assert not connected(listener)
