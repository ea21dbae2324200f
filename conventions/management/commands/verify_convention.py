"""Re-check a convention: every proposed or signed version's document hash and every signature."""

from django.core.management.base import BaseCommand, CommandError

from conventions.models import Convention, ConventionVersion
from conventions.signing import verify_version


class Command(BaseCommand):
    help = "Verify the document hash and every Ed25519 signature of a convention. Exit status 1 on any mismatch."

    def add_arguments(self, parser):
        parser.add_argument("convention", help="Convention id or reference (e.g. CONV-2026-0001).")

    def handle(self, *args, convention, **options):
        lookup = {"pk": int(convention)} if convention.isdigit() else {"reference": convention}
        found = Convention.objects.filter(**lookup).first()
        if found is None:
            raise CommandError(f"No convention {convention!r}.")
        versions = found.versions.exclude(status=ConventionVersion.Status.DRAFT).order_by("number")
        failures = 0
        for version in versions:
            problems = verify_version(version)
            signers = ", ".join(
                f"{s.party}: {s.signer_name} [{s.key.fingerprint[:16]}…]" for s in version.signatures.all()
            )
            if problems:
                failures += 1
                self.stdout.write(f"{found.reference} v{version.number}: FAILED")
                for problem in problems:
                    self.stdout.write(f"  - {problem}")
            else:
                signed_by = signers or "no signature yet"
                self.stdout.write(
                    f"{found.reference} v{version.number}: OK  sha256 {version.document_hash}  {signed_by}"
                )
        if not versions:
            self.stdout.write(f"{found.reference}: no proposed version to verify.")
        if failures:
            raise CommandError(f"{failures} version(s) of {found.reference} failed verification.", returncode=1)
