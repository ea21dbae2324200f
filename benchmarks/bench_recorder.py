"""Benchmark of the central recorder (issue: recorded footage): 20 concurrent camera recordings on this machine using
under half of its CPU.

20 RTSP paths on 4 rtsp-server-perl instances, each published from one pre-encoded H.264 file (1280x720, 25 fps,
2 Mbit/s, 1 s GOP, no B-frames) with `ffmpeg -re -stream_loop -1 -c copy` (no live encoding); 20 cameras configured
to be recorded; the recorder worker is `manage.py run_recorder` in its own process, as in production, writing 10 s
segments (the production default is 60 s; shorter ones show the indexing at work inside the window and cost the
same CPU). Over a window of at least 60 s: the CPU of the worker's ffmpeg children from /proc/<pid>/stat, as a share
of the whole machine (all its CPUs) and per stream, beside the worker's own CPU, the publishers' and the servers'.
Every camera must keep being indexed during the window, and its last segment must decode and match its index.

Run: `.venv/bin/python benchmarks/bench_recorder.py` (DATABASE_URL selects the database; default a fresh SQLite file
under data/). Needs ffmpeg and rtsp-server-perl (`make system-deps`). Writes its section of benchmarks/RESULTS.md.
"""

import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ["DEBUG"] = "false"
BENCH_DB = ROOT / "data" / "bench-recorder.sqlite3"
if not os.environ.get("DATABASE_URL"):
    BENCH_DB.parent.mkdir(exist_ok=True)
    BENCH_DB.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{BENCH_DB}"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

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
from cameras.models import Camera
from media.models import RecordingSegment, RecordingStream  # noqa: E402
from tests.factories import OrganisationFactory  # noqa: E402
from tests.support.relay import ffprobe_video  # noqa: E402

CAMERAS = 20
SERVERS = 4
SEGMENT_SECONDS = 10
WINDOW = 90  # seconds of CPU measurement (at least 60)


def start_worker(root, log_path):
    root.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        return subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "run_recorder", "--root", str(root), "--segment-seconds",
             str(SEGMENT_SECONDS), "--refresh", "2"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


def indexed(cameras):
    return RecordingSegment.objects.filter(camera__in=cameras, is_gap=False).count()


