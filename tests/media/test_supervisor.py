"""The supervisor the relay and the recorder share (media/supervisor.py), with real ffmpeg children: one worker per
folder, strays stopped at start, a child leaving the books only once its process and folder are gone, the backoff,
and credentials kept out of the logs."""

import logging
import os
import subprocess
import threading
import time
from datetime import timedelta

import ffmpeg as ffmpeg_python
import pytest
from django.utils import timezone

from cameras.crypto import encrypt_credentials
from demo.streams import missing_tools
from media import ffmpeg
from media.models import RelayStream
from media.recorder import INCOMING, RecorderBusy, RecorderSupervisor
from media.relay import RelayBusy, RelaySupervisor
from media.supervisor import Supervisor, WorkerBusy
from tests.factories import CameraFactory
from tests.support.relay import wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(bool(missing_tools()), reason="needs rtsp-server-perl and ffmpeg (make system-deps)"),
]


class PictureWorker(Supervisor):
    """A policy for these tests: each camera's child makes HLS from ffmpeg's own test picture, in root/<camera>/.
    It notes, when asked to collect a child's files, what the supervisor had done by then."""

    name = "Test worker"
    streams = RelayStream

    def __init__(self, root):
        super().__init__(root, poll_seconds=0.05, backoff_base=1.0, backoff_cap=8.0)
        self.collected = []

    def step(self):
        pass

    def command(self, uri):
        source = ffmpeg_python.input("testsrc=size=160x120:rate=25", f="lavfi", re=None)
        output = source.output("index.m3u8", format="hls", hls_time=1, hls_flags="delete_segments+temp_file",
                               vcodec="libx264", preset="ultrafast", g=25)  # fmt: skip
        return output.global_args("-nostdin", "-loglevel", "error").compile(cmd=ffmpeg.binary(), overwrite_output=True)

    def child_folder(self, camera_id):
        return self.root / str(camera_id)

    def is_child_folder(self, path):
        return path.parent == self.root.resolve()

    def collect(self, child):
        self.collected.append(
            {"exited": child.process.poll() is not None, "booked": self.children.get(child.camera_id) is child,
             "folder": child.folder.exists()}
        )  # fmt: skip
        return True


def camera_with_row():
    camera = CameraFactory()
    RelayStream.objects.create(camera=camera, state=RelayStream.State.RUNNING)
    return camera


@pytest.mark.parametrize(("make", "busy"), [(RelaySupervisor, RelayBusy), (RecorderSupervisor, RecorderBusy)])
def test_one_worker_per_folder(tmp_path, make, busy):
    first, second = make(tmp_path), make(tmp_path)
    first.open()
    try:
        with pytest.raises(busy) as refused:
            second.open()
        assert isinstance(refused.value, WorkerBusy) and str(tmp_path) in str(refused.value)
    finally:
        first.shutdown()
    second.open()  # the lock went with the first worker
    second.shutdown()


@pytest.mark.parametrize("make", [RelaySupervisor, RecorderSupervisor])
def test_a_stray_ffmpeg_left_in_a_child_folder_is_stopped_when_a_worker_starts(tmp_path, make):
    root = tmp_path / "root"
    folder = root / "42" if make is RelaySupervisor else root / "42" / INCOMING / "20260101T000000-abcdef"
    elsewhere = tmp_path / "elsewhere" / "42"
    command = [ffmpeg.binary(), "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc", "-f", "null",
               "-"]  # fmt: skip
    strays = []
    for cwd in (folder, elsewhere):
        cwd.mkdir(parents=True)
        strays.append(subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL))  # noqa: S603
    stray, innocent = strays
    try:
        wait_for(lambda: all(os.path.exists(f"/proc/{p.pid}/cwd") for p in strays), message="both running")
        supervisor = make(root)
        supervisor.open()
        try:
            assert stray.wait(timeout=10) == -9
            assert innocent.poll() is None, "an ffmpeg outside the worker's folders is none of its business"
            assert not folder.exists()  # what the previous worker left is cleared (the recorder indexes it first)
        finally:
            supervisor.shutdown()
    finally:
        for process in strays:
            process.kill()
            process.wait(timeout=10)


