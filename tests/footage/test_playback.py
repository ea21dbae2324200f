"""Playback of approved footage in the browser, with real parts: the recorder records a real RTSP camera through
real ffmpeg, an operator's request is approved, the playback page starts a key (one consultation entry), the VOD
playlist lists exactly the window's segments, a segment decodes, the gateway hook answers MediaMTX's `playback`
requests with the same gate, and suspending the convention cuts it all within 5 s."""

import re
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import AccessAction, AccessLogEntry
from conventions import services
from conventions.models import Mode, Purpose
from demo.streams import RtspTestStream, missing_tools
from footage import playback
from footage import requests as footage
from footage.models import FootageRequest, PlaybackToken
from tests.conftest import sign_in
from tests.factories import CameraFactory, MembershipFactory
from tests.support.mediamtx_api import hook_request, post_hook
from tests.support.recorder import running_recorder, wait_for_segments
from tests.support.recordings import record_segments
from tests.support.relay import ffprobe_video, stream_camera
from zones.tenancy import actor_for

WHY = "Assault reported on the square, identifying the people involved"
needs_tools = pytest.mark.skipif(bool(missing_tools()), reason="needs rtsp-server-perl and ffmpeg (make system-deps)")


@pytest.fixture(autouse=True)
def _fresh_gate():
    with playback._cache_lock:
        playback._cache.clear()


def approve(provider, request):
    approver = actor_for(MembershipFactory(organisation=provider, role="approver").user, provider.pk)
    footage.request_decide(actor=approver, footage=request, approve=True, reason="Proportionate and needed")
    request.refresh_from_db()
    return request


def ask(operator, cameras, start, end, mode=Mode.PLAYBACK):
    return footage.request_submit(
        actor=operator, cameras=cameras, window_start=start, window_end=end, purpose=Purpose.CRIMINAL_INVESTIGATION,
        mode=mode, justification=WHY, case_reference="PV 2026/4242",
    )  # fmt: skip


def start_on_page(client, request):
    page = client.get(f"/playback/{request.pk}/")
    assert page.status_code == 200 and b"data-start" in page.content
    assert WHY.encode() in page.content  # the purpose banner
    response = client.post(f"/playback/{request.pk}/start/")
    assert response.status_code == 302
    page = client.get(f"/playback/{request.pk}/")
    urls = dict(re.findall(r'id="camera-(\d+)".*?data-playlist="([^"]+)"', page.content.decode(), re.S))
    if not urls:
        urls = {m[1]: m[0] for m in re.findall(r'data-playlist="(/gateway/playback/[^/]+/(\d+)/index\.m3u8)"',
                                               page.content.decode())}  # fmt: skip
    return {int(k): v for k, v in urls.items()}, page


def listed(text):
    return [int(line[:-3]) for line in text.splitlines() if line.endswith(".ts")]


