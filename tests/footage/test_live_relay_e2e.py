"""End to end over HTTP, with real parts only: grant → playlist appears → segments decode (ffprobe) → suspend the
convention → playlist and segment requests fail within 5 s → the access log holds the session.

A real RTSP camera (rtsp-server-perl fed by ffmpeg, H.264 without B-frames, 1 s GOP), the relay worker in a thread
with its real ffmpeg children, the portal served by Django's live server and fetched with an HTTP client."""

import time

import pytest
import requests

from audit.models import AccessAction, AccessLogEntry
from conventions import services
from conventions.models import Purpose
from demo.streams import RtspTestStream, missing_tools
from footage import live
from footage.models import LiveSession
from media import relay
from tests.factories import MembershipFactory
from tests.support.relay import ffprobe_video, running_relay, stream_camera, wait_for
from zones.tenancy import actor_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(bool(missing_tools()), reason="needs rtsp-server-perl and ffmpeg (make system-deps)"),
]
WHY = "Fight reported near the station exit, following the people involved"


def test_suspending_the_convention_cuts_the_relay_within_five_seconds(live_server, tmp_path, parties, make_convention):
    provider, consumer, provider_chief, _consumer_chief = parties
    operator = actor_for(MembershipFactory(organisation=consumer, role="operator").user, consumer.pk)
    http = requests.Session()
    http.trust_env = False

    with RtspTestStream() as stream, running_relay(tmp_path / "relay", grace=1) as supervisor:
        camera = stream_camera(provider, stream)
        convention = make_convention(provider_chief, consumer, cameras=[camera])
        (grant,) = live.sessions_start(
            actor=operator, cameras=[camera], purpose=Purpose.PUBLIC_ORDER, justification=WHY,
            case_reference="PV 2026/0815",
        )  # fmt: skip
        base = f"{live_server.url}/gateway/relay/{grant.token}"

        # The playlist appears (503 with a reason while the relay starts).
        def playlist():
            response = http.get(f"{base}/index.m3u8", timeout=10)
            if response.status_code == 503:
                assert response.json()["message"] and response.headers["Retry-After"].isdigit()
                return None
            assert response.status_code == 200, response.text[:300]
            return response.text if relay.playlist_segments(response.text) else None

        text = wait_for(playlist, timeout=30, interval=0.1, message="the relay playlist")
        assert "#EXT-X-TARGETDURATION:1" in text

        # Its segments decode as H.264.
        names = relay.playlist_segments(text)
        for name in names[-2:]:
            response = http.get(f"{base}/{name}", timeout=10)
            assert response.status_code == 200 and response.headers["Content-Type"] == "video/mp2t"
            codec, width, height, frames = ffprobe_video(response.content)
            assert (codec, width, height) == ("h264", 640, 360) and frames >= 1

        # The provider's chief suspends the convention: both kinds of request fail within 5 s.
        services.convention_suspend(actor=provider_chief, convention=convention, reason="Incident review pending")
        suspended = time.monotonic()
        refused = {}
        while len(refused) < 2 and time.monotonic() - suspended < 5:
            for kind, url in (("playlist", f"{base}/index.m3u8"), ("segment", f"{base}/{names[-1]}")):
                if kind not in refused:
                    response = http.get(url, timeout=5)
                    if response.status_code in (401, 403):
                        refused[kind] = (time.monotonic() - suspended, response.status_code, response.json())
            time.sleep(0.1)
        assert set(refused) == {"playlist", "segment"}, f"still served 5 s after the suspension: {refused}"
        for elapsed, status, body in refused.values():
            assert elapsed < 5 and status == 403
            assert body["allowed"] is False and body["message"] == "Access to this camera has ended."

        # With nobody allowed to watch, the relay stops after its grace period.
        wait_for(lambda: camera.pk not in supervisor.children, timeout=15, message="the relay stopped")

    # The access log holds the session: its consultation entry and its end, with the duration.
    session = LiveSession.objects.get(pk=grant.session.pk)
    assert session.ended_at is not None and session.end_reason == LiveSession.EndReason.REVOKED
    entries = AccessLogEntry.objects.filter(controller_code=provider.code, camera_ids=[camera.pk]).order_by("sequence")
    assert [e.action for e in entries] == [AccessAction.CONSULTATION, AccessAction.SESSION_END]
    consultation, end = entries
    assert consultation.pk == session.log_entry_id
    assert (consultation.mode, consultation.purpose, consultation.justification) == ("live", "public_order", WHY)
    assert consultation.case_reference == "PV 2026/0815" and consultation.decision == "allow"
    assert consultation.convention_reference == convention.reference
    assert end.details["session"] == session.pk and end.details["consultation_entry"] == consultation.pk
    assert end.details["duration_seconds"] >= 0 and end.reason == LiveSession.EndReason.REVOKED