def test_a_child_leaves_the_books_only_after_its_process_and_its_folder_are_gone(tmp_path):
    """The order the relay's grace-period test relies on: whoever sees a camera gone from `children` sees its
    ffmpeg exited, its folder removed and its new state published."""
    supervisor = PictureWorker(tmp_path)
    supervisor.open()
    camera = camera_with_row()
    try:
        child = supervisor.start(camera.pk, camera)
        assert RelayStream.objects.get(camera=camera).state == RelayStream.State.STARTING
        wait_for(lambda: (child.folder / "index.m3u8").exists(), timeout=20, message="a first playlist")
        seen = []
        watching = threading.Event()
        done = threading.Event()

        def watch():
            watching.set()
            while not done.is_set():
                if camera.pk not in supervisor.children:
                    seen.append((child.process.poll() is not None, child.folder.exists()))
                    return
                time.sleep(0.0005)

        watcher = threading.Thread(target=watch)
        watcher.start()
        watching.wait()
        supervisor.end_child(child, state=RelayStream.State.IDLE, pid=None)
        done.set()
        watcher.join(timeout=5)
        assert supervisor.collected == [{"exited": True, "booked": True, "folder": True}]
        assert seen in ([], [(True, False)])  # if the watcher saw it gone at all, it saw everything done
        assert camera.pk not in supervisor.children and not child.folder.exists()
        assert child.process.poll() is not None and not os.path.exists(f"/proc/{child.process.pid}")
        assert RelayStream.objects.get(camera=camera).state == RelayStream.State.IDLE
    finally:
        supervisor.shutdown()


def test_a_worker_going_down_stops_every_child_and_clears_its_folder(tmp_path):
    supervisor = PictureWorker(tmp_path)
    supervisor.open()
    cameras = [camera_with_row() for _ in range(3)]
    children = [supervisor.start(camera.pk, camera) for camera in cameras]
    wait_for(lambda: all((c.folder / "index.m3u8").exists() for c in children), timeout=20, message="playlists")
    supervisor.shutdown()
    assert all(c.process.poll() is not None for c in children)
    assert not any(c.folder.exists() for c in children) and supervisor.children == {}
    assert len(supervisor.collected) == 3
    supervisor.shutdown()  # idempotent


def test_a_failing_camera_is_retried_after_a_doubling_delay_up_to_the_cap(tmp_path):
    supervisor = PictureWorker(tmp_path)
    camera = camera_with_row()
    delays = [supervisor.retry_later(camera.pk, "ffmpeg exited with status 1") for _ in range(6)]
    assert delays == [1, 2, 4, 8, 8, 8]
    row = RelayStream.objects.get(camera=camera)
    assert (row.state, row.failures, row.message) == ("retrying", 6, "ffmpeg exited with status 1")
    assert not supervisor.retry_due(camera.pk)
    # It had been working steadily: at once, and counting from one again.
    assert supervisor.retry_later(camera.pk, "interrupted", stable=True) == 0.0
    assert supervisor.failures(camera.pk) == 1 and supervisor.retry_due(camera.pk)
    assert supervisor.retry_later(camera.pk, "no address", at_least=30) == 30
    supervisor.forget(camera.pk)
    assert supervisor.failures(camera.pk) == 0 and supervisor.retry_due(camera.pk)


def test_the_command_and_its_failure_are_logged_without_the_cameras_password(tmp_path, caplog):
    camera = CameraFactory(rtsp_main_uri="rtsp://127.0.0.1:9/main",  # the discard port: nobody answers
                           credentials_encrypted=encrypt_credentials("viewer", "s3cret-Pa55"))  # fmt: skip
    RelayStream.objects.create(camera=camera, wanted_until=timezone.now() + timedelta(minutes=1))
    supervisor = RelaySupervisor(tmp_path, backoff_base=0.1)
    supervisor.open()
    try:
        with caplog.at_level(logging.DEBUG, logger="media.relay"):
            child = supervisor.start(camera.pk, camera)
            assert "s3cret-Pa55" in " ".join(child.process.args)  # ffmpeg needs it
            wait_for(lambda: child.process.poll() is not None, timeout=20, message="ffmpeg giving up")
            supervisor.step()  # the relay sees its child gone: says why
        text = caplog.text
        assert "-f hls" in text and "***" in text, "the command line is logged at DEBUG"
        assert "Live relay: camera" in text and "s3cret-Pa55" not in text and "viewer:" not in text
        row = RelayStream.objects.get(camera=camera)
        assert row.state == RelayStream.State.RETRYING and "s3cret-Pa55" not in row.message
    finally:
        supervisor.shutdown()
