"""The central recorder worker: records every camera the platform must keep (media/recorder.py) until
SIGTERM/SIGINT, indexing each segment with its exact start and end.

In production it runs as its own process (platform/systemd/cctv-portal-recorder.service), so web workers never hold
ffmpeg children. Only one worker may use a recording folder at a time.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from media.recorder import RecorderBusy, RecorderSupervisor
from media.supervisor import stop_on_signals


class Command(BaseCommand):
    help = "Run the central recorder (ffmpeg RTSP to indexed segments for the cameras to record) until stopped."

    def add_arguments(self, parser):
        parser.add_argument(
            "--root",
            default=None,
            help="Recording folder (default: PORTAL_RECORDING_ROOT, where playback and exports look too).",
        )
        parser.add_argument(
            "--segment-seconds",
            type=float,
            default=None,
            help="Length of a segment (default: PORTAL_RECORDING_SEGMENT_SECONDS).",
        )
        parser.add_argument(
            "--refresh", type=float, default=30.0, help="Seconds between two readings of which cameras to record."
        )

    def handle(self, *args, root=None, segment_seconds=None, refresh=30.0, **options):
        stop = stop_on_signals()
        supervisor = RecorderSupervisor(
            root=root or settings.PORTAL_RECORDING_ROOT, segment_seconds=segment_seconds, refresh_seconds=refresh
        )
        self.stdout.write(f"Recorder worker in {supervisor.root} (stop with Ctrl-C or SIGTERM).")
        try:
            supervisor.run(stop)
        except RecorderBusy as exc:
            raise CommandError(str(exc)) from exc
