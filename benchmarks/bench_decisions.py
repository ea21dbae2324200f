"""Benchmarks of the access decision and of "cameras shared with me" (issue: sharing conventions).

1. Decisions for an operator whose organisation holds 20 conventions over 8,000 cameras: decisions per second in
   one process (target >= 5,000), measured with the cache invalidated correctly: a suspension made between two
   decisions takes effect on the very next one (checked in the run).
2. "Cameras shared with me" API page of 50 over 8,000 cameras: p95 (target < 50 ms) against listing the
   organisation's own cameras in the same run (target ratio <= 2).

Run: `make bench` or `.venv/bin/python benchmarks/bench_decisions.py` (DATABASE_URL selects the database; default
a fresh SQLite file under data/). Writes its section of benchmarks/RESULTS.md.
"""

import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ["DEBUG"] = "false"
BENCH_DB = ROOT / "data" / "bench-decisions.sqlite3"
if not os.environ.get("DATABASE_URL"):
    BENCH_DB.parent.mkdir(exist_ok=True)
    BENCH_DB.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{BENCH_DB}"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from benchmarks.results import write_section  # noqa: E402
from cameras.models import Camera  # noqa: E402
from conventions import services  # noqa: E402
from conventions.policy import decide, evaluate  # noqa: E402
from demo.cameras import seed_cameras  # noqa: E402
from zones import services as zone_services  # noqa: E402
from zones.models import Membership, Municipality, Organisation, User  # noqa: E402
from zones.tenancy import actor_for  # noqa: E402

DECISIONS = 20_000
LOGGED_DECISIONS = 2_000
REQUESTS = 200


def p95(samples):
    return statistics.quantiles(samples, n=20)[18]


def person(code, role):
    organisation = Organisation.objects.get(code=code)
    user, _ = User.objects.get_or_create(username=f"bench-{code}-{role}")
    Membership.objects.get_or_create(user=user, organisation=organisation, role=role)
    return actor_for(user, organisation.pk)


def twenty_conventions(consumer_code):
    """Two conventions from each of ten providers: one by groups or municipalities, one by kinds."""
    consumer = Organisation.objects.get(code=consumer_code)
    consumer_chief = person(consumer_code, "chief")
    providers = list(Organisation.objects.exclude(code__in=[consumer_code, "COC"]).order_by("code"))[:10]
    conventions = []
    start = timezone.now() - timedelta(days=10)
    for provider in providers:
        chief = person(provider.code, "chief")
        groups = list(provider.camera_groups.all()[:2])
        places = list(Municipality.objects.filter(zone=provider)[:1])
        scopes = [
            {"groups": groups} if groups else {"municipalities": places},
            {"kinds": ["ptz", "anpr"]},
        ]
        for index, scope in enumerate(scopes):
            convention = services.convention_create(
                actor=chief, consumer=consumer, title=f"{provider.code} to {consumer_code} #{index}",
                purposes=["public_order", "criminal_investigation", "traffic_management"],
                modes=["live", "playback"], legal_basis="Benchmark", valid_from=start, lookback_days=60, **scope,
            )  # fmt: skip
            version = convention.versions.get()
            services.version_propose(actor=chief, version=version)
            services.version_sign(actor=chief, version=version, recent_second_factor=True)
            services.version_sign(actor=consumer_chief, version=version, recent_second_factor=True)
            conventions.append((convention, chief))
    return conventions


