"""Benchmarks of the built-in live relay (issue: live video through the gate).

1. From session grant to first playable segment, with the 1 s GOP test camera (rtsp-server-perl + ffmpeg testsrc,
   H.264 without B-frames): median over 10 tries (target < 2.5 s), min and max. Each try starts cold (the relay of
   the camera stopped), grants a session through `footage.live.sessions_start`, then fetches the playlist
   through the portal's view every 50 ms until it lists a segment, and fetches that segment (ffprobe decodes it,
   outside the timing). The relay worker is `manage.py run_relay` in its own process, as in production. Baseline,
   interleaved with the tries: the same ffmpeg command started directly, until its first playlist with a segment.
2. 20 concurrent camera relays on this machine: 20 RTSP paths published from a pre-encoded H.264 file (720p, 25 fps,
   1 s GOP, no B-frames) with `-re -stream_loop -1 -c copy` (no live encoding), relayed at once by one worker; CPU
   per relayed stream from /proc/<pid>/stat of the worker's ffmpeg children over a 30 s window, reported apart from
   the publishers' and the RTSP servers' CPU. Every relay must keep producing segments (checked) that decode.

Run: `make bench` or `.venv/bin/python benchmarks/bench_live.py` (DATABASE_URL selects the database; default a fresh
SQLite file under data/). Needs ffmpeg and rtsp-server-perl (`make system-deps`). Writes its section of
benchmarks/RESULTS.md.
"""

import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ["DEBUG"] = "false"
BENCH_DB = ROOT / "data" / "bench-live.sqlite3"
if not os.environ.get("DATABASE_URL"):
    BENCH_DB.parent.mkdir(exist_ok=True)
    BENCH_DB.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{BENCH_DB}"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from benchmarks.media_support import (  # noqa: E402
    CLK_TCK,
    camera,
    children_of,
    cpu_ticks,
    encode_source,
    ffmpeg_version,
    folder_bytes,
    published,
    rss_kib,
    stop,
    wait_until,
)
from benchmarks.results import write_section  # noqa: E402
from conventions import services  # noqa: E402
from conventions.models import Purpose  # noqa: E402
from demo.streams import RtspTestStream  # noqa: E402
from footage import live
from media import relay  # noqa: E402
from media.models import RelayStream  # noqa: E402
from tests.factories import MembershipFactory, OrganisationFactory  # noqa: E402
from tests.support.relay import ffprobe_video  # noqa: E402
from zones.tenancy import actor_for  # noqa: E402

TRIES = 10
RELAYS = 20
SERVERS = 4  # rtsp-server-perl instances sharing the 20 paths (one Perl process each)
WINDOW = 30  # seconds of CPU measurement
WHY = "Benchmark of the live relay start-up time"


# --- set-up -----------------------------------------------------------------------------------------------------------


def parties():
    provider, consumer = OrganisationFactory(), OrganisationFactory()
    chief = actor_for(MembershipFactory(organisation=provider, role="chief").user, provider.pk)
    consumer_chief = actor_for(MembershipFactory(organisation=consumer, role="chief").user, consumer.pk)
    operator = actor_for(MembershipFactory(organisation=consumer, role="operator").user, consumer.pk)
    return provider, consumer, chief, consumer_chief, operator


def share(cameras, provider_chief, consumer, consumer_chief):
    convention = services.convention_create(
        actor=provider_chief, consumer=consumer, title="Benchmark", purposes=[Purpose.PUBLIC_ORDER],
        modes=["live"], legal_basis="Benchmark", valid_from=timezone.now() - timedelta(days=1),
        lookback_days=30, cameras=cameras, max_concurrent_viewers=5,
    )  # fmt: skip
    version = convention.versions.get()
    services.version_propose(actor=provider_chief, version=version)
    services.version_sign(actor=provider_chief, version=version, recent_second_factor=True)
    services.version_sign(actor=consumer_chief, version=version, recent_second_factor=True)
    return convention


def start_worker(root):
    root.mkdir(parents=True, exist_ok=True)
    with open(root.parent / f"{root.name}.log", "ab") as log:
        return subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "run_relay", "--root", str(root)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


# --- 1. grant to first playable segment ----------------------------------------------------------------------------


def first_segment(client, token):
    """Poll the playlist every 50 ms until it lists a segment; fetch that segment. Returns its bytes."""
    while True:
        response = client.get(f"/gateway/relay/{token}/index.m3u8")
        if response.status_code == 200:
            names = relay.playlist_segments(response.content.decode())
            if names:
                segment = client.get(f"/gateway/relay/{token}/{names[-1]}")
                if segment.status_code == 200:
                    return b"".join(segment.streaming_content)
        elif response.status_code != 503:
            states = list(RelayStream.objects.values("camera_id", "state", "problem", "message"))
            raise RuntimeError(f"playlist answered {response.status_code}: {response.content[:200]!r}; {states}")
        time.sleep(0.05)


