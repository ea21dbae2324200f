"""Benchmarks of the access log.

1. Appends through the entry point (`record_access`, outside any transaction, as the access decision calls it)
   with 6 concurrent writer processes spread over 6 chains, against the same processes doing a plain INSERT of
   the same row without chaining: the same entry built the same way, one raw INSERT statement through the same
   connection in autocommit (target: >= 1,000 appends/s, ratio <= 2). Also appends inside a caller's transaction
   (a savepoint each), for information.
2. `manage.py verify_audit` over 1,000,000 entries (target < 10 s), with the load average at the time.

Run: `DATABASE_URL=postgres://… .venv/bin/python benchmarks/bench_audit.py [--entries 1000000]` (PostgreSQL is
the target; without DATABASE_URL a SQLite file is used). Writes its section of benchmarks/RESULTS.md.
"""

import argparse
import io
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
os.environ["PORTAL_AUDIT_WITNESS_FILE"] = "off"  # a database of its own: the development witness is not its
BENCH_DB = ROOT / "data" / "bench-audit.sqlite3"
if not os.environ.get("DATABASE_URL"):
    BENCH_DB.parent.mkdir(exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{BENCH_DB}"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

WRITERS = 6
PER_WRITER = 1500
CHAINS = ["5339", "5340", "5341", "5342", "5343", "5344"]
INSERT_COLUMNS = [
    "chain", "sequence", "previous_hash", "entry_hash", "occurred_at", "controller_id", "controller_code",
    "action", "actor_id", "actor_name", "actor_organisation_code", "camera_ids", "camera_names", "window_start",
    "window_end", "mode", "purpose", "justification", "case_reference", "prosecutor_reference", "recipient_code",
    "convention_reference", "convention_version", "decision", "reason", "request_id", "source_address",
    "user_agent", "details",
]  # fmt: skip


def _plain_insert(entry, chain, sequence):
    """The baseline: the row record_access would write, inserted by one raw statement, without any chaining."""
    import json

    from django.db import transaction

    values = entry.__dict__
    params = []
    for name in INSERT_COLUMNS:
        value = values.get(name)
        params.append(json.dumps(value) if name in ("camera_ids", "camera_names", "details") else value)
    params[0:4] = [chain, sequence, "0" * 64, "0" * 64]
    sql = (
        f"INSERT INTO audit_accesslogentry ({', '.join(INSERT_COLUMNS)}) "  # noqa: S608 - fixed names
        f"VALUES ({', '.join(['%s'] * len(INSERT_COLUMNS))}) RETURNING id"
    )

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            entry.pk = cursor.fetchone()[0]

    if connection.vendor == "postgresql":
        run()  # autocommit, like record_access outside a transaction
    else:
        with transaction.atomic():
            run()


def _writer(kind, index, barrier, results, tag):
    django.db.connections.close_all()
    from django.db import transaction
    from django.utils import timezone

    from audit.access import AccessAction, AccessRecord, record_access
    from audit.models import AccessLogEntry
    from zones.models import Organisation

    chains = list(Organisation.objects.filter(code__in=CHAINS))
    cameras = list(chains[0].cameras.all()[:1])
    barrier.wait()
    started = time.perf_counter()
    for i in range(PER_WRITER):
        owner = chains[(i + index) % len(chains)]
        record = AccessRecord(
            action=AccessAction.CONSULTATION, controller=owner, cameras=cameras, mode="live",
            purpose="public_order", justification=f"writer {index}, entry {i}", decision="allow",
            reason="convention",
        )  # fmt: skip
        if kind == "chained":
            record_access(record)
        elif kind == "in_transaction":
            with transaction.atomic():
                record_access(record)
        else:  # the same entry, built the same way, without the chain
            entry = AccessLogEntry(
                chain=owner.code, occurred_at=timezone.now(), controller=owner, controller_code=owner.code,
                action=record.action, actor_id=None, actor_name="", actor_organisation_code="",
                camera_ids=[c.pk for c in cameras], camera_names=[c.name for c in cameras], mode=record.mode,
                purpose=record.purpose, justification=record.justification, decision=record.decision,
                reason=record.reason, source_address=None, details={},
            )  # fmt: skip
            _plain_insert(entry, f"PLAIN{tag}-{index}", i + 1)
    results.put(time.perf_counter() - started)


def appends(kind, tag=0):
    barrier = multiprocessing.Barrier(WRITERS)
    results = multiprocessing.Queue()
    processes = [multiprocessing.Process(target=_writer, args=(kind, i, barrier, results, tag)) for i in range(WRITERS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    slowest = max(results.get() for _ in processes)  # from the barrier to the last writer's last entry
    return WRITERS * PER_WRITER / slowest


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
    # Alternate the two kinds twice and keep each one's best run: the box has 2 CPUs and background noise.
    runs = {"plain": [], "chained": [], "in_transaction": []}
    for round_ in range(2):
        for kind in ("plain", "chained", "in_transaction"):
            runs[kind].append(appends(kind, round_))
            print(f"{kind}: {runs[kind][-1]:,.0f}/s", flush=True)
    chained, plain, in_transaction = max(runs["chained"]), max(runs["plain"]), max(runs["in_transaction"])

    from audit.maintenance import set_maintenance
    from audit.models import AccessLogEntry
    from demo.access_log import seed_audit_events

    set_maintenance(connection, True)  # the baseline's rows are not part of any chain: remove them
    AccessLogEntry.objects.filter(chain__startswith="PLAIN").delete()
    set_maintenance(connection, False)
    seed_audit_events(entries - AccessLogEntry.objects.count())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE audit_accesslogentry")
    total = AccessLogEntry.objects.count()
    connection.close()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    out = io.StringIO()
    started = time.perf_counter()
    call_command("verify_audit", stdout=out)
    verify_seconds = time.perf_counter() - started
    lines = out.getvalue().splitlines()
    intact = all("intact" in line for line in lines)

    from benchmarks.results import write_section

    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    body = f"""Run {when} on {os.cpu_count()} CPU(s), Python {platform.python_version()}, {connection.vendor}.
Command: `DATABASE_URL=… .venv/bin/python benchmarks/bench_audit.py --entries {entries}`.
Appends: {WRITERS} writer processes x {PER_WRITER} entries, two rounds alternating the kinds, best round of each.
Verification: PostgreSQL checks hashes, links and sequences, Python judges only the rows that fail (audit/chain.py).
Load average (1, 5, 15 min) just before verification: {load}.

| measure | result | target | verdict |
|---|---|---|---|
| appends/s through `record_access`, {WRITERS} writer processes over 6 chains | {chained:,.0f}/s | >= 1,000/s | \
{"met" if chained >= 1000 else "MISSED"} |
| baseline: plain INSERT of the same row (same entry, one raw INSERT, autocommit), same processes | \
{plain:,.0f}/s | | |
| ratio plain / chained | {plain / chained:.2f} | <= 2 | {"met" if plain / chained <= 2 else "MISSED"} |
| for information: `record_access` inside the caller's transaction (savepoint each) | {in_transaction:,.0f}/s | | |
| `manage.py verify_audit` (every chain, {os.cpu_count()} worker processes), {total:,} entries in {len(lines)} \
chains, {"intact" if intact else "BROKEN"} | {verify_seconds:.1f} s | < 10 s | \
{"met" if verify_seconds < 10 and intact else "MISSED"} |
"""
    write_section(f"Access log ({connection.vendor})", body)
    print(body)


if __name__ == "__main__":
    main()
