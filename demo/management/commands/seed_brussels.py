"""Create the Brussels reference tenants; with --demo, one demo person per role and organisation."""

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AccessLogEntry
from demo.access_log import seed_audit_events, seed_demo_anomalies
from demo.cameras import seed_cameras, seed_streaming_cameras
from demo.conventions import seed_demo_conventions
from zones.models import ApiToken, Membership, Organisation, Role
from zones.reference import demo_roles, seed_reference

DEMO_TOKEN_DAYS = 365
# Four-eyes needs two approvers who are not the requester: each demo organisation has two.
PEOPLE_PER_ROLE = {Role.APPROVER: 2}


def demo_people(organisation):
    """(role, number) of each demo person of the organisation: number 1, 2... for a role held by several."""
    return [(role, n) for role in demo_roles(organisation) for n in range(1, PEOPLE_PER_ROLE.get(role, 1) + 1)]


def _derive(purpose, username, length):
    """Demo secrets derived from SECRET_KEY: stable across runs, so a second run changes nothing."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{purpose}:{username}".encode(), hashlib.sha256).digest()
    return digest[:length]


class Command(BaseCommand):
    help = "Create the six police zones, the regional bodies and the 19 municipalities (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="Also create demo people for each role.")
        parser.add_argument(
            "--cameras", type=int, default=0, help="Make sure N synthetic cameras exist, spread over the owners."
        )
        parser.add_argument(
            "--audit-events",
            type=int,
            default=0,
            help="Make sure the access log holds at least N entries (realistic history).",
        )
        parser.add_argument(
            "--credentials-out",
            type=Path,
            help="Write the demo logins, 2FA secrets, backup codes and API tokens to this file (demo only).",
        )

    def handle(self, *args, demo, credentials_out, cameras, audit_events, **options):
        if credentials_out and not demo:
            raise CommandError("--credentials-out needs --demo: only demo people have credentials to write.")
        if cameras < 0:
            raise CommandError("--cameras must be zero or more.")
        created = seed_reference()
        self.stdout.write(f"Reference data: {created} new row(s).")
        if cameras:
            self.stdout.write(f"Synthetic cameras: {seed_cameras(cameras)} new.")
        credentials = None
        if demo:  # before the history, so that it names the demo conventions
            credentials = self._seed_demo()
            self.stdout.write(f"Demo streaming cameras: {seed_streaming_cameras()} new (`manage.py demo_cameras`).")
            if cameras:
                self.stdout.write(f"Demo conventions: {seed_demo_conventions()} new.")
        if audit_events:
            missing = max(0, audit_events - AccessLogEntry.objects.count())
            self.stdout.write(f"Access-log entries: {seed_audit_events(missing) if missing else 0} appended.")
        if not demo:
            return
        if cameras:
            self.stdout.write(f"Demo decisions for the console's anomalies: {seed_demo_anomalies()}.")
        if credentials_out:
            credentials_out.parent.mkdir(parents=True, exist_ok=True)
            credentials_out.write_text(json.dumps(credentials, indent=2, ensure_ascii=False))
            credentials_out.chmod(0o600)
            self.stdout.write(f"Demo credentials written to {credentials_out} (keep it private; never commit it).")

    @transaction.atomic
    def _seed_demo(self):
        User = get_user_model()
        credentials = []
        for organisation in Organisation.objects.order_by("code"):
            for role, number in demo_people(organisation):
                username = f"{organisation.code.lower()}-{role.replace('_', '-')}" + (
                    f"-{number}" if number > 1 else ""
                )
                password = base64.b32encode(_derive("password", username, 10)).decode().lower()
                user = User.objects.filter(username=username).first()
                if user is None:
                    first_name = Role(role).label + (f" {number}" if number > 1 else "")
                    user = User(username=username, first_name=first_name, last_name=organisation.code)
                    user.set_password(password)
                    user.is_staff = user.is_superuser = role == Role.PLATFORM_ADMIN
                    user.email = f"{username}@demo.invalid"
                    user.save()
                municipality = organisation.municipalities.order_by("nis_code").first() if role == Role.MAYOR else None
                Membership.objects.get_or_create(
                    user=user, organisation=organisation, role=role, defaults={"municipality": municipality}
                )
                key = _derive("totp", username, 20)
                totp = TOTPDevice.objects.filter(user=user, confirmed=True).first()
                if totp is None:
                    totp = TOTPDevice.objects.create(user=user, name="Authenticator", key=key.hex(), confirmed=True)
                static, new_static = StaticDevice.objects.get_or_create(
                    user=user, name="Backup codes", defaults={"confirmed": True}
                )
                if new_static:
                    codes = [base64.b32encode(_derive(f"backup{i}", username, 5)).decode().lower() for i in range(10)]
                    StaticToken.objects.bulk_create([StaticToken(device=static, token=code) for code in codes])
                api_key = f"{ApiToken.PREFIX}_demo{_derive('prefix', username, 2).hex()}_" + base64.urlsafe_b64encode(
                    _derive("api", username, 24)
                ).decode().rstrip("=")
                ApiToken.objects.get_or_create(
                    key_hash=ApiToken.hash_key(api_key),
                    defaults={
                        "user": user,
                        "organisation": organisation,
                        "name": "Demo token",
                        "key_prefix": api_key.split("_")[1],
                        "expires_at": timezone.now() + timedelta(days=DEMO_TOKEN_DAYS),
                    },
                )
                credentials.append(
                    {
                        "username": username,
                        "password": password,
                        "organisation": organisation.code,
                        "role": role,
                        "totp_secret": base64.b32encode(totp.bin_key).decode(),
                        "otpauth_uri": totp.config_url,
                        "backup_codes": list(static.token_set.values_list("token", flat=True)),
                        "api_token": api_key,
                    }
                )
        self.stdout.write(f"Demo people: {len(credentials)}.")
        return credentials
