"""Verify the access-log chains: continuity, links, hashes, signed heads and the witness (audit.witness)."""

import multiprocessing
import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

from audit.chain import record_verification, walk_chain
from audit.models import AccessLogEntry, ChainHead
from audit.witness import read_witness

_WITNESS = None  # read once, before the database, and inherited by the worker processes


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
        return walk_chain(chain, witness=_WITNESS)
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
        global _WITNESS  # noqa: PLW0603 - handed to the forked workers
        _WITNESS = witness = read_witness()  # first: every head it holds was committed before the walks begin
        sizes = dict(ChainHead.objects.values_list("chain", "sequence"))
        for chain in [*_chains_with_entries(), *witness.heads]:  # a chain whose head row or entries are gone too
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
            reports = {chain: walk_chain(chain, witness=witness) for chain in chains}
        broken = self._witness(witness)
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

    def _witness(self, witness):
        """Say what the chains were compared with; a line of the witness that is not a signed head at all counts
        as a broken chain (the witness was altered)."""
        if witness.path is None:
            self.stdout.write("witness: none configured (PORTAL_AUDIT_WITNESS_FILE)")
        elif not witness.exists:
            self.stdout.write(f"witness: {witness.path} does not exist yet (it begins with the next signed head)")
        else:
            self.stdout.write(f"witness: {witness.count} signed heads in {witness.path}")
        for number in witness.malformed:
            self.stdout.write(f"witness: BROKEN at line {number} of {witness.path}: not a signed head (altered)")
        return len(witness.malformed)
