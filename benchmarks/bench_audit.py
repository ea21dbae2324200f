"""Benchmarks of the access log.

1. Appends through the entry point with 6 concurrent writer processes spread over 6 chains, against the same
   processes doing a plain INSERT of the same row without chaining (target: >= 1,000 appends/s, ratio <= 2).
2. verify_audit over 1,000,000 entries (target < 10 s).

Run: `DATABASE_URL=postgres://… .venv/bin/python benchmarks/bench_audit.py [--entries 1000000]` (PostgreSQL is
the target; without DATABASE_URL a SQLite file is used). Writes its section of benchmarks/RESULTS.md.
"""

import argparse
import multiprocessing
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ["DEBUG"] = "false"
BENCH_DB = ROOT / "data" / "bench-audit.sqlite3"
if not os.environ.get("DATABASE_URL"):
    BENCH_DB.parent.mkdir(exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{BENCH_DB}"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

WRITERS = 6
PER_WRITER = 600


def _writer(kind, index, barrier, results):
    django.db.connections.close_all()
    from audit.access import AccessAction, AccessRecord, record_access
    from audit.models import AccessLogEntry
    from zones.models import Organisation

    chains = list(Organisation.objects.filter(code__in=["5339", "5340", "5341", "5342", "5343", "5344"]))
    barrier.wait()
    started = time.perf_counter()
    for i in range(PER_WRITER):
        owner = chains[(i + index) % len(chains)]
        if kind == "chained":
            record_access(AccessRecord(action=AccessAction.CONSULTATION, controller=owner, justification=f"w{index}"))
        else:
            AccessLogEntry.objects.create(
                chain=f"PLAIN{index}", sequence=i + 1, previous_hash="0" * 64, entry_hash="0" * 64,
                occurred_at=datetime.now(UTC), controller=owner, controller_code=owner.code,
                action=AccessAction.CONSULTATION, justification=f"w{index}",
            )  # fmt: skip
    results.put(time.perf_counter() - started)


def appends(kind):
    barrier = multiprocessing.Barrier(WRITERS)
    results = multiprocessing.Queue()
    processes = [multiprocessing.Process(target=_writer, args=(kind, i, barrier, results)) for i in range(WRITERS)]
    started = time.perf_counter()
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - started
    return WRITERS * PER_WRITER / elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    entries = parser.parse_args().entries
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    else:
        BENCH_DB.unlink(missing_ok=True)
    call_command("migrate", verbosity=0)
    call_command("seed_brussels", "--cameras", "8000", verbosity=0)
    connection.close()
    chained = appends("chained")
    plain = appends("plain")

    from audit.chain import verify_chain
    from audit.models import AccessLogEntry
    from audit.synthetic import seed_audit_events

    seed_audit_events(entries - AccessLogEntry.objects.count())
    total = AccessLogEntry.objects.count()
    chains = sorted(set(AccessLogEntry.objects.values_list("chain", flat=True).distinct()))
    started = time.perf_counter()
    reports = [verify_chain(chain) for chain in chains if not chain.startswith("PLAIN")]
    verify_seconds = time.perf_counter() - started
    intact = all(r.ok for r in reports)

    from benchmarks.results import write_section

    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    body = f"""Run {when} on {os.cpu_count()} CPU(s), Python {platform.python_version()}, {connection.vendor}.
Command: `DATABASE_URL=… .venv/bin/python benchmarks/bench_audit.py --entries {entries}`.

| measure | result | target | verdict |
|---|---|---|---|
| appends/s through `record_access`, {WRITERS} writer processes over 6 chains | {chained:,.0f}/s | >= 1,000/s | \
{"met" if chained >= 1000 else "MISSED"} |
| baseline: plain INSERT of the same row, same processes | {plain:,.0f}/s | | |
| ratio plain / chained | {plain / chained:.2f} | <= 2 | {"met" if plain / chained <= 2 else "MISSED"} |
| verify every chain, {total:,} entries ({len(reports)} chains, {"intact" if intact else "BROKEN"}) | \
{verify_seconds:.1f} s | < 10 s | {"met" if verify_seconds < 10 and intact else "MISSED"} |
"""
    write_section(f"Access log ({connection.vendor})", body)
    print(body)


if __name__ == "__main__":
    main()