@needs_tools
@pytest.mark.django_db(transaction=True)
def test_an_approved_window_plays_through_the_gate_until_the_convention_is_suspended(
    tmp_path, parties, make_convention, person, signed_in, media_server
):
    provider, consumer, provider_chief, _ = parties
    membership = person(consumer, "operator")
    operator = actor_for(membership.user, consumer.pk)
    with RtspTestStream(paths=("cam1", "cam2"), size="320x240") as stream:
        camera = stream_camera(provider, stream, "cam1", legal_regime="police")
        other = stream_camera(provider, stream, "cam2", legal_regime="police")
        convention = make_convention(provider_chief, consumer, cameras=[camera, other])
        with running_recorder(tmp_path / "recordings"):
            rows = wait_for_segments(camera, 4)
            wait_for_segments(other, 1)

            # A window from inside the first file to inside the third.
            start, end = rows[0].started_at + timedelta(seconds=1), rows[2].started_at + timedelta(seconds=1)
            request = approve(provider, ask(operator, [camera], start, end))
            assert request.status == FootageRequest.Status.APPROVED
            client = signed_in(membership)
            urls, page = start_on_page(client, request)
            assert list(urls) == [camera.pk]
            base = urls[camera.pk].rsplit("/", 1)[0]
            token = base.split("/")[3]

            # One consultation entry: mode playback, the window, the request's reference.
            (entry,) = AccessLogEntry.objects.filter(action=AccessAction.CONSULTATION)
            assert (entry.mode, entry.window_start, entry.window_end) == ("playback", start, end)
            assert entry.details["footage_request"] == request.reference and entry.camera_ids == [camera.pk]
            assert entry.actor_id == operator.user.pk and entry.controller_code == provider.code
            assert PlaybackToken.objects.get().log_entry_id == entry.pk

            # The VOD playlist lists exactly the segments overlapping the window, cut to it.
            response = client.get(urls[camera.pk])
            assert response.status_code == 200 and response["Content-Type"] == "application/vnd.apple.mpegurl"
            text = response.content.decode()
            for tag in ("#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-ENDLIST", "#EXT-X-PROGRAM-DATE-TIME:"):
                assert tag in text
            assert listed(text) == [row.pk for row in rows[:3]]
            durations = [float(x) for x in re.findall(r"#EXTINF:([0-9.]+),", text)]
            assert sum(durations) == pytest.approx((end - start).total_seconds(), abs=0.01)
            assert text.count("#EXT-X-DISCONTINUITY") == 2
            first_time = re.search(r"#EXT-X-PROGRAM-DATE-TIME:(\S+)", text).group(1)
            assert first_time == start.isoformat(timespec="milliseconds").replace("+00:00", "Z")

            # Segments decode: a whole one, and an edge one cut to the window.
            whole = client.get(f"{base}/{rows[1].pk}.ts")
            assert whole.status_code == 200 and whole["Content-Type"] == "video/mp2t"
            assert ffprobe_video(b"".join(whole.streaming_content))[:3] == ("h264", 320, 240)
            edge = b"".join(client.get(f"{base}/{rows[0].pk}.ts").streaming_content)
            codec, _w, _h, frames = ffprobe_video(edge)
            assert codec == "h264" and 0 < frames < 50  # about a second of a 2 s file (from the key frame)
            assert client.get(f"{base}/{rows[3].pk}.ts").status_code == 404  # outside the window
            assert client.get(f"{base.rsplit('/', 1)[0]}/{other.pk}/index.m3u8").status_code == 403

            # The gateway hook answers a MediaMTX playback request with the same gate.
            hook = {"action": "playback", "protocol": "", "token": token}
            assert post_hook(client, hook_request(path=f"cam/{camera.pk}", **hook)).status_code == 200
            assert post_hook(client, hook_request(path=f"cam/{other.pk}", **hook)).status_code == 403
            assert post_hook(client, hook_request(path=f"cam/{camera.pk}", action="playback",
                                                  token="not-a-key")).status_code == 401  # fmt: skip

            # Suspended: playlist, segments and the hook refuse within 5 s.
            services.convention_suspend(actor=provider_chief, convention=convention, reason="Review of the sharing")
            suspended = time.monotonic()
            refused = {}
            checks = {
                "playlist": lambda: client.get(urls[camera.pk]).status_code,
                "segment": lambda: client.get(f"{base}/{rows[1].pk}.ts").status_code,
                "hook": lambda: post_hook(client, hook_request(path=f"cam/{camera.pk}", **hook)).status_code,
            }
            while len(refused) < len(checks) and time.monotonic() - suspended < 5:
                for kind, check in checks.items():
                    if kind not in refused and check() == 403:
                        refused[kind] = time.monotonic() - suspended
                time.sleep(0.1)
            assert set(refused) == set(checks), f"still served 5 s after the suspension: {refused}"
            renew = client.post(f"/playback/{request.pk}/renew/")
            assert renew.status_code == 409 and renew.json()["open"] is False


