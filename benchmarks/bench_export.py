"""Benchmark of the evidence export pipeline (issue: recorded footage and exports).

A 10-minute 1080p clip cut from the recorder's 60-second segments: the whole job (`footage.exports.export_build`:
checks, stream-copy cut, hashing, signed manifest, ZIP, AES-256-GCM at rest, fsync) against, in the same run, a
plain `ffmpeg -c copy` cut of the same window plus a SHA-256 and an AES-256-GCM encryption of the same clip
(target: ratio at most 1.3).

Run: `.venv/bin/python benchmarks/bench_export.py` (DATABASE_URL selects the database; default a fresh SQLite file
under data/). The 1080p test footage is encoded once and kept in data/bench-export/. Writes its section of
benchmarks/RESULTS.md.
"""

import hashlib
import os
import platform
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
WORK = ROOT / "data" / "bench-export"
BENCH_DB = ROOT / "data" / "bench-export.sqlite3"
if not os.environ.get("DATABASE_URL"):
    BENCH_DB.parent.mkdir(exist_ok=True)
    BENCH_DB.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{BENCH_DB}"
os.environ["PORTAL_RECORDING_ROOT"] = str(WORK / "recordings")
os.environ["PORTAL_EXPORT_ROOT"] = str(WORK / "exports")

import django  # noqa: E402

django.setup()

from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from benchmarks.results import write_section  # noqa: E402
from cameras.models import Camera
from conventions import services  # noqa: E402
from conventions.models import Mode, Purpose  # noqa: E402
from footage import exports
from footage import requests as footage
from footage.models import EvidenceExport
from media.clips import cut_clip  # noqa: E402
from media.models import RecordingSegment  # noqa: E402
from media.recording import segments_between  # noqa: E402
from zones.models import Membership, Organisation, User  # noqa: E402
from zones.tenancy import actor_for  # noqa: E402

SEGMENTS, SEGMENT_SECONDS, TRIES = 10, 60, 3


def footage_files():
    """Ten 60-second 1080p25 H.264 segments (1 s GOP, no B-frames), encoded once."""
    folder = WORK / "recordings" / "bench"
    if len(list(folder.glob("seg*.ts"))) == SEGMENTS:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    print("Encoding 10 minutes of 1080p test footage (once)...", flush=True)
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", "testsrc2=size=1920x1080:rate=25", "-t", str(SEGMENTS * SEGMENT_SECONDS),
         "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "6M", "-g", "25", "-bf", "0",
         "-f", "segment", "-segment_time", str(SEGMENT_SECONDS), "-reset_timestamps", "1",
         str(folder / "seg%03d.ts")],
        check=True,
    )  # fmt: skip
    return folder


def person(code, role):
    organisation = Organisation.objects.get(code=code)
    user, _ = User.objects.get_or_create(username=f"bench-{code}-{role}")
    Membership.objects.get_or_create(user=user, organisation=organisation, role=role)
    return actor_for(user, organisation.pk)


def approved_request(folder):
    provider, consumer = Organisation.objects.get(code="5339"), Organisation.objects.get(code="5340")
    camera = Camera.objects.create(owner=provider, name="Bench 1080p", legal_regime="police", latitude=50.84,
                                   longitude=4.35)  # fmt: skip
    start = timezone.now() - timedelta(days=1)
    for index, path in enumerate(sorted(folder.glob("seg*.ts"))):
        RecordingSegment.objects.create(
            camera=camera, started_at=start + timedelta(seconds=index * SEGMENT_SECONDS),
            ended_at=start + timedelta(seconds=(index + 1) * SEGMENT_SECONDS),
            file_name=str(path.relative_to(WORK / "recordings")), size=path.stat().st_size,
        )  # fmt: skip
    provider_chief, consumer_chief = person("5339", "chief"), person("5340", "chief")
    convention = services.convention_create(
        actor=provider_chief, consumer=consumer, title="Bench", cameras=[camera],
        purposes=[Purpose.CRIMINAL_INVESTIGATION], modes=[Mode.EXPORT], legal_basis="Bench",
        valid_from=timezone.now() - timedelta(days=30), four_eyes_export=False,
    )  # fmt: skip
    version = convention.versions.get()
    services.version_propose(actor=provider_chief, version=version)
    services.version_sign(actor=provider_chief, version=version, recent_second_factor=True)
    services.version_sign(actor=consumer_chief, version=version, recent_second_factor=True)
    operator = person("5340", "operator")
    request = footage.request_submit(
        actor=operator, cameras=[camera], window_start=start, window_end=start + timedelta(minutes=10),
        purpose=Purpose.CRIMINAL_INVESTIGATION, mode=Mode.EXPORT, justification="Benchmark of the export pipeline",
        case_reference="BENCH-1",
    )  # fmt: skip
    request = footage.request_decide(actor=person("5339", "approver"), footage=request, approve=True,
                                     reason="Benchmark approval")  # fmt: skip
    return operator, request, camera, start


