"""Print how to sign in to the demo: a few people, their password, a current code and a backup code."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

SHOWN = [
    "5339-chief",
    "5339-operator",
    "stib-approver",
    "stib-approver-2",
    "5340-dpo",
    "5339-mayor",
    "bps-platform-admin",
    "coc-supervisor",
]


class Command(BaseCommand):
    help = "Print demo sign-in details from the credentials file written by seed_brussels --demo."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=Path("data/demo-credentials.json"))
        parser.add_argument("--host", default="http://127.0.0.1:8000")

    def handle(self, *args, file, host, **options):
        if not file.exists():
            raise CommandError(f"{file} does not exist: run `manage.py seed_brussels --demo --credentials-out {file}`.")
        people = {person["username"]: person for person in json.loads(file.read_text())}
        self.stdout.write("")
        self.stdout.write(f"The portal starts at {host}/  (sign in with a username, password and second factor)")
        self.stdout.write(f"{'username':<22}{'password':<20}{'a backup code':<14}role")
        for username in SHOWN:
            person = people.get(username)
            if person:
                code = person["backup_codes"][0] if person["backup_codes"] else "-"
                self.stdout.write(f"{username:<22}{person['password']:<20}{code:<14}{person['role']}")
        self.stdout.write("Second factor: a backup code above (single use), or the current code from")
        self.stdout.write(
            "  .venv/bin/python manage.py demo_totp USERNAME   (or add totp_secret to an authenticator app)"
        )
        self.stdout.write(f"Every demo login ({len(people)} people), with 2FA secrets and API tokens: {file}")
        self.stdout.write(
            "Real video: the cameras named DEMO stream test patterns (5339-operator: Live, search DEMO; the Metro"
        )
        self.stdout.write("  and Clemenceau ones are shared with 5339 by the demo conventions).")
        self.stdout.write("")
