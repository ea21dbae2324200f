"""What the media benchmarks (bench_live.py, bench_recorder.py) share: a pre-encoded source file published to RTSP
paths on rtsp-server-perl instances with `ffmpeg -re -stream_loop -1 -c copy` (no live encoding), CPU and memory read
from /proc, and starting, waiting for and stopping processes.

Import it after django.setup(): `camera` creates a Camera row.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from demo.streams import free_tcp_port, free_udp_port_range, rtsp_describe

CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- /proc ----------------------------------------------------------------------------------------------------------


def cpu_ticks(pid):
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def rss_kib(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


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


def folder_bytes(path):
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


# --- processes --------------------------------------------------------------------------------------------------------


def stop(process, sig=signal.SIGTERM, wait=20):
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise RuntimeError(f"{what} not reached within {timeout} s")


# --- media --------------------------------------------------------------------------------------------------------


def ffmpeg_version():
    out = subprocess.run([shutil.which("ffmpeg") or "ffmpeg", "-version"], capture_output=True, text=True)  # noqa: S603
    return out.stdout.split()[2] if out.stdout else "?"


def encode_source(path):
    """10 s of 1280x720, 25 fps H.264 at 2 Mbit/s with a 1 s GOP and no B-frames."""
    subprocess.run(  # noqa: S603
        [shutil.which("ffmpeg") or "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25", "-t", "10", "-c:v", "libx264", "-preset", "veryfast",
         "-pix_fmt", "yuv420p", "-g", "25", "-keyint_min", "25", "-sc_threshold", "0", "-bf", "0", "-b:v", "2M",
         "-maxrate", "2M", "-bufsize", "2M", "-an", str(path)],
        check=True, timeout=300,
    )  # fmt: skip


def start_server(workdir, paths):
    """An rtsp-server-perl instance for `paths` paths; returns (process, client port, source port) once it answers."""
    client_port, source_port = free_tcp_port(), free_tcp_port()
    while source_port == client_port:
        source_port = free_tcp_port()
    rtp = free_udp_port_range(4 * paths + 8)
    workdir.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(  # noqa: S603
        [shutil.which("rtsp-server-perl") or "rtsp-server-perl", "--clientport", str(client_port), "--serverport",
         str(source_port), "--client_listen_address", "127.0.0.1", "--source_listen_address", "127.0.0.1",
         "--rtp_start_port", str(rtp), "--loglevel", "1"],
        cwd=workdir, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip

    def listening():
        try:
            return rtsp_describe(f"rtsp://127.0.0.1:{client_port}/probe", timeout=0.5).status == 404
        except OSError:
            return False

    wait_until(listening, 20, "rtsp-server-perl")
    return process, client_port, source_port


def start_publisher(source, port, path):
    return subprocess.Popen(  # noqa: S603
        [shutil.which("ffmpeg") or "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-re",
         "-stream_loop", "-1", "-i", str(source), "-map", "0:v", "-c", "copy", "-f", "rtsp", "-rtsp_transport", "udp",
         f"rtsp://127.0.0.1:{port}/{path}"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


@dataclass
class Published:
    uris: list = field(default_factory=list)  # rtsp://127.0.0.1:<port>/cam<index>, in index order
    publishers: list = field(default_factory=list)  # the ffmpeg -re copy processes
    servers: list = field(default_factory=list)  # (process, client port, source port) per rtsp-server-perl

    @property
    def publisher_pids(self):
        return [process.pid for process in self.publishers]

    @property
    def server_pids(self):
        return [process.pid for process, *_ in self.servers]


@contextlib.contextmanager
def published(work, source, count, servers):
    """`count` paths cam0, cam1... shared round-robin by `servers` rtsp-server-perl instances, each published from
    `source`; yields a Published once every path answers DESCRIBE (and 2 s more, so that the publishers are past
    ANNOUNCE/SETUP/RECORD). The publishers, then the servers, are stopped on the way out."""
    media = Published()
    try:
        for s in range(servers):
            media.servers.append(start_server(work / f"server-{s}", count // servers))
        for index in range(count):
            _server, client_port, source_port = media.servers[index % servers]
            path = f"cam{index}"
            media.publishers.append(start_publisher(source, source_port, path))
            media.uris.append(f"rtsp://127.0.0.1:{client_port}/{path}")
        for uri in media.uris:
            wait_until(lambda uri=uri: rtsp_describe(uri, timeout=1).status == 200, 30, "a publisher")
        time.sleep(2)
        yield media
    finally:
        for process in media.publishers:
            stop(process, wait=5)
        for process, *_ in media.servers:
            stop(process, signal.SIGINT, wait=5)


# --- the portal ------------------------------------------------------------------------------------------------------


def camera(owner, uri, name):
    from cameras.models import Camera

    position = {"latitude": Decimal("50.85"), "longitude": Decimal("4.35")}
    return Camera.objects.create(owner=owner, name=name, rtsp_main_uri=uri, **position)
