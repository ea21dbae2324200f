"""The media workers stop on SIGTERM whatever they are doing: the stop flag their signal handler sets takes no lock,
so a signal that lands while the worker's loop is inside a wait cannot hang the process (the recorder was seen
hanging on SIGTERM when its handler set a threading.Event)."""

import os
import signal
import subprocess
import sys
import time

import pytest

from media.supervisor import SignalStop
from tests.factories import CameraFactory
from tests.media.test_relay_worker import ROOT, database_url

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_signal_during_a_wait_ends_the_wait_at_once():
    stop = SignalStop()
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: stop.set())
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        started = time.monotonic()
        assert stop.wait(30) is True
        assert time.monotonic() - started < 1.5
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert stop.is_set()


def test_an_unset_stop_waits_its_whole_timeout():
    started = time.monotonic()
    assert SignalStop().wait(0.5) is False
    assert time.monotonic() - started >= 0.5


def test_the_recorder_stops_on_sigterm_while_it_starts_and_loses_many_cameras(tmp_path):
    """Cameras that never answer keep the recorder starting and reaping ffmpeg children, as in the demo; SIGTERM at
    different moments of that work must end the worker within seconds, every time."""
    for index in range(40):
        CameraFactory(recorded_centrally=True, rtsp_main_uri=f"rtsp://127.0.0.1:9/none{index}")
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": database_url(),
        "PYTHONUNBUFFERED": "1",
    }  # fmt: skip
    for delay in (0.0, 1.3, 2.7):
        process = subprocess.Popen(
            [sys.executable, "manage.py", "run_recorder", "--root", str(tmp_path / f"rec-{delay}"), "--refresh", "1"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            first_line = process.stdout.readline().decode()  # printed once the signal handlers are in place
            assert first_line.startswith("Recorder worker in"), first_line + process.stdout.read().decode()[-2000:]
            time.sleep(delay)
            assert process.poll() is None, process.stdout.read().decode()[-2000:]
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
        output = process.stdout.read().decode()
        assert process.returncode == 0, output[-2000:]
