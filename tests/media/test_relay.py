"""The built-in relay with real parts: a real RTSP camera (rtsp-server-perl + ffmpeg), the real relay worker in a
thread, real ffmpeg children, the real views; ffprobe decodes what is served."""

import os
import signal

import pytest
from django.test import RequestFactory

from audit.models import AccessLogEntry
from cameras.crypto import encrypt_credentials
from conventions.models import Purpose
from demo.streams import RtspTestStream, missing_tools
from footage import live
from media import relay, relay_views
from media.models import RelayStream
from tests.factories import CameraFactory, MembershipFactory
from tests.support.relay import ffprobe_video, running_relay, stream_camera, wait_for, wait_for_playlist
from zones.tenancy import actor_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(bool(missing_tools()), reason="needs rtsp-server-perl and ffmpeg (make system-deps)"),
]
WHY = "Checking the crowd at the station entrance during the event"


@pytest.fixture(scope="module")
def stream():
    with RtspTestStream(paths=("cam1", "cam2")) as stream:
        yield stream


@pytest.fixture
def watch(parties, make_convention):
    """watch(*cameras) -> grants of a consumer's operator for shared cameras of the provider."""
    provider, consumer, provider_chief, _consumer_chief = parties
    operator = actor_for(MembershipFactory(organisation=consumer, role="operator").user, consumer.pk)

    def grant(*cameras):
        make_convention(provider_chief, consumer, cameras=list(cameras), title=f"Sharing {cameras[0].pk}")
        return live.sessions_start(actor=operator, cameras=cameras, purpose=Purpose.PUBLIC_ORDER, justification=WHY)

    grant.provider = provider
    return grant


def test_a_camera_is_relayed_as_decodable_h264_with_a_bounded_playlist(client, tmp_path, stream, watch):
    camera = stream_camera(watch.provider, stream)
    (grant,) = watch(camera)
    entries = AccessLogEntry.objects.count()
    with running_relay(tmp_path, grace=2, list_size=2) as supervisor:
        first = client.get(f"/gateway/relay/{grant.token}/index.m3u8")
        assert first.status_code in (200, 503)
        if first.status_code == 503:
            assert first["Retry-After"].isdigit()
            assert first.json()["state"] == "starting" and first.json()["message"]
        text = wait_for_playlist(client, grant.token)
        response = client.get(f"/gateway/relay/{grant.token}/index.m3u8")
        assert response["Content-Type"] == "application/vnd.apple.mpegurl"
        assert response["Cache-Control"] == "no-store"
        name = relay.playlist_segments(text)[0]
        segment = client.get(f"/gateway/relay/{grant.token}/{name}")
        assert segment.status_code == 200 and segment["Content-Type"] == "video/mp2t"
        codec, width, height, frames = ffprobe_video(b"".join(segment.streaming_content))
        assert (codec, width, height) == ("h264", 640, 360) and frames > 0
        assert RelayStream.objects.get(camera=camera).state == RelayStream.State.RUNNING

        # Bounded: the playlist keeps its size and old segments leave the disk.
        folder = relay.camera_folder(camera.pk, tmp_path)

        def moved_on():
            body = client.get(f"/gateway/relay/{grant.token}/index.m3u8").content.decode()
            return "#EXT-X-MEDIA-SEQUENCE:" in body and int(body.split("#EXT-X-MEDIA-SEQUENCE:")[1].split()[0]) >= 5

        wait_for(moved_on, timeout=30, interval=0.2, message="five segments relayed")
        listed = relay.playlist_segments(client.get(f"/gateway/relay/{grant.token}/index.m3u8").content.decode())
        assert len(listed) == 2
        on_disk = [n for n in os.listdir(folder) if n.endswith(".ts")]
        assert len(on_disk) <= 2 + relay.DELETE_THRESHOLD + 1
        assert "seg000000.ts" not in on_disk
        assert client.get(f"/gateway/relay/{grant.token}/seg000000.ts").status_code == 404
        assert len(supervisor.children) == 1
    # The relay writes nothing to the access log: the session's consultation entry is the record.
    assert AccessLogEntry.objects.count() == entries


