"""Evidence exports of approved requests: built from real recorded segments with ffmpeg, signed and encrypted,
downloaded by the requester only (each download a disclosure), purged on time with an erasure entry."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AccessAction, AccessLogEntry
from conventions import services
from conventions.models import Mode, Purpose
from footage import exports
from footage import requests as footage
from footage.models import EvidenceExport, FootageRequest
from media.evidence import verify_package
from tests.factories import CameraFactory, MembershipFactory
from tests.support.recordings import record_segments
from zones.tenancy import actor_for

pytestmark = pytest.mark.django_db
WHY = "Robbery at the corner shop, identifying the suspects"


def actor(organisation, role):
    membership = MembershipFactory(organisation=organisation, role=role)
    return actor_for(membership.user, organisation.pk)


@pytest.fixture
def roots(tmp_path, settings):
    settings.PORTAL_RECORDING_ROOT = tmp_path / "recordings"
    settings.PORTAL_EXPORT_ROOT = tmp_path / "exports"
    return settings.PORTAL_RECORDING_ROOT, settings.PORTAL_EXPORT_ROOT


@pytest.fixture
def approved(parties, make_convention, roots):
    """An export request approved under four-eyes, over recorded footage of two cameras."""
    provider, consumer, provider_chief, _ = parties
    cameras = [CameraFactory(owner=provider, legal_regime="police") for _ in range(2)]
    convention = make_convention(provider_chief, consumer, cameras=cameras, export_retention_days=30)
    start = timezone.now() - timedelta(days=2)
    for camera in cameras:
        record_segments(camera, roots[0], start, count=3, seconds=4)
    operator = actor(consumer, "operator")
    request = footage.request_submit(
        actor=operator, cameras=cameras, window_start=start + timedelta(seconds=2),
        window_end=start + timedelta(seconds=9), purpose=Purpose.CRIMINAL_INVESTIGATION, mode=Mode.EXPORT,
        justification=WHY, case_reference="PV 2026/77",
    )  # fmt: skip
    for approver in (actor(provider, "approver"), actor(provider, "approver")):
        footage.request_decide(actor=approver, footage=request, approve=True, reason="Proportionate and needed")
    request.refresh_from_db()
    assert request.status == FootageRequest.Status.APPROVED
    return operator, request, convention


def build(operator, request, **options):
    export = exports.export_request(actor=operator, footage=request, **options)
    assert exports.export_build(export.pk) == EvidenceExport.Status.READY
    export.refresh_from_db()
    return export


def download(operator, export):
    return b"".join(exports.export_download(actor=operator, export=export))


def test_the_package_holds_each_cameras_clip_and_a_signed_manifest_that_verifies(approved, tmp_path):
    operator, request, convention = approved
    export = build(operator, request, watermark=False)
    assert (export.progress, export.attempts) == (100, 1)
    stored = exports.package_path(export)
    assert stored.exists() and not list((stored.parent / ".work").glob("*"))
    data = download(operator, export)
    package = tmp_path / "package.zip"
    package.write_bytes(data)
    report = verify_package(package)
    assert report.ok, report.problems
    manifest = report.manifest
    assert manifest["request"] == request.reference
    assert manifest["convention"]["reference"] == convention.reference
    assert len(manifest["approvers"]) == 2 and manifest["purpose"] == "criminal_investigation"
    assert [c["id"] for c in manifest["cameras"]] == sorted(c.pk for c in request.cameras.all())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sum(name.startswith("clips/") for name in archive.namelist()) == 2
    assert export.sha256 and len(data) == export.size


def test_a_watermarked_export_is_re_encoded_and_still_verifies(approved, tmp_path):
    operator, request, _ = approved
    export = build(operator, request, watermark=True)
    package = tmp_path / "package.zip"
    package.write_bytes(download(operator, export))
    report = verify_package(package)
    assert report.ok and report.manifest["watermark"] is True


def test_each_download_is_a_disclosure_and_the_link_is_limited(approved):
    operator, request, _ = approved
    export = build(operator, request, watermark=False)
    for _ in range(export.downloads_allowed):
        download(operator, export)
    with pytest.raises(exports.ExportGone):
        download(operator, export)
    disclosures = AccessLogEntry.objects.filter(action=AccessAction.DISCLOSURE)
    assert disclosures.count() == export.downloads_allowed
    entry = disclosures.first()
    assert entry.recipient_code == operator.organisation.code and entry.details["manifest_sha256"] == export.sha256


def test_only_the_requester_downloads_and_only_before_the_link_expires(approved):
    operator, request, _ = approved
    export = build(operator, request, watermark=False)
    colleague = actor(operator.organisation, "operator")
    with pytest.raises(PermissionDenied):
        download(colleague, export)
    EvidenceExport.objects.filter(pk=export.pk).update(link_expires_at=timezone.now() - timedelta(seconds=1))
    export.refresh_from_db()
    with pytest.raises(exports.ExportGone):
        download(operator, export)
    assert not AccessLogEntry.objects.filter(action=AccessAction.DISCLOSURE).exists()


def test_building_twice_does_not_duplicate(approved):
    operator, request, _ = approved
    export = build(operator, request, watermark=False)
    assert exports.export_build(export.pk) is None
    assert len(list(exports.package_path(export).parent.glob("*.cctvx"))) == 1
    with pytest.raises(ValidationError):
        exports.export_request(actor=operator, footage=request)


def test_a_suspended_convention_stops_the_export(approved, parties):
    operator, request, convention = approved
    export = exports.export_request(actor=operator, footage=request, watermark=False)
    services.convention_suspend(actor=parties[2], convention=convention, reason="Checking a complaint")
    assert exports.export_build(export.pk) == EvidenceExport.Status.FAILED
    export.refresh_from_db()
    assert "no longer allows" in export.error and not exports.package_path(export).exists()


def test_the_package_is_purged_at_the_end_of_its_retention_leaving_an_erasure_entry(
    approved, django_capture_on_commit_callbacks
):
    operator, request, _ = approved
    export = build(operator, request, watermark=False)
    path = exports.package_path(export)
    assert exports.exports_purge_due() == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert exports.exports_purge_due(at=export.retention_until + timedelta(seconds=1)) == 1
    assert exports.exports_purge_due(at=export.retention_until + timedelta(days=1)) == 0
    assert not path.exists()
    export.refresh_from_db()
    assert export.status == EvidenceExport.Status.PURGED
    erasure = AccessLogEntry.objects.get(action=AccessAction.ERASURE)
    assert erasure.details["package"] == str(export.package_id) and erasure.justification == ""
    with pytest.raises(exports.ExportGone):
        download(operator, export)


def test_only_approved_export_requests_give_a_package(approved, parties):
    operator, request, _ = approved
    FootageRequest.objects.filter(pk=request.pk).update(mode=Mode.PLAYBACK)
    request.refresh_from_db()
    with pytest.raises(ValidationError):
        exports.export_request(actor=operator, footage=request)


def test_building_a_package_logs_its_alteration_and_combination_once_each(approved):
    operator, request, _ = approved  # two cameras
    build(operator, request, watermark=True)
    altered = AccessLogEntry.objects.get(action=AccessAction.ALTERATION)
    combined = AccessLogEntry.objects.get(action=AccessAction.COMBINATION)
    for entry in (altered, combined):
        assert sorted(entry.camera_ids) == sorted(c.pk for c in request.cameras.all())
        assert entry.details["footage_request"] == request.reference and entry.recipient_code
        assert entry.actor_id == operator.user.pk


def test_a_stream_copy_of_one_camera_is_neither_altered_nor_combined(approved):
    operator, request, _ = approved
    request.cameras.set([request.cameras.first()])
    build(operator, request, watermark=False)
    assert not AccessLogEntry.objects.filter(action__in=[AccessAction.ALTERATION, AccessAction.COMBINATION]).exists()
