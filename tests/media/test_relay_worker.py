"""The relay worker as production runs it: `manage.py run_relay` in its own process. Stopped with SIGTERM or SIGINT
it stops its ffmpeg children and removes their folders (SIGINT takes the same path); killed outright, its children
still end (no orphans)."""

import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from demo.streams import RtspTestStream, missing_tools
from media import relay
from tests.support.relay import stream_camera, wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(bool(missing_tools()), reason="needs rtsp-server-perl and ffmpeg (make system-deps)"),
]
ROOT = Path(__file__).resolve().parents[2]


def database_url():
    """The test database, as a URL the worker's settings understand."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "", safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def children_of(pid):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def worker(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": database_url()}
    root = tmp_path / "relay"
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_relay", "--root", str(root), "--poll", "0.1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    yield process, root
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def stream():
    with RtspTestStream() as stream:
        yield stream


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_the_worker_leaves_no_ffmpeg_behind(worker, stream, parties, settings, how):
    process, root = worker
    settings.PORTAL_RELAY_GRACE_SECONDS = 60
    camera = stream_camera(parties[0], stream)
    relay.want(camera.pk, force=True)
    folder = relay.camera_folder(camera.pk, root)
    wait_for(lambda: (folder / relay.PLAYLIST).exists(), timeout=30, message="the worker's first playlist")
    (child,) = children_of(process.pid)
    assert Path(f"/proc/{child}/comm").read_text().strip() == "ffmpeg"

    process.send_signal(how)
    process.wait(timeout=20)
    wait_for(lambda: not alive(child), timeout=10, message="ffmpeg gone after the worker")
    if how != signal.SIGKILL:
        output = process.stdout.read().decode()
        assert process.returncode == 0, output
        assert "Live relay worker stopped" in output
        assert not folder.exists()
