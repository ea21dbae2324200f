"""Benchmark of the DPO console's filtered query over a large access log (target: p95 < 200 ms at 10,000,000).

What is timed is what the console page asks the database for: oversight.views._filtered (selectors.entry_list for the
reader plus AccessLogFilterSet), then oversight.views.console_page: the ids of the newest COUNT_LIMIT + 1 matches (the
capped count and every page come from them) and the first page's rows read by id. The mix of filter sets is read
by a zone's DPO (their own chain, ~1/10 of the log) and by the supervisory body (every chain). Baseline in the
same run: the supervisor's unfiltered page.

Run: `DATABASE_URL=postgres://…/cctv_bench_console .venv/bin/python benchmarks/bench_audit_console.py
[--entries 10000000] [--reuse] [--explain]` (drops and recreates the schema unless --reuse finds the entries
already there; seeding 10M entries took about 30 minutes on 2 loaded CPUs; after new migrations run `migrate` on
the reused database). Writes its section of benchmarks/RESULTS.md.
"""

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ["DEBUG"] = "false"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.test import RequestFactory  # noqa: E402

REPEATS = 5


def _seed(entries):
    from demo.access_log import seed_audit_events

    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)
    call_command("seed_brussels", "--cameras", "8000", "--demo", verbosity=0)
    # Bulk load without the secondary indexes, then build them once (as a restore would).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'audit_accesslogentry' "
            "AND indexname NOT LIKE '%%pkey' AND indexname <> 'access_log_chain_sequence'"
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    started = time.perf_counter()
    seed_audit_events(entries, progress=lambda n: print(f"  {n:,} entries", flush=True) if n % 1_000_000 == 0 else None)
    print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for name, definition in indexes:
            started = time.perf_counter()
            cursor.execute(definition)
            print(f"  index {name}: {time.perf_counter() - started:.0f} s", flush=True)
        cursor.execute("VACUUM ANALYZE audit_accesslogentry")


def _request(actor, params):
    request = RequestFactory().get("/audit/", params)
    request.GET = QueryDict(mutable=True)
    request.GET.update(params)
    request.actor = actor
    return request


def _entries(actor, params):
    from oversight import views

    filterset = views._filtered(_request(actor, params))
    entries = filterset.qs if not filterset.is_bound or filterset.is_valid() else None
    assert entries is not None, filterset.errors
    return entries


def _console_query(actor, params):
    """The console view's query: filters, newest first, the first page with its capped count (oversight/views.py)."""
    from oversight import views

    page = views.console_page(_entries(actor, params), None)
    rows = list(page.object_list)
    return page.paginator.count, len(rows)


def _plans(actor, params):
    """EXPLAIN ANALYZE of the filtered statement (the newest COUNT_LIMIT + 1 ids; the page is then read by id)."""
    from oversight import views

    entries = _entries(actor, params)
    statements = [entries.order_by(*views.ORDER).values_list("id", flat=True)[: views.COUNT_LIMIT + 1]]
    out = []
    with connection.cursor() as cursor:
        for queryset in statements:
            sql, sql_params = queryset.query.sql_with_params()
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}", sql_params)
            out.append("\n".join(row[0] for row in cursor.fetchall()))
    return out


