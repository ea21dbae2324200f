"""Re-encrypt every camera's credentials under the current (first) key, in small batches, while running."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cameras.crypto import CredentialsError, is_current, rotate_token
from cameras.models import Camera


class Command(BaseCommand):
    help = (
        "Rotate the key of stored camera credentials. Put the new secret first in PORTAL_ENCRYPTION_KEYS, keep the "
        "old ones after it, restart, run this command, then remove the old secrets."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--check", action="store_true", help="Only count credentials not yet under the new key.")

    def handle(self, *args, batch_size, check, **options):
        ids = list(Camera.objects.exclude(credentials_encrypted="").values_list("pk", flat=True))
        stale = rotated = 0
        for start in range(0, len(ids), batch_size):
            # Short transactions with row locks: the portal keeps running and reading during the rotation.
            with transaction.atomic():
                for camera in Camera.objects.select_for_update().filter(pk__in=ids[start : start + batch_size]):
                    if is_current(camera.credentials_encrypted):
                        continue
                    stale += 1
                    if check:
                        continue
                    try:
                        camera.credentials_encrypted = rotate_token(camera.credentials_encrypted)
                    except CredentialsError as error:
                        raise CommandError(f"Camera {camera.pk}: {error}") from error
                    camera.save(update_fields=["credentials_encrypted"])
                    rotated += 1
        if check:
            self.stdout.write(f"{stale} of {len(ids)} stored credentials are not under the current key.")
        else:
            self.stdout.write(f"{rotated} of {len(ids)} stored credentials re-encrypted under the current key.")
