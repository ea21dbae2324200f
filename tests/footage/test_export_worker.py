"""The export job on a real Celery worker: progress is visible while it runs; a worker killed mid-export leaves
no partial package, and the retry (the watchdog re-queues it once its lease lapses) builds exactly one."""

import os
import signal
from datetime import timedelta

import pytest
from django.utils import timezone

from conventions.models import Mode, Purpose
from footage import exports
from footage import requests as footage
from footage.models import EvidenceExport
from media.evidence import verify_package
from tests.factories import CameraFactory, MembershipFactory
from tests.support.celery_worker import start_celery, wait_for, worker_args
from tests.support.recordings import record_segments
from zones.tenancy import actor_for

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def actor(organisation, role):
    membership = MembershipFactory(organisation=organisation, role=role)
    return actor_for(membership.user, organisation.pk)


def test_a_killed_worker_leaves_no_partial_package_and_the_retry_builds_one(
    parties, make_convention, processes, celery_env, settings, tmp_path
):
    settings.PORTAL_RECORDING_ROOT = tmp_path / "recordings"
    settings.PORTAL_EXPORT_ROOT = tmp_path / "exports"
    settings.PORTAL_EXPORT_QUEUE = celery_env["CELERY_TASK_DEFAULT_QUEUE"]
    celery_env.update(
        PORTAL_RECORDING_ROOT=str(settings.PORTAL_RECORDING_ROOT),
        PORTAL_EXPORT_ROOT=str(settings.PORTAL_EXPORT_ROOT),
        PORTAL_EXPORT_LEASE_SECONDS="3",
    )
    provider, consumer, provider_chief, _ = parties
    cameras = [CameraFactory(owner=provider, legal_regime="police") for _ in range(2)]
    make_convention(provider_chief, consumer, cameras=cameras, four_eyes_export=False)
    start = timezone.now() - timedelta(days=1)
    for camera in cameras:
        record_segments(camera, settings.PORTAL_RECORDING_ROOT, start, count=2, seconds=6, size="1280x720")
    operator = actor(consumer, "operator")
    request = footage.request_submit(
        actor=operator, cameras=cameras, window_start=start, window_end=start + timedelta(seconds=12),
        purpose=Purpose.CRIMINAL_INVESTIGATION, mode=Mode.EXPORT, justification="Assault in the metro station hall",
        case_reference="PV 2026/501",
    )  # fmt: skip
    request = footage.request_decide(
        actor=actor(provider, "approver"), footage=request, approve=True, reason="Clearly needed"
    )

    started, folder = processes
    log = (folder / "worker.log").open("w")
    started.append(start_celery(worker_args(celery_env), celery_env, log))
    # Re-encoding with a watermark keeps the worker busy long enough to be killed in the middle.
    export = exports.export_request(actor=operator, footage=request, exact=True, watermark=True)

    def running():
        export.refresh_from_db()
        return export.status == EvidenceExport.Status.RUNNING and export.step.startswith("Cutting")

    assert wait_for(running, timeout=60), (folder / "worker.log").read_text()[-3000:]
    os.kill(started[0].pid, signal.SIGKILL)
    started[0].wait(timeout=10)
    final = exports.package_path(export)
    assert not final.exists()
    assert not list(final.parent.glob("*.cctvx")) and not list(final.parent.glob(".*.part"))

    # A new worker; the watchdog re-queues the export once the dead worker's lease has lapsed.
    started.append(start_celery(worker_args(celery_env), celery_env, log))
    assert wait_for(lambda: exports.exports_requeue_stalled() > 0, timeout=20)

    def ready():
        export.refresh_from_db()
        return export.status in (EvidenceExport.Status.READY, EvidenceExport.Status.FAILED)

    assert wait_for(ready, timeout=120), (folder / "worker.log").read_text()[-3000:]
    assert export.status == EvidenceExport.Status.READY, export.error
    assert export.attempts == 2
    assert [p.name for p in final.parent.glob("*.cctvx")] == [final.name]
    assert EvidenceExport.objects.filter(request=request).count() == 1
    package = tmp_path / "package.zip"
    package.write_bytes(b"".join(exports.export_download(actor=operator, export=export)))
    assert verify_package(package).ok