def _filter_sets():
    from audit.models import AccessLogEntry
    from zones.models import Organisation, User
    from zones.tenancy import actor_for

    dpo_user = User.objects.get(username="5339-dpo")
    zone = Organisation.objects.get(code="5339")
    dpo = actor_for(dpo_user, zone.pk)
    supervisor_user = User.objects.filter(username__endswith="-supervisor").first()
    supervisor = actor_for(supervisor_user, supervisor_user.memberships.first().organisation_id)
    newest = AccessLogEntry.objects.filter(controller_code="5339").order_by("-occurred_at").first()
    sample = AccessLogEntry.objects.filter(controller_code="5339").order_by("-occurred_at")[5000]
    camera_id = sample.camera_ids[0]
    camera_name = sample.camera_names[0]
    today = newest.occurred_at.date()
    tuesday = today - timedelta(days=(today.weekday() - 1) % 7 or 7)
    actor_name = sample.actor_name.split()[-1]
    case = sample.case_reference or "BR.12.LL"
    return [
        ("supervisor, no filter (baseline)", supervisor, {}),
        ("DPO, own chain, no filter", dpo, {}),
        ("supervisor, organisation", supervisor, {"organisation": "5339"}),
        ("DPO, camera id", dpo, {"camera": str(camera_id)}),
        ("DPO, camera name", dpo, {"camera": camera_name}),
        ("DPO, camera id, last Tuesday", dpo, {"camera": str(camera_id), "date_from": str(tuesday),
                                               "date_to": str(tuesday)}),
        ("DPO, user (surname)", dpo, {"user": actor_name}),
        ("DPO, purpose", dpo, {"purpose": "crisis"}),
        ("DPO, action denied", dpo, {"action": "denied"}),
        ("DPO, decision deny", dpo, {"decision": "deny"}),
        ("DPO, last 7 days", dpo, {"date_from": str(today - timedelta(days=7)), "date_to": str(today)}),
        ("DPO, search justification", dpo, {"q": "Flagey"}),
        ("DPO, search case reference", dpo, {"q": case}),
        ("supervisor, search case reference", supervisor, {"q": case}),
        ("supervisor, user and decision", supervisor, {"user": actor_name, "decision": "deny"}),
        ("supervisor, camera id", supervisor, {"camera": str(camera_id)}),
        ("supervisor, purpose and date range", supervisor, {"purpose": "crisis", "date_from": str(tuesday),
                                                             "date_to": str(today)}),
    ]  # fmt: skip


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--reuse", action="store_true", help="Keep the database if it holds the entries.")
    parser.add_argument("--explain", action="store_true", help="Print each filter set's query plans too.")
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "this benchmark is for PostgreSQL"
    from audit.models import AccessLogEntry

    have = 0
    if args.reuse:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('audit_accesslogentry') IS NOT NULL")
            if cursor.fetchone()[0]:
                have = AccessLogEntry.objects.count()
    if have < args.entries:
        _seed(args.entries)
    total = AccessLogEntry.objects.count()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    rows = []
    samples = []
    for label, actor, params in _filter_sets():
        _console_query(actor, params)  # warm the cache, as a console in use would be
        times = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            count, shown = _console_query(actor, params)
            times.append((time.perf_counter() - started) * 1000)
        rows.append((label, params, count, statistics.median(times), max(times)))
        if not label.endswith("(baseline)"):
            samples += times
        print(f"{label}: {count:,} entries, median {statistics.median(times):.0f} ms", flush=True)
        if args.explain:
            for plan in _plans(actor, params):
                print(plan, "\n", flush=True)
    samples.sort()
    p95 = samples[max(0, round(0.95 * len(samples)) - 1)]
    baseline = rows[0][3]

    from benchmarks.results import write_section
    from oversight import views

    lines = "\n".join(
        f"| {label} | `{', '.join(f'{k}={v}' for k, v in params.items()) or '-'}` | "
        f"{f'more than {views.COUNT_LIMIT:,}' if count > views.COUNT_LIMIT else f'{count:,}'} | {median:.0f} ms | "
        f"{worst:.0f} ms |"
        for label, params, count, median, worst in rows
    )
    body = f"""Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} CPU(s), Python \
{platform.python_version()}, {connection.vendor}, {total:,} entries.
Command: `DATABASE_URL=…/cctv_bench_console .venv/bin/python benchmarks/bench_audit_console.py --entries \
{args.entries} --reuse`. Load average at the start: {load}. Each filter set: one warm-up, then {REPEATS} timed runs of
the console's query (oversight.views.console_page: the ids of the newest {views.COUNT_LIMIT + 1:,} matches, in page
order, give the capped count and the page; then the first page of 50 read by id).

| filter set | filters | matching | median | worst |
|---|---|---|---|---|
{lines}

| measure | result | target | verdict |
|---|---|---|---|
| p95 over the filtered sets ({len(samples)} runs) | {p95:.0f} ms | < 200 ms | {"met" if p95 < 200 else "MISSED"} |
| baseline: supervisor's unfiltered page (median) | {baseline:.0f} ms | | |
| ratio p95 / baseline | {p95 / baseline:.2f} | | |
"""
    write_section(f"DPO console query at {total:,} access-log entries ({connection.vendor})", body)
    print(body)


if __name__ == "__main__":
    main()
