"""The central recorder with real parts: a real RTSP camera (rtsp-server-perl fed by ffmpeg), the recorder worker in
a thread with its real ffmpeg children writing 2 s segments, the index checked against the files themselves."""

import subprocess
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AccessAction, AccessLogEntry
from conventions import services
from conventions.models import Mode
from demo.streams import RtspTestStream, missing_tools
from media.models import RecordingSegment, RecordingStream
from media.recorder import cameras_to_record
from media.recording import recording_root
from tests.support.recorder import running_recorder, segments_of, wait_for_segments
from tests.support.relay import ffprobe_video, stream_camera, wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(bool(missing_tools()), reason="needs rtsp-server-perl and ffmpeg (make system-deps)"),
]
TOLERANCE = 0.1  # seconds: index against the file's own duration


def duration_of(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration:format=start_time", "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, timeout=30, check=True,
    ).stdout.strip()  # fmt: skip
    start, duration = (float(x) for x in out.split(","))
    return start, duration


def collection_entries(camera):
    entries = AccessLogEntry.objects.filter(action=AccessAction.COLLECTION).order_by("sequence")
    return [e for e in entries if camera.pk in e.camera_ids]


def check_exact(rows, root=None):
    for row in rows:
        path = (root or recording_root()) / row.file_name
        start, duration = duration_of(path)
        indexed = (row.ended_at - row.started_at).total_seconds()
        assert start == pytest.approx(0, abs=0.001), f"{row.file_name} starts at {start}"
        assert indexed == pytest.approx(duration, abs=TOLERANCE), (row.file_name, indexed, duration)
        assert row.size == path.stat().st_size > 0


def test_records_the_shared_and_configured_cameras_exactly_with_gaps_and_collection_entries(
    tmp_path, parties, make_convention
):
    provider, consumer, provider_chief, _ = parties
    with RtspTestStream(paths=("cam1", "cam2", "cam3"), size="320x240") as stream:
        shared = stream_camera(provider, stream, "cam1", name="Shared for playback")
        live_only = stream_camera(provider, stream, "cam2", name="Shared live only")
        own = stream_camera(provider, stream, "cam3", name="Own, configured", recorded_centrally=True)
        convention = make_convention(provider_chief, consumer, cameras=[shared], modes=[Mode.PLAYBACK, Mode.EXPORT])
        make_convention(provider_chief, consumer, cameras=[live_only], modes=[Mode.LIVE], title="Live only")
        assert set(cameras_to_record()) == {shared.pk, own.pk}

        began = timezone.now()
        with running_recorder(tmp_path / "recordings") as recorder:
            rows = wait_for_segments(shared, 3)
            wait_for_segments(own, 1)
            now = timezone.now()
            # Wall-clock position: the first file starts after the worker began, the last ends about now.
            assert began <= rows[0].started_at <= now
            assert now - timedelta(seconds=6) <= rows[-1].ended_at <= now + timedelta(seconds=1)
            check_exact(rows)
            for previous, following in zip(rows, rows[1:], strict=False):
                assert following.started_at == previous.ended_at  # continuous, to the microsecond
            codec, width, height, frames = ffprobe_video(recording_root() / rows[1].file_name)
            assert (codec, width, height) == ("h264", 320, 240) and frames >= 40
            assert rows[1].file_name.startswith(f"{shared.pk}/{rows[1].started_at:%Y/%m/%d}/")
            assert not segments_of(live_only)
            assert RecordingStream.objects.get(camera=shared).state == RecordingStream.State.RECORDING

            # The camera goes dark, then comes back: a gap row joins the last file before to the first after.
            stream.stop_publisher()
            down = timezone.now()
            wait_for(lambda: segments_of(shared, gaps=True)[-1].is_gap, timeout=20, message="a gap row")
            time.sleep(1.0)
            stream.start_publisher()
            wait_for(
                lambda: (r := segments_of(shared, gaps=True)) and not r[-1].is_gap and any(x.is_gap for x in r),
                timeout=40, message="recording again after the gap",
            )  # fmt: skip
            wait_for(lambda: segments_of(shared)[-1].started_at > down + timedelta(seconds=2), timeout=30)
            timeline = segments_of(shared, gaps=True)
            gaps = [i for i, row in enumerate(timeline) if row.is_gap]
            assert len(gaps) == 1, [(str(r.started_at.time()), str(r.ended_at.time()), r.is_gap) for r in timeline]
            index = gaps[0]
            gap = timeline[index]
            assert gap.started_at == timeline[index - 1].ended_at
            assert gap.ended_at == timeline[index + 1].started_at
            assert gap.ended_at - gap.started_at >= timedelta(seconds=1)
            assert not gap.file_name and gap.size == 0
            check_exact([row for row in timeline if not row.is_gap])
            assert RecordingStream.objects.get(camera=shared).restarts >= 1

            # One collection entry when recording starts, none per segment.
            (start,) = collection_entries(shared)
            assert start.reason == "recording_started" and start.controller_code == provider.code
            assert start.window_start == rows[0].started_at
            assert start.details["basis"] == [f"{convention.reference} v1"]
            assert collection_entries(own)[0].details["basis"] == ["own"]

            # The convention is suspended: recording of that camera stops (with its stop entry); the own goes on.
            services.convention_suspend(actor=provider_chief, convention=convention, reason="Audit of the sharing")
            wait_for(lambda: shared.pk not in recorder.cameras, timeout=10, message="recording stopped")
            assert own.pk in recorder.cameras
            start, stop = collection_entries(shared)
            assert (stop.reason, stop.details["why"]) == ("recording_stopped", "no_longer_recorded")
            assert stop.details["segments"] == len(segments_of(shared)) and stop.details["gaps"] == 1
            assert stop.window_end == segments_of(shared)[-1].ended_at
            assert not list((recording_root() / str(shared.pk) / ".incoming").iterdir())
        # The worker stopped: the own camera's recording stops too, its last (shorter) file indexed.
        stop = collection_entries(own)[-1]
        assert (stop.reason, stop.details["why"]) == ("recording_stopped", "recorder_stopped")
        check_exact(segments_of(own), tmp_path / "recordings")
        assert RecordingStream.objects.filter(state=RecordingStream.State.IDLE).count() == 2
    assert sum(r.is_gap for r in segments_of(own, gaps=True)) == 1  # the same publisher went dark for it too
    assert RecordingSegment.objects.filter(camera=live_only).count() == 0


@pytest.mark.django_db
def test_a_camera_failing_again_and_again_is_tried_only_every_few_minutes(tmp_path):
    """Hundreds of unreachable cameras must not keep the worker starting ffmpeg: after GIVE_UP_AFTER_FAILURES
    failures in a row a camera waits offline_backoff seconds between attempts."""
    from media.recorder import GIVE_UP_AFTER_FAILURES, RecorderSupervisor, _Camera
    from tests.factories import CameraFactory

    supervisor = RecorderSupervisor(tmp_path, backoff_base=1.0, backoff_cap=60.0, offline_backoff=300.0)
    camera = CameraFactory(status="online")
    supervisor.cameras[camera.pk] = _Camera(camera)
    delays = []
    for _ in range(GIVE_UP_AFTER_FAILURES + 2):
        before = time.monotonic()
        supervisor.retry_later(camera.pk, "ffmpeg exited")
        delays.append(round(supervisor.retries[camera.pk].at - before))
    assert delays[:7] == [1, 2, 4, 8, 16, 32, 60]
    assert delays[GIVE_UP_AFTER_FAILURES:] == [300, 300]