def ffprobe_duration(path):
    out = subprocess.run(  # noqa: S603
        [shutil.which("ffprobe") or "ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
         str(path)], capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    return float(out.stdout.strip())


def bench(work):
    source = work / "source.mp4"
    encode_source(source)
    owner = OrganisationFactory()
    root = work / "recordings"
    worker = None
    with published(work, source, CAMERAS, SERVERS) as media:
        cameras = [camera(owner, uri, f"Recorded {index}") for index, uri in enumerate(media.uris)]
        Camera.objects.filter(pk__in=[c.pk for c in cameras]).update(recorded_centrally=True)
        try:
            worker = start_worker(root, work / "recorder.log")
            started = time.perf_counter()
            wait_until(
                lambda: RecordingStream.objects.filter(camera__in=cameras, state="recording").count() == CAMERAS,
                120, f"{CAMERAS} cameras recording",
            )  # fmt: skip
            all_up = time.perf_counter() - started
            time.sleep(3)

            recorders = children_of(worker.pid)
            assert len(recorders) == CAMERAS, f"{len(recorders)} ffmpeg children"
            groups = {
                "recorders": recorders,
                "worker": [worker.pid],
                "publishers": media.publisher_pids,
                "servers": media.server_pids,
            }
            before = {pid: cpu_ticks(pid) for pids in groups.values() for pid in pids}
            per_camera_before = {
                cam.pk: RecordingSegment.objects.filter(camera=cam, is_gap=False).count() for cam in cameras
            }
            load_before = os.getloadavg()
            wall = time.perf_counter()
            time.sleep(WINDOW)
            wall = time.perf_counter() - wall
            after = {pid: cpu_ticks(pid) for pid in before}
            percent = {pid: (after[pid] - before[pid]) / CLK_TCK / wall * 100 for pid in before}
            advanced = [
                RecordingSegment.objects.filter(camera=cam, is_gap=False).count() - per_camera_before[cam.pk]
                for cam in cameras
            ]
            decoded, worst = 0, 0.0
            for cam in cameras:
                last = RecordingSegment.objects.filter(camera=cam, is_gap=False).order_by("-started_at").first()
                path = root / last.file_name
                decoded += ffprobe_video(path)[0] == "h264"
                worst = max(worst, abs((last.ended_at - last.started_at).total_seconds() - ffprobe_duration(path)))
            rss = statistics.mean(rss_kib(pid) for pid in recorders) / 1024
            per_stream = [percent[pid] for pid in recorders]
            gaps = RecordingSegment.objects.filter(camera__in=cameras, is_gap=True).count()
            restarts = sum(RecordingStream.objects.filter(camera__in=cameras).values_list("restarts", flat=True))
            return {
                "all_up": all_up,
                "per_stream_mean": statistics.mean(per_stream),
                "per_stream_max": max(per_stream),
                "recorders_total": sum(per_stream),
                "worker": percent[worker.pid],
                "publishers_total": sum(percent[pid] for pid in groups["publishers"]),
                "servers_total": sum(percent[pid] for pid in groups["servers"]),
                "rss_mean_mib": rss,
                "advanced_min": min(advanced),
                "advanced_max": max(advanced),
                "decoded": decoded,
                "worst_index_error": worst,
                "gaps": gaps,
                "restarts": restarts,
                "disk_mib": folder_bytes(root) / 2**20,
                "segments": indexed(cameras),
                "window": wall,
                "load": load_before,
            }
        finally:
            if worker is not None:
                stop(worker, wait=60)


def verdict(ok):
    return "met" if ok else "MISSED"


def main():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)
    work = Path(tempfile.mkdtemp(prefix="bench-recorder-"))
    try:
        result = bench(work)
    except BaseException:
        for log in work.glob("*.log"):
            print(f"--- {log.name}:\n{log.read_text()[-3000:]}", file=sys.stderr)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    cpus = os.cpu_count()
    share = result["recorders_total"] / cpus
    with_worker = (result["recorders_total"] + result["worker"]) / cpus
    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    load = ", ".join(f"{x:.1f}" for x in result["load"])
    working = result["advanced_min"] > 0 and result["decoded"] == CAMERAS
    body = f"""Run {when} on {cpus} CPU(s) (load average {load} when the CPU window began; other work shared the
machine), Python {platform.python_version()}, ffmpeg {ffmpeg_version()}, {connection.vendor}.
Command: `.venv/bin/python benchmarks/bench_recorder.py` (DATABASE_URL selects the database).

{CAMERAS} RTSP paths on {SERVERS} rtsp-server-perl instances, each published from one pre-encoded file (1280x720,
25 fps, 2 Mbit/s, 1 s GOP, no B-frames) with `ffmpeg -re -stream_loop -1 -c copy`; {CAMERAS} cameras configured to be
recorded; one recorder worker (`manage.py run_recorder`, its own process) records all of them by stream copy into
{SEGMENT_SECONDS} s segments and indexes each. CPU from /proc/<pid>/stat over {result["window"]:.0f} s; "share of the
machine" divides by all {cpus} CPUs (100 % = the whole machine), the other rows are in % of one CPU.

| measure | result | target | verdict |
|---|---|---|---|
| CPU of the {CAMERAS} recording ffmpeg processes, share of the machine | {share:.1f} % | < 50 % | \
{verdict(share < 50)} |
| the same with the recorder worker (Python supervisor, indexing) added | {with_worker:.1f} % | < 50 % | \
{verdict(with_worker < 50)} |
| recordings running at once, each indexed during the window | {CAMERAS} (segments per camera in \
{result["window"]:.0f} s: {result["advanced_min"]}-{result["advanced_max"]}; {result["decoded"]}/{CAMERAS} last \
segments decode; gaps {result["gaps"]}; restarts {result["restarts"]}) | {CAMERAS} | {verdict(working)} |
| CPU per recorded stream (ffmpeg stream copy), mean / max | {result["per_stream_mean"]:.2f} % / \
{result["per_stream_max"]:.2f} % of one CPU | (reported) | |
| CPU of the {CAMERAS} recorders together | {result["recorders_total"]:.1f} % of one CPU | | |
| CPU of the recorder worker itself | {result["worker"]:.2f} % of one CPU | | |
| largest difference between a last segment's indexed length and ffprobe's | \
{result["worst_index_error"] * 1000:.0f} ms | | |
| memory per recording ffmpeg (RSS, shared libraries included), mean | {result["rss_mean_mib"]:.1f} MiB | | |
| time for all {CAMERAS} to index a first segment | {result["all_up"]:.1f} s | | |
| disk written (all segments, {result["segments"]} indexed) | {result["disk_mib"]:.0f} MiB | bounded by retention | |
| not the recorder: publishers ({CAMERAS} ffmpeg -re copy) | {result["publishers_total"]:.1f} % of one CPU | | |
| not the recorder: {SERVERS} rtsp-server-perl | {result["servers_total"]:.1f} % of one CPU | | |
"""
    write_section("Central recorder: 20 concurrent camera recordings", body)
    print(body)


if __name__ == "__main__":
    main()
