"""The recorder's index: segments and gaps of a window, and the purge of footage past its legal retention."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AccessAction, AccessLogEntry
from media.models import LegalHold, RecordingSegment
from media.recording import gaps_between, recordings_purge_due, segments_between
from tests.factories import CameraFactory, UserFactory
from tests.support.recordings import record_segments

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(tmp_path, settings):
    settings.PORTAL_RECORDING_ROOT = tmp_path
    return tmp_path


def test_a_window_lists_its_segments_in_order_and_names_its_gaps(root):
    camera = CameraFactory()
    start = timezone.now() - timedelta(hours=1)
    first, second, third = record_segments(camera, root, start, count=3, seconds=4)
    RecordingSegment.objects.filter(pk=second.pk).update(is_gap=True, file_name="")
    window = (start + timedelta(seconds=1), start + timedelta(seconds=14))
    assert [s.start for s in segments_between(camera, *window)] == [first.started_at, third.started_at]
    assert gaps_between(camera, *window) == [
        (first.ended_at, third.started_at),
        (third.ended_at, window[1]),
    ]


def test_footage_past_retention_is_deleted_with_one_erasure_entry_unless_on_hold(
    root, django_capture_on_commit_callbacks
):
    camera = CameraFactory(legal_regime="camera_law")  # one month
    old = timezone.now() - timedelta(days=31)
    kept, held, _ = record_segments(camera, root, old, count=3, seconds=4)
    recent = record_segments(CameraFactory(owner=camera.owner), root, timezone.now() - timedelta(days=2), count=1)
    LegalHold.objects.create(
        camera=camera, window_start=held.started_at, window_end=held.ended_at, case_reference="PV 9/26",
        reason="Prosecutor's order", created_by=UserFactory(),
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert recordings_purge_due() == 2
    assert recordings_purge_due() == 0
    remaining = RecordingSegment.objects.filter(purged_at__isnull=True)
    assert set(remaining) == {held, recent[0]}
    assert not (root / kept.file_name).exists() and (root / held.file_name).exists()
    erasure = AccessLogEntry.objects.get(action=AccessAction.ERASURE)
    assert erasure.details["segments"] == 2 and erasure.camera_ids == [camera.pk]
    assert erasure.actor_name == "" and erasure.justification == ""  # metadata only