def test_after_the_grace_period_the_child_and_its_folder_go(client, tmp_path, stream, watch):
    camera = stream_camera(watch.provider, stream)
    (grant,) = watch(camera)
    with running_relay(tmp_path, grace=1) as supervisor:
        wait_for_playlist(client, grant.token)
        process = supervisor.children[camera.pk].process
        folder = relay.camera_folder(camera.pk, tmp_path)
        assert folder.is_dir()
        # Nobody fetches the playlist any more.
        wait_for(lambda: camera.pk not in supervisor.children, timeout=15, message="the relay stopped")
        assert process.poll() is not None and not os.path.exists(f"/proc/{process.pid}")
        assert not folder.exists()
        assert RelayStream.objects.get(camera=camera).state == RelayStream.State.IDLE
        # Asked again, it starts again.
        wait_for_playlist(client, grant.token)
    assert not any(tmp_path.glob("[0-9]*")), "the worker leaves no folder behind"
    assert process.poll() is not None


def test_a_killed_ffmpeg_is_restarted(client, tmp_path, stream, watch):
    camera = stream_camera(watch.provider, stream)
    (grant,) = watch(camera)
    with running_relay(tmp_path, grace=5, backoff_base=0.5) as supervisor:
        wait_for_playlist(client, grant.token)
        first = supervisor.children[camera.pk].process
        os.kill(first.pid, signal.SIGKILL)

        def restarted():
            client.get(f"/gateway/relay/{grant.token}/index.m3u8")  # the viewer is still there
            child = supervisor.children.get(camera.pk)
            return child is not None and child.process.pid != first.pid and child.running

        wait_for(restarted, timeout=30, interval=0.1, message="a new ffmpeg with a playlist")
        wait_for_playlist(client, grant.token)
        row = RelayStream.objects.get(camera=camera)
        assert row.restarts >= 1 and row.state == RelayStream.State.RUNNING
        second = supervisor.children[camera.pk].process
    assert first.poll() is not None and second.poll() is not None  # nothing left running after the worker


def test_a_camera_that_is_down_gets_a_message_and_the_relay_recovers(client, tmp_path, watch, caplog):
    with RtspTestStream(paths=("door",)) as down:
        down.stop_publisher()  # the camera is dark: its path answers 404
        camera = stream_camera(watch.provider, down)
        camera.credentials_encrypted = encrypt_credentials("viewer", "s3cret-Pa55")
        camera.save()
        (grant,) = watch(camera)
        with running_relay(tmp_path, grace=5, backoff_base=0.5, backoff_cap=1.0):

            def retrying():
                response = client.get(f"/gateway/relay/{grant.token}/index.m3u8")
                assert response.status_code == 503, response.content[:300]
                return response if response.json()["state"] == "retrying" else None

            response = wait_for(retrying, timeout=30, interval=0.1, message="the relay saying the camera is down")
            body = response.json()
            assert body["problem"] == "no_answer" and body["retry_in"] >= 1
            assert body["message"] == f"The camera does not answer; trying again in {body['retry_in']} s."
            assert response["Retry-After"] == str(body["retry_in"])
            row = RelayStream.objects.get(camera=camera)
            assert row.failures >= 1 and row.message
            # The camera's password is in ffmpeg's command line, never in what the relay says or logs.
            assert "s3cret-Pa55" not in row.message and "s3cret-Pa55" not in caplog.text
            assert "Live relay: camera" in caplog.text  # ffmpeg's failure went to the Python logger

            down.start_publisher()
            text = wait_for_playlist(client, grant.token, timeout=30)
            name = relay.playlist_segments(text)[-1]
            segment = client.get(f"/gateway/relay/{grant.token}/{name}")
            assert ffprobe_video(b"".join(segment.streaming_content))[0] == "h264"
            assert RelayStream.objects.get(camera=camera).state == RelayStream.State.RUNNING