def baseline(camera, start, scratch):
    """Plain: ffmpeg -c copy of the same window, then SHA-256 and AES-256-GCM of the clip."""
    began = time.perf_counter()
    clip = scratch / "plain.mp4"
    cut_clip(segments_between(camera, start, start + timedelta(minutes=10)), start, start + timedelta(minutes=10),
             clip)  # fmt: skip
    digest = hashlib.sha256()
    aes = AESGCM(AESGCM.generate_key(bit_length=256))
    with open(clip, "rb") as source, open(scratch / "plain.enc", "wb") as target:
        index = 0
        while chunk := source.read(1024 * 1024):
            digest.update(chunk)
            target.write(aes.encrypt(index.to_bytes(12, "big"), chunk, None))
            index += 1
        target.flush()
        os.fsync(target.fileno())
    return time.perf_counter() - began, clip.stat().st_size


def pipeline(operator, request):
    EvidenceExport.objects.filter(request=request).update(status=EvidenceExport.Status.FAILED)
    export = EvidenceExport.objects.create(
        request=request, package_id=__import__("uuid").uuid4(), watermark=False, created_by=operator.user,
        file_name=f"bench-{time.time_ns()}.cctvx",
    )  # fmt: skip
    began = time.perf_counter()
    assert exports.export_build(export.pk) == EvidenceExport.Status.READY
    elapsed = time.perf_counter() - began
    export.refresh_from_db()
    exports.package_path(export).unlink()
    return elapsed, export.size


def main():
    folder = footage_files()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)
    call_command("seed_brussels", verbosity=0)
    operator, request, camera, start = approved_request(folder)
    plain, ours = [], []
    with tempfile.TemporaryDirectory(dir=WORK) as scratch:
        for _ in range(TRIES):  # alternate, so that cache and disk state favour neither
            seconds, clip_size = baseline(camera, start, Path(scratch))
            plain.append(seconds)
            seconds, package_size = pipeline(operator, request)
            ours.append(seconds)
    plain_s, ours_s = statistics.median(plain), statistics.median(ours)
    ratio = ours_s / plain_s
    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    body = f"""Run {when} on {os.cpu_count()} CPU(s), Python {platform.python_version()}, {connection.vendor}.
Command: `.venv/bin/python benchmarks/bench_export.py` (DATABASE_URL selects the database).
Footage: 10 segments of 60 s, 1920x1080 at 25 fps, H.264 (1 s GOP, ~6 Mbit/s); clip {clip_size / 1e6:.0f} MB,
package {package_size / 1e6:.0f} MB. Median of {TRIES} alternating runs.

| measure | result | target | verdict |
|---|---|---|---|
| export job (`export_build`: checks, stream-copy cut, hashes, signed manifest, ZIP, AES-256-GCM, fsync) | \
{ours_s:.2f} s | | |
| baseline: `ffmpeg -c copy` cut + SHA-256 + AES-256-GCM of the same clip | {plain_s:.2f} s | | |
| ratio export job / baseline | {ratio:.2f} | <= 1.3 | {"met" if ratio <= 1.3 else "MISSED"} |
"""
    write_section(f"Evidence export ({connection.vendor})", body)
    print(body)


if __name__ == "__main__":
    main()
