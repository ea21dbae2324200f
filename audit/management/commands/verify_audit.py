"""Verify the access-log chains: continuity, links, hashes and signed heads."""

import multiprocessing
import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

from audit.chain import record_verification, walk_chain
from audit.models import AccessLogEntry, ChainHead


def _chains_with_entries():
    """Every chain holding entries. On PostgreSQL by skipping along the (chain, sequence) index, one probe per
    chain, rather than a DISTINCT over every entry (seconds at a million entries)."""
    if connection.vendor != "postgresql":
        return set(AccessLogEntry.objects.values_list("chain", flat=True).distinct())
    table = AccessLogEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH RECURSIVE chains(chain) AS (
                    (SELECT chain FROM {table} ORDER BY chain LIMIT 1)
                    UNION ALL
                    SELECT (SELECT e.chain FROM {table} e WHERE e.chain > c.chain ORDER BY e.chain LIMIT 1)
                    FROM chains c WHERE c.chain IS NOT NULL
                ) SELECT chain FROM chains WHERE chain IS NOT NULL"""  # noqa: S608 - fixed table name
        )
        return {row[0] for row in cursor.fetchall()}


def _walk(chain):
    """In a worker process: its own database connection (the parent closed its own before forking)."""
    try:
        return walk_chain(chain)
    finally:
        connections.close_all()


class Command(BaseCommand):
    help = "Verify the hash chains of the access log. Exit status 1 names the first broken entry of each chain."

    def add_arguments(self, parser):
        parser.add_argument("--org", help="Only this organisation's chain (its code), or PLATFORM.")
        parser.add_argument(
            "--jobs", type=int, default=os.cpu_count() or 1,
            help="Chains verified side by side in worker processes (PostgreSQL; default: one per CPU).",
        )  # fmt: skip

    def handle(self, *args, org, jobs, **options):
        sizes = dict(ChainHead.objects.values_list("chain", "sequence"))
        for chain in _chains_with_entries():  # a chain whose head row is missing is verified too
            sizes.setdefault(chain, 0)
        if org:
            if org not in sizes:
                raise CommandError(f"No access-log chain for {org!r}.")
            sizes = {org: sizes[org]}
        chains = sorted(sizes, key=lambda chain: -sizes[chain])  # longest first: workers finish together
        reports = {}
        parallel = jobs > 1 and len(chains) > 1 and connection.vendor == "postgresql"
        if parallel and not connection.in_atomic_block:  # workers cannot see an open transaction's rows
            connections.close_all()
            with multiprocessing.get_context("fork").Pool(min(jobs, len(chains))) as pool:
                for report in pool.imap_unordered(_walk, chains):
                    reports[report.chain] = report
        else:
            reports = {chain: walk_chain(chain) for chain in chains}
        broken = 0
        for chain in sorted(reports):
            report = reports[chain]
            record_verification(report)
            if report.ok:
                self.stdout.write(f"{chain}: intact ({report.entries} entries)")
            else:
                broken += 1
                self.stdout.write(f"{chain}: BROKEN at sequence {report.first_bad_sequence}: {report.problem}")
        if broken:
            raise CommandError(f"{broken} chain(s) broken.", returncode=1)
