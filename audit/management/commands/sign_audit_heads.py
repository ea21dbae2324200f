"""Sign the current head of every access-log chain now, and optionally export the signed heads."""

import base64
import hashlib
import json
from pathlib import Path

from django.core.management.base import BaseCommand

from audit.chain import public_key_raw, sign_heads
from audit.models import SignedHead


class Command(BaseCommand):
    help = "Sign every chain head with the platform key (also done periodically); --export FILE writes them."

    def add_arguments(self, parser):
        parser.add_argument("--export", type=Path, help="Write all signed heads and the public key as JSON.")

    def handle(self, *args, export, **options):
        self.stdout.write(f"{sign_heads()} head(s) signed.")
        if export:
            public = public_key_raw()
            document = {
                "format": "cctv-portal signed access-log heads v1",
                "message": "UTF-8 of 'cctv-portal access log head\\n{chain}\\n{sequence}\\n{head_hash}'",
                "public_key": base64.b64encode(public).decode(),
                "public_key_fingerprint": hashlib.sha256(public).hexdigest(),
                "heads": [
                    {
                        "chain": h.chain,
                        "sequence": h.sequence,
                        "head_hash": h.head_hash,
                        "signed_at": h.signed_at.isoformat(),
                        "signature": h.signature,
                    }
                    for h in SignedHead.objects.order_by("chain", "sequence")
                ],  # fmt: skip
            }
            export.write_text(json.dumps(document, indent=2))
            self.stdout.write(f"Signed heads written to {export}.")
