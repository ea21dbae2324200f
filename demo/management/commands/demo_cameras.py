"""Run the demo's streaming cameras until stopped: a local RTSP server fed with ffmpeg test patterns, one path per
camera of demo.cameras.STREAMING, readers on PORTAL_DEMO_RTSP_PORT (what `seed_brussels --demo` wrote into those
cameras). If the server or the publisher dies, both start again. `make run` starts and stops it with the demo."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.cameras import STREAMING
from demo.streams import INSTALL_HINT, RtspStreamError, RtspTestStream, missing_tools
from media.supervisor import stop_on_signals

CHECK_SECONDS = 2.0


class Command(BaseCommand):
    help = "Run the demo's streaming cameras (ffmpeg test patterns on a local RTSP server) until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=float, default=0, help="Stop after this long (0: until stopped).")

    def handle(self, *args, seconds, **options):
        missing = missing_tools()
        if missing:
            raise CommandError(f"The demo cameras need {', '.join(missing)}: {INSTALL_HINT}.")
        port = settings.PORTAL_DEMO_RTSP_PORT
        stream = RtspTestStream(
            paths=[path for path, *_rest in STREAMING], client_port=port, source_port=port + 1, gop=25
        )
        stop = stop_on_signals()
        try:
            stream.start()
        except RtspStreamError as exc:
            raise CommandError(f"The demo cameras could not start on port {port}: {exc}") from exc
        self.stdout.write(f"Demo cameras: {len(STREAMING)} streams on rtsp://127.0.0.1:{port}/ (Ctrl-C stops them).")
        until = time.monotonic() + seconds if seconds else None
        try:
            while not stop.wait(CHECK_SECONDS) and (until is None or time.monotonic() < until):
                if not stream.running:
                    self.stderr.write("Demo cameras: the RTSP server or the publisher stopped; starting them again.")
                    stream.stop()
                    stream.start()
        finally:
            stream.stop()
