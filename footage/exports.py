"""Evidence exports of approved footage requests: queue, build (a Celery job), download, purge.

The job cuts each camera's window out of the recorder's segments (media.clips), writes the signed and encrypted
package (media.evidence) and reports its progress on the export row. It is idempotent and safe to retry: a
worker holds a lease on the export while it works; the package only appears under its final name when complete;
a retry after a dead worker starts again from a clean working folder; a finished export is never rebuilt. A
watchdog (periodic) re-queues exports whose worker vanished.
"""

import logging
import shutil
import uuid
from datetime import timedelta
from pathlib import Path

from auditlog.context import set_actor
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.access import AccessAction, AccessRecord, record_access
from common.tasks import enqueue
from conventions.models import Mode
from conventions.policy import evaluate, request_lapsed_reason, request_still_granted
from footage.models import EvidenceExport, FootageRequest
from media.clips import ClipError, cut_clip
from media.evidence import PackageError, decrypt_stream, write_package
from media.recording import segments_between
from zones.models import Notification
from zones.tenancy import actor_for

__all__ = [
    "ExportGone",
    "export_build",
    "export_download",
    "export_request",
    "exports_purge_due",
    "exports_requeue_stalled",
    "package_path",
]

log = logging.getLogger(__name__)


class ExportGone(Exception):
    """The package cannot be downloaded any more (expired link, downloads used up, purged)."""


def export_root():
    return Path(settings.PORTAL_EXPORT_ROOT)


def package_path(export):
    return export_root() / export.file_name


def _lease():
    return timedelta(seconds=settings.PORTAL_EXPORT_LEASE_SECONDS)


def _send(export_id):
    """Exports may run on a queue of their own (PORTAL_EXPORT_QUEUE) so that long cuts never delay other work."""
    queue = settings.PORTAL_EXPORT_QUEUE or settings.CELERY_TASK_DEFAULT_QUEUE
    enqueue("footage.tasks.build_export", export_id, queue=queue)


def _enqueue(export):
    transaction.on_commit(lambda: _send(export.pk))


def export_request(*, actor, footage, exact=False, watermark=True):
    """The requester asks for the package of an approved export request (one live package at a time)."""
    if footage.requester_id != actor.user.pk:
        raise PermissionDenied(_("Only the requester asks for the evidence package."))
    lapsed = request_lapsed_reason(footage)
    if footage.mode != Mode.EXPORT or lapsed == "request_not_granted":
        raise ValidationError(_("Only an approved export request gives an evidence package."))
    if lapsed:
        raise ValidationError(_("The approval of this request has lapsed."))
    with transaction.atomic(), set_actor(actor.user):
        FootageRequest.objects.select_for_update().get(pk=footage.pk)
        current = footage.exports.exclude(status__in=[EvidenceExport.Status.FAILED, EvidenceExport.Status.PURGED])
        if current.exists():
            raise ValidationError(_("An evidence package for this request exists already."))
        package_id = uuid.uuid4()
        export = EvidenceExport.objects.create(
            request=footage, package_id=package_id, exact=exact, watermark=watermark, created_by=actor.user,
            file_name=f"{package_id}.cctvx", downloads_allowed=settings.PORTAL_EXPORT_DOWNLOADS,
        )  # fmt: skip
        _enqueue(export)
    return export


def _progress(export, percent, step):
    """Record progress and extend the lease (one small UPDATE the UI polls)."""
    EvidenceExport.objects.filter(pk=export.pk).update(
        progress=percent, step=step[:200], lease_until=timezone.now() + _lease()
    )


def _claim(export_id):
    """Take the export for this worker, or None if it is finished or another live worker holds it."""
    with transaction.atomic():
        export = EvidenceExport.objects.select_for_update().select_related("request").filter(pk=export_id).first()
        if export is None or export.status in (EvidenceExport.Status.READY, EvidenceExport.Status.PURGED):
            return None
        now = timezone.now()
        if export.status == EvidenceExport.Status.RUNNING and export.lease_until and export.lease_until > now:
            return None
        export.status, export.attempts, export.error = EvidenceExport.Status.RUNNING, export.attempts + 1, ""
        export.progress, export.step, export.lease_until = 0, _("Starting"), now + _lease()
        export.save(update_fields=["status", "attempts", "error", "progress", "step", "lease_until"])
        return export


def _still_allowed(footage):
    """The request must still be granted and the convention still allow the export at this moment."""
    if not request_still_granted(footage):
        return _("the approval of the request has lapsed")

    actor = actor_for(footage.requester, footage.organisation_id)
    if actor is None:
        return _("the requester no longer works for the requesting organisation")
    for camera in footage.cameras.all():
        decision = evaluate(
            actor=actor, camera=camera, mode=Mode.EXPORT, purpose=footage.purpose, window_start=footage.window_start,
            window_end=footage.window_end, prosecutor_reference=footage.prosecutor_reference,
            break_glass=footage.status == FootageRequest.Status.BREAK_GLASS,
        )  # fmt: skip
        if not decision:
            return _("the convention no longer allows it (%(reason)s)") % {"reason": decision.reason}
    return None