def baseline_try(uri):
    folder = Path(tempfile.mkdtemp(prefix="bench-live-baseline-"))
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603
        relay.ffmpeg_command(uri), cwd=folder, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        playlist = folder / relay.PLAYLIST
        while not (playlist.exists() and relay.playlist_segments(playlist.read_text())):
            if process.poll() is not None:
                raise RuntimeError("the baseline ffmpeg exited")
            time.sleep(0.02)
        return time.perf_counter() - started
    finally:
        stop(process, wait=5)
        shutil.rmtree(folder, ignore_errors=True)


def bench_start(work):
    settings.PORTAL_RELAY_GRACE_SECONDS = 0.5  # the relay stops soon after each try: every try starts cold
    provider, consumer, chief, consumer_chief, operator = parties()
    client = Client(HTTP_HOST="127.0.0.1")
    relayed, baseline, spawn = [], [], []
    with RtspTestStream(gop=25, rate=25) as stream:
        cam = camera(provider, stream.uri, "Start-up camera")
        share([cam], chief, consumer, consumer_chief)
        root = settings.PORTAL_RELAY_ROOT = work / "relay-start"  # where the view looks, too
        worker = start_worker(root)
        try:
            wait_until(lambda: (root / ".worker.lock").exists(), 30, "the relay worker")
            time.sleep(1)
            folder = relay.camera_folder(cam.pk, root)
            for _ in range(TRIES):
                wait_until(
                    lambda: not folder.exists()
                    and not RelayStream.objects.filter(camera=cam).exclude(state="idle").exists(),
                    30, "a cold relay",
                )  # fmt: skip
                relay.forget_demand()
                granted_at = timezone.now()
                started = time.perf_counter()
                (grant,) = live.sessions_start(
                    actor=operator, cameras=[cam], purpose=Purpose.PUBLIC_ORDER, justification=WHY
                )
                data = first_segment(client, grant.token)
                relayed.append(time.perf_counter() - started)
                codec = ffprobe_video(data)[0]
                assert codec == "h264", codec
                spawn.append((RelayStream.objects.get(camera=cam).started_at - granted_at).total_seconds())
                live.session_end(session=grant.session)
                baseline.append(baseline_try(stream.uri))
        finally:
            stop(worker)
    return {"relayed": relayed, "baseline": baseline, "spawn": spawn}


# --- 2. twenty relays at once --------------------------------------------------------------------------------------


def media_sequence(folder):
    try:
        text = (folder / relay.PLAYLIST).read_text()
    except OSError:
        return -1
    for line in text.splitlines():
        if line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
            return int(line.split(":")[1])
    return -1


def bench_many(work):
    settings.PORTAL_RELAY_GRACE_SECONDS = 3600
    source = work / "source.mp4"
    encode_source(source)
    provider = OrganisationFactory()
    root = settings.PORTAL_RELAY_ROOT = work / "relay-many"
    worker = None
    with published(work, source, RELAYS, SERVERS) as media:
        cameras = [camera(provider, uri, f"Relay {index}") for index, uri in enumerate(media.uris)]
        try:
            worker = start_worker(root)
            wait_until(lambda: (root / ".worker.lock").exists(), 30, "the relay worker")
            started = time.perf_counter()
            for cam in cameras:
                relay.want(cam.pk, force=True)
            folders = [relay.camera_folder(cam.pk, root) for cam in cameras]
            wait_until(lambda: all(media_sequence(f) >= 0 for f in folders), 60, "20 playlists")
            all_up = time.perf_counter() - started
            time.sleep(3)  # settle

            relays = children_of(worker.pid)
            assert len(relays) == RELAYS, f"{len(relays)} ffmpeg children"
            servers_pids = media.server_pids
            publisher_pids = media.publisher_pids
            groups = {"relays": relays, "worker": [worker.pid], "publishers": publisher_pids, "servers": servers_pids}
            before = {pid: cpu_ticks(pid) for pids in groups.values() for pid in pids}
            sequence_before = [media_sequence(f) for f in folders]
            load_before = os.getloadavg()
            wall = time.perf_counter()
            time.sleep(WINDOW)
            wall = time.perf_counter() - wall
            after = {pid: cpu_ticks(pid) for pid in before}
            sequence_after = [media_sequence(f) for f in folders]
            percent = {pid: (after[pid] - before[pid]) / CLK_TCK / wall * 100 for pid in before}
            per_relay = [percent[pid] for pid in relays]
            advanced = [b - a for a, b in zip(sequence_before, sequence_after, strict=True)]
            decoded = 0
            for folder in folders:
                names = relay.playlist_segments((folder / relay.PLAYLIST).read_text())
                decoded += ffprobe_video(folder / names[-1])[0] == "h264"
            restarts = sum(RelayStream.objects.filter(camera__in=cameras).values_list("restarts", flat=True))
            return {
                "all_up": all_up,
                "per_relay_mean": statistics.mean(per_relay),
                "per_relay_max": max(per_relay),
                "relays_total": sum(per_relay),
                "worker": percent[worker.pid],
                "publishers_total": sum(percent[pid] for pid in publisher_pids),
                "servers_total": sum(percent[pid] for pid in servers_pids),
                "rss_mean_mib": statistics.mean(rss_kib(pid) for pid in relays) / 1024,
                "advanced_min": min(advanced),
                "advanced_max": max(advanced),
                "decoded": decoded,
                "restarts": restarts,
                "disk_mib": folder_bytes(root) / 2**20,
                "window": wall,
                "load": load_before,
            }
        finally:
            if worker is not None:
                stop(worker)


