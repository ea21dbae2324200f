"""The demo shows real video: `seed_brussels --demo` makes cameras that stream from `manage.py demo_cameras` (both
started by `make run`), shared by the demo conventions, with two approvers per organisation; synthetic cameras
have no stream and are never handed to the recorder."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.core.management import call_command

from cameras.models import Camera
from conventions.models import Purpose
from demo.cameras import NO_STREAM, STREAMING, streaming_uri
from demo.streams import free_tcp_port, missing_tools, rtsp_describe
from footage import live
from media import relay
from media.recorder import cameras_to_record
from tests.support.relay import ffprobe_video, running_relay, wait_for
from zones.models import Membership, Role
from zones.tenancy import actor_for

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
WHY = "Checking the crowd on the metro platform before the match"


def free_port_pair():
    """A port P with P and P+1 free (the demo server's readers and publishers)."""
    for _ in range(50):
        port = free_tcp_port()
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two consecutive free ports")


@pytest.fixture
def demo(settings):
    settings.PORTAL_DEMO_RTSP_PORT = free_port_pair()
    call_command("seed_brussels", "--demo", "--cameras", "60", verbosity=0)


def test_synthetic_cameras_have_no_stream_and_are_never_recorded(demo):
    synthetic = Camera.objects.filter(name__startswith="SYN-")
    assert synthetic.count() == 60
    assert not synthetic.exclude(rtsp_main_uri="", rtsp_sub_uri="", onvif_address="").exists()
    assert set(synthetic.values_list("status_detail", flat=True)) == {NO_STREAM}
    recorded = cameras_to_record()
    streaming = set(Camera.objects.filter(name__startswith="DEMO ").values_list("pk", flat=True))
    assert len(streaming) == len(STREAMING)
    assert set(recorded) == streaming, "the recorder gets exactly the cameras that stream"
    assert recorded[Camera.objects.get(name="DEMO Grand-Place, town hall corner").pk] == ("own",)


def test_each_demo_organisation_has_two_approvers(demo):
    for code in ("5339", "STIB", "5340"):
        approvers = Membership.objects.filter(organisation__code=code, role=Role.APPROVER, is_active=True)
        assert approvers.count() == 2


@pytest.mark.skipif(bool(missing_tools()), reason="needs rtsp-server-perl and ffmpeg (make system-deps)")
def test_the_demo_cameras_stream_and_a_5339_operator_watches_the_metro_live(demo, live_server, tmp_path):
    env = {**os.environ, "PORTAL_DEMO_RTSP_PORT": str(settings.PORTAL_DEMO_RTSP_PORT)}
    cameras = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "manage.py", "demo_cameras", "--seconds", "120"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:

        def all_served():
            return all(rtsp_describe(streaming_uri(path), timeout=1.0).status == 200 for path, *_ in STREAMING)

        wait_for(lambda: _quietly(all_served), timeout=30, interval=0.2, message="the demo cameras")

        operator_membership = Membership.objects.get(user__username="5339-operator")
        operator = actor_for(operator_membership.user, operator_membership.organisation_id)
        metro = Camera.objects.get(name="DEMO Metro De Brouckère, platform 1")
        assert metro.owner.code == "STIB"  # another owner's camera, shared by the demo convention
        with running_relay(tmp_path / "relay", grace=2):
            (grant,) = live.sessions_start(
                actor=operator, cameras=[metro], purpose=Purpose.PUBLIC_ORDER, justification=WHY
            )
            http = requests.Session()
            http.trust_env = False
            base = f"{live_server.url}/gateway/relay/{grant.token}"

            def playlist():
                response = http.get(f"{base}/index.m3u8", timeout=10)
                return response.text if response.status_code == 200 and relay.playlist_segments(response.text) else None

            text = wait_for(playlist, timeout=40, interval=0.2, message="the demo camera's live playlist")
            segment = http.get(f"{base}/{relay.playlist_segments(text)[-1]}", timeout=10)
            assert segment.status_code == 200
            codec, width, height, frames = ffprobe_video(segment.content)
            assert codec == "h264" and frames >= 1
    finally:
        cameras.terminate()
        output = cameras.communicate(timeout=30)[0].decode(errors="replace")
    assert cameras.returncode == 0, output
    assert "Demo cameras: 4 streams" in output


def _quietly(check):
    try:
        return check()
    except OSError:
        time.sleep(0.1)
        return False
