"""Runs INSIDE a checkout of the previous main (`manage.py shell`, cwd = that checkout), never in this tree.

It runs the previous main's demo seed (`seed_brussels --demo --cameras 200 --audit-events 20000`, its credentials
written to UPGRADE_CREDENTIALS_OUT), then uses the previous main's own services, as people would have used them, to
leave every kind of footage data the restructuring moves between apps: footage requests (export, playback,
rejected, break-glass) approved under four-eyes, real recorded segments (ffmpeg) and evidence packages built to
READY by the export job (and one approved export request left for the upgraded platform to package), live sessions
(one ended, one open) with a gateway connection, a playback key, a legal hold, relay and recorder state, signed
access-log heads. It checks that the previous main verifies its own data (verify_audit, verify_convention,
verify_export) and writes what it made as JSON to the path in UPGRADE_SCENARIO_OUT. One process for all of it:
each manage.py takes seconds to start.

Imports of the project are deliberately the previous main's module paths (conventions.footage, cameras.models…):
this file is not imported by the current tree.
"""

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

from auditlog.context import set_actor
from cameras.evidence import verify_package
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from cameras.models import Camera, LegalHold, RecordingStream, RelayStream
from conventions import exports, footage, live, playback
from conventions.models import Convention, ConventionVersion, EvidenceExport, FootageRequest, GatewayConnection
from tests.support.recordings import record_segments
from zones.models import Membership, Organisation, Role
from zones.tenancy import actor_for

PROVIDER, CONSUMER = "STIB", "5339"  # the first demo convention: STIB's metro line 1 for the Brussels-Capital zone
CONVENTION_TITLE = "Metro line 1 for Brussels-Capital/Ixelles police"
WHY = "Robbery on the metro platform, identifying the suspects"


def demo_actor(username, code):
    return actor_for(get_user_model().objects.get(username=username), Organisation.objects.get(code=code).pk)


def second_approver():
    """The demo gives each organisation one approver; four-eyes needs a second one."""
    user, _ = get_user_model().objects.get_or_create(
        username="stib-approver-2", defaults={"first_name": "Second", "last_name": "Approver"}
    )
    Membership.objects.get_or_create(
        user=user, organisation=Organisation.objects.get(code=PROVIDER), role=Role.APPROVER
    )
    return actor_for(user, Organisation.objects.get(code=PROVIDER).pk)


