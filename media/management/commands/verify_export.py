"""Check a downloaded evidence package: `python manage.py verify_export PATH [--public-key BASE64]`.

Exit 0 when the manifest's signature verifies, every file matches its size and SHA-256, nothing is missing or
added, and the ZIP is byte for byte as written; otherwise print what broke and exit 1.
"""

import base64
import binascii

from django.core.management.base import BaseCommand, CommandError

from media.evidence import verify_package


class Command(BaseCommand):
    help = "Verify a downloaded evidence package against its signed manifest."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument(
            "--public-key",
            help="The platform's Ed25519 public key (base64, as published); defaults to this platform's key.",
        )

    def handle(self, path, public_key=None, **options):
        key = None
        if public_key:
            try:
                key = base64.b64decode(public_key, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise CommandError("--public-key must be the base64 of a 32-byte Ed25519 public key.") from exc
        report = verify_package(path, public_key=key)
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(f"FAILED {path}: {problem}")
            raise CommandError(f"{path} is not intact.")
        files = report.manifest.get("files", [])
        self.stdout.write(f"OK {path}: signature valid, {len(files)} file(s) match the manifest.")
        for item in files:
            self.stdout.write(f"  {item['sha256']}  {item['name']} ({item['size']} bytes)")
