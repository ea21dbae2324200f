"""Benchmarks of the camera catalogue at regional scale (8,000 cameras).

1. API page of 50 with filters, for an operator: p95 server time (target < 50 ms) and a constant query count,
   against serialising a bare unfiltered page of 50 in the same run (target ratio <= 2).
2. Bulk import of 8,000 CSV rows (target < 30 s).

Run: `make bench` or `.venv/bin/python benchmarks/bench_catalogue.py`. Uses DATABASE_URL when set (PostgreSQL),
else a fresh SQLite file under data/. Writes its section of benchmarks/RESULTS.md.
"""

import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ["DEBUG"] = "false"
BENCH_DB = ROOT / "data" / "bench-catalogue.sqlite3"
if not os.environ.get("DATABASE_URL"):
    BENCH_DB.parent.mkdir(exist_ok=True)
    BENCH_DB.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{BENCH_DB}"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from benchmarks.results import write_section  # noqa: E402
from cameras.api.serializers import CameraSerializer  # noqa: E402
from cameras.importing import import_cameras  # noqa: E402
from cameras.models import Camera  # noqa: E402
from demo.cameras import seed_cameras  # noqa: E402
from zones import services  # noqa: E402
from zones.models import Membership, Organisation, User  # noqa: E402
from zones.tenancy import Actor, actor_for  # noqa: E402

REQUESTS = 200
FILTERS = [
    {"kind": "ptz", "status": "unknown"},
    {"municipality": "21004"},
    {"legal_regime": "police", "kind": "fixed"},
    {"q": "SYN-5339-00"},
    {"status": "unknown"},
]


def p95(samples):
    return statistics.quantiles(samples, n=20)[18]


def fresh_database():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)
    call_command("seed_brussels", verbosity=0)


def bench_api():
    seed_cameras(8000)
    zone = Organisation.objects.get(code="5339")
    user = User.objects.create_user("bench-operator")
    Membership.objects.create(user=user, organisation=zone, role="operator")
    _token, key = services.api_token_create(actor=actor_for(user, zone.pk), name="bench", days=1)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_HOST="127.0.0.1")
    client.get("/api/v1/cameras/?limit=50")  # warm caches and connections

    filtered, counts = [], {}
    for index in range(REQUESTS):
        which = index % len(FILTERS)
        # Pages 1 to 3 of each filter set: the query count must not depend on the page or its rows.
        params = {"limit": 50, "offset": (index // len(FILTERS)) % 3 * 50, **FILTERS[which]}
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get("/api/v1/cameras/", params)
            filtered.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content[:300]
        counts.setdefault(which, set()).add(len(queries))

    bare = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        page = Camera.objects.select_related("owner", "municipality").prefetch_related("groups")[:50]
        CameraSerializer(page, many=True).data  # noqa: B018 - the work being timed
        bare.append((time.perf_counter() - started) * 1000)
    return {
        "cameras": Camera.objects.count(),
        "visible": Camera.objects.filter(owner=zone).count(),
        "api_p95": p95(filtered),
        "api_median": statistics.median(filtered),
        "bare_p95": p95(bare),
        "query_counts": {FILTERS[which].get("q") or ",".join(FILTERS[which]): sorted(c) for which, c in counts.items()},
    }


def bench_import():
    stib = Organisation.objects.get(code="STIB")
    rows = ["owner,name,kind,latitude,longitude,municipality,rtsp_main_uri,groups,tags,special_risk_place"]
    for i in range(8000):
        rows.append(
            f"STIB,Import {i:05d},fixed,{50.80 + (i % 100) / 1000:.6f},{4.30 + (i // 100) / 1000:.6f},21004,"
            f"rtsp://admin:pw@172.16.{i // 250}.{i % 250}/main,Line {i % 6},metro,no"
        )
    raw = ("\n".join(rows) + "\n").encode()
    admin = Actor(user=None, organisation=stib, roles=frozenset({"platform_admin"}))
    started = time.perf_counter()
    report = import_cameras(actor=admin, filename="bench.csv", raw=raw)
    seconds = time.perf_counter() - started
    assert report.ok and report.created == 8000, report.issues[:3]
    return {"rows": 8000, "seconds": seconds}


def main():
    fresh_database()
    api = bench_api()
    imported = bench_import()
    ratio = api["api_p95"] / api["bare_p95"]
    constant = all(len(c) == 1 for c in api["query_counts"].values())
    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    body = f"""Run {when} on {os.cpu_count()} CPU(s), Python {platform.python_version()}, {connection.vendor}.
Command: `.venv/bin/python benchmarks/bench_catalogue.py` (DATABASE_URL selects the database).

| measure | result | target | verdict |
|---|---|---|---|
| API page of 50 with filters, operator of 5339 ({api["visible"]} own of {api["cameras"]} cameras), p95 | \
{api["api_p95"]:.1f} ms (median {api["api_median"]:.1f} ms) | < 50 ms | {"met" if api["api_p95"] < 50 else "MISSED"} |
| baseline: serialising a bare unfiltered page of 50, p95 | {api["bare_p95"]:.1f} ms | | |
| ratio API p95 / bare p95 | {ratio:.2f} | <= 2 | {"met" if ratio <= 2 else "MISSED"} |
| queries per API page (over {REQUESTS} requests and {len(FILTERS)} filter sets) | {api["query_counts"]} | constant | \
{"met" if constant else "MISSED"} |
| bulk import of {imported["rows"]} CSV rows (validated, credentials encrypted, groups linked) | \
{imported["seconds"]:.1f} s (ratio {imported["seconds"] / 30:.2f} of the limit) | < 30 s | \
{"met" if imported["seconds"] < 30 else "MISSED"} |
"""
    write_section(f"Camera catalogue at 8,000 cameras ({connection.vendor})", body)
    print(body)


if __name__ == "__main__":
    main()
