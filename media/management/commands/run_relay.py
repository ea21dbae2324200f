"""The live relay worker: starts and stops one ffmpeg per watched camera (media/relay.py) until SIGTERM/SIGINT.

In production it runs as its own process (platform/systemd/cctv-portal-relay.service), so web workers never hold
ffmpeg children. Only one worker may use a relay folder at a time.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from media.relay import RelayBusy, RelaySupervisor
from media.supervisor import stop_on_signals


class Command(BaseCommand):
    help = "Run the live relay worker (ffmpeg RTSP to HLS for the cameras being watched) until stopped."

    def add_arguments(self, parser):
        parser.add_argument(
            "--root", default=None, help="Relay folder (default: PORTAL_RELAY_ROOT, where the web side looks too)."
        )
        parser.add_argument("--poll", type=float, default=0.2, help="Seconds between two looks at the demand.")

    def handle(self, *args, root=None, poll=0.2, **options):
        stop = stop_on_signals()
        supervisor = RelaySupervisor(root=root or settings.PORTAL_RELAY_ROOT, poll_seconds=poll)
        self.stdout.write(f"Live relay worker in {supervisor.root} (stop with Ctrl-C or SIGTERM).")
        try:
            supervisor.run(stop)
        except RelayBusy as exc:
            raise CommandError(str(exc)) from exc