def _manifest(export, footage, clips):
    version = footage.convention_version
    return {
        "format": "cctv-portal evidence package v1",
        "package_id": str(export.package_id),
        "request": footage.reference,
        "requester": {"name": str(footage.requester), "organisation": footage.organisation.code},
        "owner": footage.owner.code,
        "approvers": [
            {"name": a.approver_name, "decision": a.decision, "at": a.at.isoformat()} for a in footage.approvals.all()
        ],
        "break_glass": footage.status == FootageRequest.Status.BREAK_GLASS,
        "convention": {
            "reference": version.convention.reference,
            "version": version.number,
            "document_sha256": version.document_hash,
        },  # fmt: skip
        "purpose": footage.purpose,
        "case_reference": footage.case_reference,
        "prosecutor_reference": footage.prosecutor_reference,
        "justification": footage.justification,
        "window": {"start": footage.window_start.isoformat(), "end": footage.window_end.isoformat()},
        "cameras": clips,
        "cut": "frame-exact (re-encoded)"
        if export.exact or export.watermark
        else "stream copy from the key frame at or before the start",
        "watermark": export.watermark,
        "created_at": timezone.now().isoformat(),
    }


def export_build(export_id):
    """The job. Returns the final status (or None when there was nothing to do)."""
    export = _claim(export_id)
    if export is None:
        return None
    footage = FootageRequest.objects.select_related(
        "requester", "organisation", "owner", "convention_version__convention"
    ).get(pk=export.request_id)
    work = export_root() / ".work" / str(export.package_id)
    shutil.rmtree(work, ignore_errors=True)  # what a dead worker left behind
    work.mkdir(parents=True)
    try:
        refused = _still_allowed(footage)
        if refused:
            return _fail(export, _("Not exported: %(why)s.") % {"why": refused})
        cameras = list(footage.cameras.order_by("pk"))
        files, clips = [], []
        for index, camera in enumerate(cameras):
            _progress(export, int(80 * index / len(cameras)), _("Cutting %(camera)s") % {"camera": camera.name})
            segments = segments_between(camera, footage.window_start, footage.window_end)
            clip = work / f"camera-{camera.pk}.mp4"
            mark = ""
            if export.watermark:
                mark = _("For %(recipient)s · request %(reference)s · exported %(at)s UTC") % {
                    "recipient": f"{footage.organisation.code} {footage.organisation.name}",
                    "reference": footage.reference, "at": f"{timezone.now():%Y-%m-%d %H:%M}",
                }  # fmt: skip
            try:
                used = cut_clip(segments, footage.window_start, footage.window_end, clip, exact=export.exact,
                                watermark=mark)  # fmt: skip
            except ClipError as exc:
                return _fail(export, _("Camera %(camera)s: %(why)s") % {"camera": camera.name, "why": exc})
            files.append((f"clips/{clip.name}", clip))
            clips.append({
                "id": camera.pk, "name": camera.name, "file": f"clips/{clip.name}",
                "recorded_from": used[0].start.isoformat(), "recorded_until": used[-1].end.isoformat(),
            })  # fmt: skip
        _progress(export, 85, _("Signing and encrypting the package"))
        written = write_package(
            package_path(export), package_id=str(export.package_id), manifest=_manifest(export, footage, clips),
            files=files,
        )  # fmt: skip
        return _finish(export, footage, written)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _fail(export, why):
    EvidenceExport.objects.filter(pk=export.pk).update(
        status=EvidenceExport.Status.FAILED, error=str(why)[:500], lease_until=None, finished_at=timezone.now()
    )
    return EvidenceExport.Status.FAILED


def _finish(export, footage, written):
    now = timezone.now()
    retention = timedelta(days=footage.convention_version.export_retention_days)
    with transaction.atomic():
        export = EvidenceExport.objects.select_for_update().get(pk=export.pk)
        export.status, export.progress, export.step = EvidenceExport.Status.READY, 100, _("Ready")
        export.size, export.sha256, export.manifest = written.size, written.sha256, written.manifest
        export.finished_at, export.lease_until, export.retention_until = now, None, now + retention
        export.link_expires_at = min(now + timedelta(days=settings.PORTAL_EXPORT_LINK_DAYS), now + retention)
        export.save()
        _log_processing(export, footage, written)

        Notification.objects.create(
            recipient=footage.requester, organisation=footage.organisation, kind="export_ready",
            subject=_("The evidence package of %(reference)s is ready") % {"reference": footage.reference},
            link=f"/requests/{footage.pk}/",
        )  # fmt: skip
    return EvidenceExport.Status.READY