def main():
    out = Path(os.environ["UPGRADE_SCENARIO_OUT"])
    call_command(
        "seed_brussels", demo=True, cameras=200, audit_events=20000,
        credentials_out=Path(os.environ["UPGRADE_CREDENTIALS_OUT"]), stdout=sys.stderr,
    )  # fmt: skip
    operator = demo_actor(f"{CONSUMER.lower()}-operator", CONSUMER)
    approvers = [demo_actor(f"{PROVIDER.lower()}-approver", PROVIDER), second_approver()]
    provider_chief = demo_actor(f"{PROVIDER.lower()}-chief", PROVIDER)

    convention = Convention.objects.get(title=CONVENTION_TITLE)
    version = convention.versions.get(status=ConventionVersion.Status.SIGNED)
    metro = Camera.objects.filter(owner__code=PROVIDER, groups__in=version.groups.all()).distinct().order_by("pk")
    cameras = list(metro[:3])
    assert len(cameras) == 3, f"the demo seed shared only {len(cameras)} camera(s) under {convention.reference}"

    # Recorded footage, two hours ago: real H.264 segments indexed as the recorder indexes them.
    start = timezone.now() - timedelta(hours=2)
    recording_root = Path(settings.PORTAL_RECORDING_ROOT)
    for camera in cameras:
        record_segments(camera, recording_root, start, count=3, seconds=4)
    window = {"window_start": start + timedelta(seconds=2), "window_end": start + timedelta(seconds=9)}

    def submit(mode, chosen, **extra):
        return footage.request_submit(
            actor=operator, cameras=chosen, purpose="criminal_investigation", mode=mode, justification=WHY,
            case_reference="PV 2026/4242", **window, **extra,
        )  # fmt: skip

    def approve(request, deciders):
        for approver in deciders:
            footage.request_decide(actor=approver, footage=request, approve=True, reason="Proportionate and needed")
        request.refresh_from_db()
        assert request.status == FootageRequest.Status.APPROVED, request.status
        return request

    # Two export requests under four-eyes: a stream copy of two cameras, a watermarked (re-encoded) single camera.
    built = []
    for chosen, watermark in ((cameras[:2], False), (cameras[2:], True)):
        request = approve(submit("export", chosen), approvers)
        assert request.approvals_required == 2
        export = exports.export_request(actor=operator, footage=request, watermark=watermark)
        status = exports.export_build(export.pk)  # the Celery job's body, run here synchronously
        export.refresh_from_db()
        assert status == EvidenceExport.Status.READY, (status, export.error)
        built.append(export)

    # An approved export request whose package the upgraded platform builds from these recordings.
    later = approve(submit("export", cameras[:1]), approvers)

    # The previous main's own download and verification of the first package (one of its allowed downloads).
    package = out.parent / "old-download.zip"
    package.write_bytes(b"".join(exports.export_download(actor=operator, export=built[0])))
    report = verify_package(package)
    assert report.ok, report.problems

    # Playback of an approved playback request (one approver), then stopped.
    played = approve(submit("playback", cameras[:1]), approvers[:1])
    row, _key = playback.playback_start(actor=operator, footage=played)
    playback.playback_stop(actor=operator, row=row)
    open_row, _key = playback.playback_start(actor=operator, footage=played)

    # A rejected request, and one taken under the convention's emergency clause (break-glass).
    rejected = submit("playback", cameras[1:2])
    footage.request_decide(actor=approvers[0], footage=rejected, approve=False, reason="Not proportionate here")
    emergency = submit("playback", cameras[2:], break_glass=True)

    # Live: one session ended by its viewer (with the gateway connection the hook let through), one still open.
    live_why = "Watching the platform during the demonstration"
    ended = live.sessions_start(actor=operator, cameras=cameras[:1], purpose="public_order", justification=live_why)
    GatewayConnection.objects.create(session=ended[0].session, gateway_id="conn-upgrade-1", protocol="rtsp")
    with transaction.atomic():
        live.session_end(session=ended[0].session)
    still_open = live.sessions_start(
        actor=operator, cameras=cameras[1:2], purpose="public_order", justification=live_why
    )

    # What the video workers publish, and a legal hold on the first camera's footage.
    for camera in cameras:
        RelayStream.objects.create(camera=camera, state=RelayStream.State.IDLE)
        RecordingStream.objects.create(camera=camera, state=RecordingStream.State.RECORDING, last_segment_end=start)
    with set_actor(provider_chief.user):
        hold = LegalHold.objects.create(
            camera=cameras[0], window_start=start, window_end=start + timedelta(minutes=1),
            created_by=provider_chief.user, case_reference="PV 2026/4242",
            reason="Prosecutor's order to keep the footage",
        )  # fmt: skip

    call_command("sign_audit_heads", stdout=sys.stderr)

    signed = sorted(
        Convention.objects.filter(versions__status=ConventionVersion.Status.SIGNED)
        .values_list("reference", flat=True)
        .distinct()
    )
    # The previous main agrees with its own data, or nothing the upgraded tree says about it means anything.
    call_command("verify_audit", stdout=sys.stderr)
    for reference in signed:
        call_command("verify_convention", reference, stdout=sys.stderr)
    call_command("verify_export", str(package), stdout=sys.stderr)

    scenario = {
        "requester": operator.user.username,
        "cameras": [camera.pk for camera in cameras],
        "convention": convention.pk,
        "conventions_signed": signed,
        "footage_requests": {
            "exported": [export.request_id for export in built],
            "played": played.pk,
            "rejected": rejected.pk,
            "break_glass": emergency.pk,
            "export_after_upgrade": later.pk,
        },
        "exports": [
            {"id": e.pk, "package_id": str(e.package_id), "file_name": e.file_name, "sha256": e.sha256} for e in built
        ],
        "old_download": str(package),
        "live_sessions": {"ended": ended[0].session.pk, "open": still_open[0].session.pk},
        "playback_tokens": [row.pk, open_row.pk],
        "legal_hold": hold.pk,
        "membership": Membership.objects.get(user=operator.user, organisation=operator.organisation).pk,
    }
    out.write_text(json.dumps(scenario, indent=2))


main()
