"""Manage the media servers allowed to call the gateway hook: `python manage.py media_server add NAME`,
`rotate NAME`, `remove NAME`, `list`.

`add` and `rotate` print the new secret once, with the `authHTTPAddress` line to put in that server's mediamtx.yml;
the portal keeps only its digest. Every web process honours a change within media.media_servers.RELOAD_SECONDS.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from media.media_servers import new_secret, secret_digest
from media.models import MediaServer


class Command(BaseCommand):
    help = "Add, rotate, remove or list the media servers (MediaMTX) allowed to call the gateway hook."

    def add_arguments(self, parser):
        parser.add_argument("verb", choices=["add", "rotate", "remove", "list"])
        parser.add_argument("name", nargs="?", default="")
        parser.add_argument(
            "--portal-url",
            default="http://portal.internal:8000",
            help="The portal as the media server reaches it, for the printed authHTTPAddress line.",
        )

    def handle(self, verb, name="", portal_url="", **options):
        if verb == "list":
            for server in MediaServer.objects.all():
                self.stdout.write(f"{server.name}\tcreated {server.created_at:%Y-%m-%d %H:%M}\tsecret set "
                                  f"{server.rotated_at:%Y-%m-%d %H:%M}")  # fmt: skip
            return
        if not name or slugify(name) != name or len(name) > 50:
            raise CommandError("Give the media server a name of letters, digits, - and _ (at most 50).")
        if verb == "remove":
            if not MediaServer.objects.filter(name=name).delete()[0]:
                raise CommandError(f"No media server named {name}.")
            self.stdout.write(f"Removed {name}: its requests are refused within 30 seconds.")
            return
        secret = new_secret()
        if verb == "add":
            try:
                with transaction.atomic():
                    MediaServer.objects.create(name=name, secret_digest=secret_digest(secret))
            except IntegrityError:
                raise CommandError(f"A media server named {name} exists; rotate its secret instead.") from None
        else:
            server = MediaServer.objects.filter(name=name).first()
            if server is None:
                raise CommandError(f"No media server named {name}.")
            server.secret_digest = secret_digest(secret)
            server.save(update_fields=["secret_digest", "rotated_at"])
        scheme, _, rest = portal_url.rstrip("/").partition("://")
        self.stdout.write(f"Secret of {name} (shown once): {secret}")
        self.stdout.write(f"In its mediamtx.yml:\nauthHTTPAddress: {scheme}://{name}:{secret}@{rest}/gateway/auth")