def _log_processing(export, footage, written):
    """What the package did to the footage, for the access log (metadata only): re-encoded clips (frame-exact cut
    or burned-in watermark) are an alteration; several cameras in one package are a combination."""
    cameras = list(footage.cameras.all())
    facts = {
        "controller": footage.owner, "actor": export.created_by, "actor_organisation": footage.organisation,
        "cameras": cameras, "window_start": footage.window_start, "window_end": footage.window_end,
        "mode": Mode.EXPORT, "purpose": footage.purpose, "case_reference": footage.case_reference,
        "recipient": footage.organisation, "convention_version": footage.convention_version,
        "details": {"footage_request": footage.reference, "package": str(export.package_id),
                    "manifest_sha256": written.sha256},
    }  # fmt: skip
    if export.exact or export.watermark:
        record_access(AccessRecord(action=AccessAction.ALTERATION, reason="export_reencoded", **facts))
    if len(cameras) > 1:
        record_access(AccessRecord(action=AccessAction.COMBINATION, reason="export_several_cameras", **facts))


def export_download(*, actor, export, request=None):
    """Open the package for its requester: checks the link, opens the package and reads its first chunk (so that a
    missing or damaged package is neither counted nor logged), then counts the download and logs it as a
    disclosure, all before a byte leaves (no log, no download). Returns an iterator of plaintext chunks.
    Raises PermissionDenied, ExportGone, AccessLogUnavailable, PackageError, OSError."""
    with transaction.atomic():
        export = (
            EvidenceExport.objects.select_for_update()
            .select_related("request__owner", "request__organisation", "request__convention_version__convention")
            .get(pk=export.pk)
        )
        footage = export.request
        if footage.requester_id != actor.user.pk or footage.organisation_id != actor.organisation.pk:
            raise PermissionDenied(_("Only the requester downloads this package."))
        if export.status != EvidenceExport.Status.READY:
            raise ExportGone(_("This package is not available."))
        if export.link_expires_at and timezone.now() >= export.link_expires_at:
            raise ExportGone(_("The download link has expired."))
        if export.downloads >= export.downloads_allowed:
            raise ExportGone(_("This package has been downloaded as many times as allowed."))
        chunks = decrypt_stream(package_path(export), str(export.package_id))
        try:
            first = next(chunks, None)  # opens the file, unwraps its key, authenticates the first chunk
            if first is None:
                raise PackageError("The package holds no chunk.")
            export.downloads += 1
            export.save(update_fields=["downloads"])
            record_access(
                AccessRecord(
                    action=AccessAction.DISCLOSURE, controller=footage.owner, actor=actor.user,
                    actor_organisation=actor.organisation, cameras=list(footage.cameras.all()),
                    window_start=footage.window_start, window_end=footage.window_end, mode=Mode.EXPORT,
                    purpose=footage.purpose, justification=footage.justification,
                    case_reference=footage.case_reference, prosecutor_reference=footage.prosecutor_reference,
                    recipient=footage.organisation, convention_version=footage.convention_version,
                    decision="allow", reason="export_download", request=request,
                    details={"footage_request": footage.reference, "package": str(export.package_id),
                             "manifest_sha256": export.sha256, "download": export.downloads},
                )
            )  # fmt: skip
        except BaseException:
            chunks.close()
            raise
    return _streamed(first, chunks)


def _streamed(first, chunks):
    """The chunk already read, then the rest; the package file closes when the response closes."""
    try:
        yield first
        yield from chunks
    finally:
        chunks.close()


def exports_purge_due(*, at=None):
    """Delete packages past their retention, each leaving an erasure entry (metadata only). Idempotent."""
    at = at or timezone.now()
    purged = 0
    due = EvidenceExport.objects.filter(retention_until__lte=at, purged_at__isnull=True)
    for export_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            export = EvidenceExport.objects.select_for_update(skip_locked=True).filter(pk=export_id).first()
            if export is None or export.purged_at is not None:
                continue
            footage = export.request
            record_access(
                AccessRecord(
                    action=AccessAction.ERASURE, controller=footage.owner, cameras=list(footage.cameras.all()),
                    window_start=footage.window_start, window_end=footage.window_end, mode=Mode.EXPORT,
                    purpose=footage.purpose, case_reference=footage.case_reference, recipient=footage.organisation,
                    convention_version=footage.convention_version, reason="export_retention_ended",
                    details={"footage_request": footage.reference, "package": str(export.package_id),
                             "manifest_sha256": export.sha256, "size": export.size,
                             "retention_until": export.retention_until.isoformat()},
                )
            )  # fmt: skip
            export.status, export.purged_at = EvidenceExport.Status.PURGED, at
            export.save(update_fields=["status", "purged_at"])
            path = package_path(export)
            transaction.on_commit(lambda path=path: path.unlink(missing_ok=True))
            purged += 1
    return purged


def exports_requeue_stalled(*, at=None):
    """Re-queue exports whose worker died (lease lapsed) or that never reached a worker. Idempotent."""
    at = at or timezone.now()
    stalled = EvidenceExport.objects.filter(status=EvidenceExport.Status.RUNNING, lease_until__lt=at)
    waiting = EvidenceExport.objects.filter(status=EvidenceExport.Status.QUEUED, created_at__lt=at - _lease())
    ids = list(stalled.values_list("pk", flat=True)) + list(waiting.values_list("pk", flat=True))
    for export_id in ids:
        _send(export_id)
    return len(ids)
