"""Verify the access-log chains: continuity, links, hashes and signed heads."""

from django.core.management.base import BaseCommand, CommandError

from audit.chain import verify_chain
from audit.models import AccessLogEntry, ChainHead


class Command(BaseCommand):
    help = "Verify the hash chains of the access log. Exit status 1 names the first broken entry of each chain."

    def add_arguments(self, parser):
        parser.add_argument("--org", help="Only this organisation's chain (its code), or PLATFORM.")

    def handle(self, *args, org, **options):
        chains = set(ChainHead.objects.values_list("chain", flat=True)) | set(
            AccessLogEntry.objects.values_list("chain", flat=True).distinct()
        )
        if org:
            if org not in chains:
                raise CommandError(f"No access-log chain for {org!r}.")
            chains = {org}
        broken = 0
        for chain in sorted(chains):
            report = verify_chain(chain)
            if report.ok:
                self.stdout.write(f"{chain}: intact ({report.entries} entries)")
            else:
                broken += 1
                self.stdout.write(f"{chain}: BROKEN at sequence {report.first_bad_sequence}: {report.problem}")
        if broken:
            raise CommandError(f"{broken} chain(s) broken.", returncode=1)