def test_serving_needs_the_token_of_a_live_session_of_that_camera(client, tmp_path, stream, watch):
    camera = stream_camera(watch.provider, stream, "cam1")
    elsewhere = CameraFactory(owner=watch.provider)  # a camera on an address nobody answers
    grant, other = watch(camera, elsewhere)
    with running_relay(tmp_path, grace=5):
        text = wait_for_playlist(client, grant.token)
        name = relay.playlist_segments(text)[-1]
        assert client.get(f"/gateway/relay/{grant.token}/{name}").status_code == 200

        # No token, or one nobody issued.
        for url in (f"/gateway/relay/{'x' * 43}/index.m3u8", f"/gateway/relay/{'x' * 43}/{name}"):
            response = client.get(url)
            assert response.status_code == 401 and response.json()["reason"] == "unknown_token"
            assert response.json()["message"] == "This viewing link is not valid. Start a live session again."
        assert client.get("/gateway/relay//index.m3u8").status_code == 404

        # Another camera's token opens that camera only: not this camera's playlist nor its segments.
        response = client.get(f"/gateway/relay/{other.token}/index.m3u8")
        assert response.status_code == 503 and response.content != text.encode()
        assert client.get(f"/gateway/relay/{other.token}/{name}").status_code == 404

        # Names outside the pattern are never served, whatever is on the disk.
        (relay.camera_folder(camera.pk, tmp_path) / "notes.txt").write_text("secret")
        for tail in ("index.m3u8.tmp", f"{name}.tmp", "notes.txt", "seg1.ts", "..%2F..%2F.worker.lock",
                     "%2e%2e/logs/1.log", f"..%2F{camera.pk}%2F{name}", "SEG000001.TS"):  # fmt: skip
            response = client.get(f"/gateway/relay/{grant.token}/{tail}")
            assert response.status_code == 404, tail
            assert b"secret" not in response.content
        request = RequestFactory().get("/")
        for name_outside in ("../index.m3u8", f"../{camera.pk}/{name}", "/etc/passwd", f"{name}/"):
            assert relay_views.segment(request, token=grant.token, name=name_outside).status_code == 404

        # An ended session opens nothing any more.
        live.session_end(session=grant.session)
        for url in (f"/gateway/relay/{grant.token}/index.m3u8", f"/gateway/relay/{grant.token}/{name}"):
            response = client.get(url)
            assert response.status_code == 403 and response.json()["reason"] == "session_stopped"
            assert response.json()["message"] == "This live session has ended."


def test_the_sweep_keeps_the_disk_bounded_whatever_is_left_behind(client, tmp_path, stream, watch):
    camera = stream_camera(watch.provider, stream)
    (grant,) = watch(camera)
    with running_relay(tmp_path, grace=5, list_size=2, sweep_seconds=0.5):
        wait_for_playlist(client, grant.token)
        folder = relay.camera_folder(camera.pk, tmp_path)
        for number in range(10):  # old segments ffmpeg did not delete
            (folder / f"seg{number:010d}.ts").write_bytes(b"old")
        (folder / "seg000000.ts.tmp").write_bytes(b"half")
        os.utime(folder / "seg000000.ts.tmp", (1, 1))
        stray = tmp_path / "999999"  # a camera nobody relays any more
        stray.mkdir()
        (stray / "seg000001.ts").write_bytes(b"x")

        def swept():
            listed = relay.playlist_segments(wait_for_playlist(client, grant.token))  # the viewer stays
            names = set(os.listdir(folder))
            segments = [n for n in names if relay.SEGMENT_NAME.match(n)]
            assert set(listed) <= names, "the sweep never removes a listed segment"
            return not stray.exists() and "seg000000.ts.tmp" not in names and len(segments) <= 2 + 3 + 2

        wait_for(swept, timeout=20, interval=0.2, message="the sweep")


def test_a_camera_without_a_stream_address_says_so(client, tmp_path, watch):
    camera = CameraFactory(owner=watch.provider, rtsp_main_uri="")
    (grant,) = watch(camera)
    with running_relay(tmp_path, grace=5):

        def told():
            response = client.get(f"/gateway/relay/{grant.token}/index.m3u8")
            assert response.status_code == 503
            return response.json() if response.json()["state"] == "retrying" else None

        body = wait_for(told, timeout=20, interval=0.1, message="the relay's answer")
        assert body["problem"] == "no_address"
        assert body["message"] == "This camera has no stream address; it cannot be shown live."