def verdict(ok):
    return "met" if ok else "MISSED"


def main():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)
    work = Path(tempfile.mkdtemp(prefix="bench-live-"))
    try:
        start = bench_start(work)
        many = bench_many(work)
    except BaseException:
        for log in work.glob("*.log"):
            print(f"--- {log.name}:\n{log.read_text()[-3000:]}", file=sys.stderr)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    relayed, baseline = start["relayed"], start["baseline"]
    median, base_median = statistics.median(relayed), statistics.median(baseline)
    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    load = ", ".join(f"{x:.1f}" for x in many["load"])
    body = f"""Run {when} on {os.cpu_count()} CPU(s) (load average {load} when the CPU window began; other work
shared the machine), Python {platform.python_version()}, ffmpeg {ffmpeg_version()}, {connection.vendor}.
Command: `.venv/bin/python benchmarks/bench_live.py` (DATABASE_URL selects the database).
The relay worker is `manage.py run_relay` in its own process (polling every 0.2 s), as in production.

Grant to first playable segment: test camera 640x360, 25 fps, H.264 without B-frames, 1 s GOP (rtsp-server-perl over
UDP); {TRIES} cold tries, each from `sessions_start` to the first segment fetched through the portal's view (playlist
polled every 50 ms), interleaved with the baseline: the same ffmpeg command started directly until its playlist
lists a segment.

| measure | result | target | verdict |
|---|---|---|---|
| grant to first playable segment, median | {median:.2f} s | < 2.5 s | {verdict(median < 2.5)} |
| min / max | {min(relayed):.2f} / {max(relayed):.2f} s | | |
| of which: grant to the worker starting ffmpeg, median | {statistics.median(start["spawn"]):.2f} s | | |
| baseline: ffmpeg started directly to its first segment, median (min / max) | {base_median:.2f} s \
({min(baseline):.2f} / {max(baseline):.2f}) | | |
| ratio relay / baseline (medians) | {median / base_median:.2f} | | |

{RELAYS} concurrent relays: {RELAYS} RTSP paths on {SERVERS} rtsp-server-perl instances, each published from one
pre-encoded file (1280x720, 25 fps, 2 Mbit/s, 1 s GOP, no B-frames) with `ffmpeg -re -stream_loop -1 -c copy`;
one relay worker relays all {RELAYS}. CPU from /proc/<pid>/stat over {many["window"]:.0f} s; 100 % = one CPU.

| measure | result | target | verdict |
|---|---|---|---|
| relays running at once, each producing segments in the window | {RELAYS} (segments per relay in \
{many["window"]:.0f} s: {many["advanced_min"]}-{many["advanced_max"]}; {many["decoded"]}/{RELAYS} last segments \
decode; restarts: {many["restarts"]}) | 20 | {verdict(many["advanced_min"] > 0 and many["decoded"] == RELAYS)} |
| CPU per relayed stream (ffmpeg stream copy), mean / max | {many["per_relay_mean"]:.2f} % / \
{many["per_relay_max"]:.2f} % | (reported) | |
| CPU of the {RELAYS} relays together | {many["relays_total"]:.1f} % | | |
| CPU of the relay worker itself (Python supervisor) | {many["worker"]:.2f} % | | |
| memory per relay ffmpeg (RSS, shared libraries included), mean | {many["rss_mean_mib"]:.1f} MiB | | |
| disk used by the {RELAYS} relay folders | {many["disk_mib"]:.1f} MiB | bounded | |
| time for all {RELAYS} to list a first segment | {many["all_up"]:.1f} s | | |
| not the relay: publishers ({RELAYS} ffmpeg -re copy) | {many["publishers_total"]:.1f} % | | |
| not the relay: {SERVERS} rtsp-server-perl | {many["servers_total"]:.1f} % | | |
"""
    write_section("Live relay: start-up time and 20 concurrent relays", body)
    print(body)


if __name__ == "__main__":
    main()