@pytest.mark.django_db
def test_an_unapproved_or_lapsed_request_plays_nothing(tmp_path, settings, parties, make_convention, person, signed_in):
    settings.PORTAL_RECORDING_ROOT = tmp_path / "recordings"
    provider, consumer, provider_chief, _ = parties
    membership = person(consumer, "operator")
    operator = actor_for(membership.user, consumer.pk)
    camera = CameraFactory(owner=provider, legal_regime="police")
    make_convention(provider_chief, consumer, cameras=[camera])
    begin = timezone.now() - timedelta(hours=1)
    record_segments(camera, settings.PORTAL_RECORDING_ROOT, begin, count=2, seconds=2)
    client = signed_in(membership)

    waiting = ask(operator, [camera], begin, begin + timedelta(seconds=4))
    page = client.get(f"/playback/{waiting.pk}/")
    assert page.status_code == 200 and b"data-start" not in page.content and b"data-playlist" not in page.content
    client.post(f"/playback/{waiting.pk}/start/")
    assert not PlaybackToken.objects.exists()
    assert not AccessLogEntry.objects.filter(action=AccessAction.CONSULTATION).exists()

    # Someone else's request is not even found.
    stranger, other_client = person(consumer, "operator"), Client()
    assert sign_in(other_client, stranger.user).status_code == 302
    session = other_client.session
    session["active_organisation_id"] = consumer.pk
    session.save()
    assert other_client.get(f"/playback/{waiting.pk}/").status_code == 404

    # Approved, played, then lapsed: the key stops working and nothing new starts.
    request = approve(provider, ask(operator, [camera], begin, begin + timedelta(seconds=4)))
    urls, _page = start_on_page(client, request)
    assert client.get(urls[camera.pk]).status_code == 200
    FootageRequest.objects.filter(pk=request.pk).update(access_until=timezone.now() - timedelta(seconds=1))
    with playback._cache_lock:
        playback._cache.clear()
    response = client.get(urls[camera.pk])
    assert response.status_code == 403 and response.json()["reason"] == "request_lapsed"
    page = client.get(f"/playback/{request.pk}/")
    assert b"data-playlist" not in page.content and b"data-start" not in page.content
    client.post(f"/playback/{request.pk}/start/")
    assert PlaybackToken.objects.count() == 1
    assert AccessLogEntry.objects.filter(action=AccessAction.CONSULTATION).count() == 1
    # No key, a made-up key: nothing.
    assert client.get(f"/gateway/playback/made-up-key/{camera.pk}/index.m3u8").status_code == 401


@pytest.mark.django_db
def test_a_playback_records_its_end_when_stopped_or_lapsed(parties, make_convention, tmp_path, settings):
    settings.PORTAL_RECORDING_ROOT = tmp_path
    provider, consumer, provider_chief, _ = parties
    camera = CameraFactory(owner=provider, legal_regime="police")
    make_convention(provider_chief, consumer, cameras=[camera], four_eyes_export=False)
    start = timezone.now() - timedelta(hours=2)
    record_segments(camera, tmp_path, start, count=1)
    operator = actor_for(MembershipFactory(organisation=consumer, role="operator").user, consumer.pk)
    request = approve(provider, ask(operator, [camera], start, start + timedelta(seconds=4)))
    stopped, _key = playback.playback_start(actor=operator, footage=request)
    playback.playback_stop(actor=operator, row=stopped)
    playback.playback_stop(actor=operator, row=stopped)  # once only
    lapsed, _key = playback.playback_start(actor=operator, footage=request)
    PlaybackToken.objects.filter(pk=lapsed.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert playback.playbacks_close_expired() == 1 and playback.playbacks_close_expired() == 0
    ends = AccessLogEntry.objects.filter(action=AccessAction.SESSION_END).order_by("sequence")
    assert [(e.reason, e.details["playback_key"]) for e in ends] == [("stopped", stopped.pk), ("expired", lapsed.pk)]
    assert all(e.mode == "playback" and e.details["duration_seconds"] >= 0 for e in ends)