def bench_decisions(operator, conventions):
    cameras = list(Camera.objects.select_related("owner").order_by("?")[:2000])
    rng = random.Random(7)
    requests = [rng.choice(cameras) for _ in range(DECISIONS)]
    evaluate(actor=operator, camera=requests[0], mode="live", purpose="public_order")  # compile once
    started = time.perf_counter()
    allowed = 0
    for camera in requests:
        allowed += evaluate(actor=operator, camera=camera, mode="live", purpose="public_order").allowed
    evaluate_rate = DECISIONS / (time.perf_counter() - started)

    started = time.perf_counter()
    for camera in requests[:LOGGED_DECISIONS]:
        decide(actor=operator, camera=camera, mode="live", purpose="public_order", justification="Benchmark")
    decide_rate = LOGGED_DECISIONS / (time.perf_counter() - started)

    # Invalidation: a camera shared by the first convention, suspended between two decisions.
    convention, chief = conventions[0]
    shared = next(
        c for c in cameras
        if c.owner_id == convention.provider_id
        and evaluate(actor=operator, camera=c, mode="live", purpose="public_order").reason == "convention"
    )  # fmt: skip
    others_allow = [
        evaluate(actor=operator, camera=c, mode="live", purpose="public_order").allowed
        for c in cameras if c.owner_id == convention.provider_id
    ]  # fmt: skip
    services.convention_suspend(actor=chief, convention=convention, reason="Benchmark suspension")
    after = evaluate(actor=operator, camera=shared, mode="live", purpose="public_order")
    invalidated = not after.allowed or after.convention_reference != convention.reference
    return {
        "evaluate_rate": evaluate_rate,
        "decide_rate": decide_rate,
        "allowed_share": allowed / DECISIONS,
        "invalidated": invalidated,
        "after_reason": after.reason,
        "provider_allowed_before": sum(others_allow),
    }


def bench_shared_list(operator):
    user = operator.user
    _token, key = zone_services.api_token_create(actor=operator, name="bench", days=1)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_HOST="127.0.0.1")
    client.get("/api/v1/cameras/", {"limit": 50, "shared": "yes"})
    timings = {"yes": [], "no": []}
    counts = {}
    for index in range(REQUESTS * 2):
        which = "yes" if index % 2 == 0 else "no"
        started = time.perf_counter()
        response = client.get("/api/v1/cameras/", {"limit": 50, "shared": which, "offset": (index % 5) * 50})
        timings[which].append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content[:200]
        counts[which] = response.json()["count"]
    del user
    return {"shared_p95": p95(timings["yes"]), "own_p95": p95(timings["no"]), "counts": counts}


def main():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)
    call_command("seed_brussels", verbosity=0)
    seed_cameras(8000)
    conventions = twenty_conventions("5339")
    operator = person("5339", "operator")
    listing = bench_shared_list(operator)
    decisions = bench_decisions(operator, conventions)
    ratio = listing["shared_p95"] / listing["own_p95"]
    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    body = f"""Run {when} on {os.cpu_count()} CPU(s), Python {platform.python_version()}, {connection.vendor}.
Command: `.venv/bin/python benchmarks/bench_decisions.py` (DATABASE_URL selects the database).
Set-up: 8,000 synthetic cameras; the operator's organisation (5339) consumes 20 signed conventions from 10 providers.

| measure | result | target | verdict |
|---|---|---|---|
| decisions per second, `policy.evaluate` (one process, {DECISIONS} decisions, \
{decisions["allowed_share"]:.0%} allowed) | {decisions["evaluate_rate"]:,.0f}/s | >= 5,000/s | \
{"met" if decisions["evaluate_rate"] >= 5000 else "MISSED"} |
| decisions per second, `policy.decide` (each also writes its access-log entry) | {decisions["decide_rate"]:,.0f}/s | \
(reported) | |
| suspension takes effect on the next decision | reason after suspension: `{decisions["after_reason"]}` | \
next decision | {"met" if decisions["invalidated"] else "MISSED"} |
| "cameras shared with me" API page of 50, p95 ({listing["counts"]["yes"]} shared cameras) | \
{listing["shared_p95"]:.1f} ms | < 50 ms | {"met" if listing["shared_p95"] < 50 else "MISSED"} |
| baseline: own cameras API page of 50, p95 ({listing["counts"]["no"]} own cameras) | {listing["own_p95"]:.1f} ms | | |
| ratio shared / own | {ratio:.2f} | <= 2 | {"met" if ratio <= 2 else "MISSED"} |
"""
    write_section(f"Access decision and cameras shared with me ({connection.vendor})", body)
    print(body)


if __name__ == "__main__":
    main()
