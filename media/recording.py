"""The central recorder's index: which recorded segments cover a window, where the gaps are, and the purge of
footage past its legal retention (unless a legal hold keeps it), which leaves an erasure entry in the access log.
"""

from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.access import AccessAction, AccessRecord, record_access
from cameras.models import Camera
from media.clips import Segment
from media.models import LegalHold, RecordingSegment

__all__ = ["gaps_between", "recording_root", "recordings_purge_due", "segments_between"]


def recording_root():
    return Path(settings.PORTAL_RECORDING_ROOT)


def _overlapping(camera, start, end):
    return RecordingSegment.objects.filter(
        camera=camera, purged_at__isnull=True, started_at__lt=end, ended_at__gt=start
    ).order_by("started_at")


def segments_between(camera, start, end):
    """The recorded files covering [start, end), as clips.Segment, in time order (gaps left out)."""
    root = recording_root()
    return [
        Segment(root / s.file_name, s.started_at, s.ended_at) for s in _overlapping(camera, start, end) if not s.is_gap
    ]


def gaps_between(camera, start, end):
    """[(from, until)] of the window not covered by any recorded file."""
    gaps, cursor = [], start
    for segment in _overlapping(camera, start, end).filter(is_gap=False):
        if segment.started_at > cursor:
            gaps.append((cursor, min(segment.started_at, end)))
        cursor = max(cursor, segment.ended_at)
    if cursor < end:
        gaps.append((cursor, end))
    return gaps


def _held(camera_id, holds, started_at, ended_at):
    return any(h.camera_id == camera_id and h.window_start < ended_at and h.window_end > started_at for h in holds)


def recordings_purge_due(*, at=None, batch=2000):
    """Delete recorded segments past their camera's legal retention, unless on legal hold; one erasure entry per
    camera and run (metadata only: what span was deleted, how many files, how many bytes). Idempotent."""
    at = at or timezone.now()
    purged = 0
    holds = list(LegalHold.objects.filter(released_at__isnull=True))
    for camera in Camera.objects.filter(
        pk__in=RecordingSegment.objects.filter(purged_at__isnull=True).values("camera_id")
    ).select_related("owner"):
        limit = at - timedelta(days=camera.retention_days)
        with transaction.atomic():
            due = list(
                RecordingSegment.objects.select_for_update(skip_locked=True)
                .filter(camera=camera, purged_at__isnull=True, ended_at__lte=limit)
                .order_by("started_at")[:batch]
            )
            due = [s for s in due if not _held(camera.pk, holds, s.started_at, s.ended_at)]
            if not due:
                continue
            record_access(
                AccessRecord(
                    action=AccessAction.ERASURE, controller=camera.owner, cameras=[camera],
                    window_start=due[0].started_at, window_end=due[-1].ended_at, reason="retention_ended",
                    details={"segments": len(due), "bytes": sum(s.size for s in due),
                             "retention_days": camera.retention_days},
                )
            )  # fmt: skip
            RecordingSegment.objects.filter(pk__in=[s.pk for s in due]).update(purged_at=at)
            files = [recording_root() / s.file_name for s in due if s.file_name]
            transaction.on_commit(lambda files=files: [f.unlink(missing_ok=True) for f in files])
            purged += len(due)
    return purged
