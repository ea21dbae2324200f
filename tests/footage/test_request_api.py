"""The footage-request and export API: preview, create (refusals answered per camera and logged), four-eyes
decisions, the requester never approving, delegates, withdraw, break-glass review, evidence packages with their
progress and download (each a disclosure, 410 after the limit), and clear 4xx everywhere."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AccessAction, AccessLogEntry
from cameras.selectors import APPROVE_GROUP
from cameras.services import delegation_grant, delegation_revoke
from conventions.models import Purpose
from footage import exports
from footage.models import EvidenceExport, FootageRequest
from tests.factories import CameraFactory, CameraGroupFactory, MembershipFactory, OrganisationFactory, api_token_for
from tests.support.recordings import record_segments

pytestmark = pytest.mark.django_db
WHY = "Pickpocketing on the platform, identifying the suspects"


def api(membership):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_for(membership)[1]}")
    return client


@pytest.fixture
def setup(parties, make_convention, tmp_path, settings):
    settings.PORTAL_RECORDING_ROOT = tmp_path / "recordings"
    settings.PORTAL_EXPORT_ROOT = tmp_path / "exports"
    media = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path / "media"}}
    settings.STORAGES = {**settings.STORAGES, "default": media}
    provider, consumer, provider_chief, _ = parties
    camera = CameraFactory(owner=provider, name="Gare Centrale quai 3", legal_regime="police")
    convention = make_convention(provider_chief, consumer, cameras=[camera], four_eyes_export=True,
                                 emergency_allowed=True)  # fmt: skip
    operator = MembershipFactory(organisation=consumer, role="operator")
    approvers = [MembershipFactory(organisation=provider, role="approver") for _ in range(2)]
    return camera, convention, operator, approvers


def body(camera, *, days_ago=2, seconds=9, **values):
    start = timezone.now() - timedelta(days=days_ago)
    return {
        "cameras": [camera.pk],
        "window_start": start.isoformat(),
        "window_end": (start + timedelta(seconds=seconds)).isoformat(),
        "purpose": Purpose.CRIMINAL_INVESTIGATION,
        "mode": "export",
        "justification": WHY,
        "case_reference": "PV 2026/900",
        **values,
    }


def create(client, data, **kwargs):
    return client.post(reverse("footagerequest-list"), data, format="json", **kwargs)


def test_preview_answers_per_camera_without_logging(setup):
    camera, convention, operator, _ = setup
    answer = api(operator).post(reverse("footagerequest-preview"), body(camera), format="json")
    assert answer.status_code == 200
    data = answer.json()
    assert data["all_allowed"] is True and data["prosecutor_required"] is False
    assert data["results"][0]["convention"] == convention.reference
    assert data["emergency"]["convention"] == convention.reference
    old = api(operator).post(reverse("footagerequest-preview"), body(camera, days_ago=40), format="json").json()
    assert old["results"][0]["reason"] == "prosecutor_decision_required" and old["prosecutor_required"]
    assert not AccessLogEntry.objects.filter(controller_code=camera.owner.code).exists()


def test_create_refused_answers_each_camera_and_logs_the_attempt(setup):
    camera, _, operator, _ = setup
    response = create(api(operator), body(camera, days_ago=40, purpose=Purpose.PUBLIC_ORDER))
    assert response.status_code == 403
    assert response.json()["refusals"] == [
        {"camera": camera.pk, "name": camera.name, "reason": "administrative_window_exceeded",
         "message": "an administrative-police purpose reaches only the first month of police footage"},
    ]  # fmt: skip
    assert AccessLogEntry.objects.get(action=AccessAction.DENIED).reason == "administrative_window_exceeded"
    assert not FootageRequest.objects.exists()


def test_cameras_not_shared_and_bad_bodies_are_clear_400s(setup):
    camera, _, operator, _ = setup
    unshared = CameraFactory(owner=camera.owner)
    own = CameraFactory(owner=operator.organisation)
    for other in (unshared, own):
        response = create(api(operator), body(other))
        assert response.status_code == 400 and "cameras" in response.json()
    response = create(api(operator), body(camera, justification="x"))
    assert response.status_code == 400 and "justification" in response.json()
    with_reference = create(api(operator), body(camera, prosecutor_reference="BR.1/26"))
    assert with_reference.status_code == 400 and "prosecutor" in str(with_reference.json()).lower()


def test_the_prosecutors_document_is_uploaded_with_multipart(setup):
    camera, _, operator, _ = setup
    data = body(camera, days_ago=40, prosecutor_reference="BR.12.34/26")
    data["prosecutor_document"] = SimpleUploadedFile("decision.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = api(operator).post(reverse("footagerequest-list"), data, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["has_prosecutor_document"] is True


def test_four_eyes_through_the_api_and_the_requester_never_approves(setup):
    camera, _, operator, (first, second) = setup
    created = create(api(operator), body(camera))
    assert created.status_code == 201
    item = created.json()
    assert item["status"] == "submitted" and item["approvals_required"] == 2 and item["owner"] == camera.owner.code
    approve = reverse("footagerequest-approve", args=[item["id"]])

    # The requester also holds the approver role at the owner: still refused.
    as_approver = MembershipFactory(user=operator.user, organisation=camera.owner, role="approver")
    assert api(as_approver).post(approve, {"reason": "Fine by me"}, format="json").status_code == 403
    assert (
        api(operator).post(approve, {"reason": "Fine by me"}, format="json").status_code == 403
    )  # reads it, never decides

    assert api(first).get(reverse("footagerequest-list"), {"list": "decide"}).json()["count"] == 1
    assert api(first).post(approve, {"reason": "Proportionate, case opened"}, format="json").status_code == 200
    twice = api(first).post(approve, {"reason": "Approving once more"}, format="json")
    assert twice.status_code == 400 and "four-eyes" in str(twice.json())
    assert api(first).get(reverse("footagerequest-list"), {"list": "decide"}).json()["count"] == 0
    done = api(second).post(approve, {"reason": "Agreed with my colleague"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "approved"
    assert [a["approver_name"] for a in done.json()["approvals"]] == [str(first.user), str(second.user)]
    assert api(second).post(approve, {"reason": "too late now"}, format="json").status_code == 400


def test_a_delegate_rejects_and_the_requester_withdraws_another(setup, parties):
    camera, _, operator, _ = setup
    group = CameraGroupFactory(owner=camera.owner)
    camera.groups.add(group)
    delegate = MembershipFactory(organisation=camera.owner, role="operator")
    chief = parties[2]
    delegation = delegation_grant(actor=chief, group=group, user=delegate.user, codename=APPROVE_GROUP)
    first = create(api(operator), body(camera)).json()
    to_decide = api(delegate).get(reverse("footagerequest-list"), {"list": "decide"}).json()["results"]
    assert [row["id"] for row in to_decide] == [first["id"]]
    response = api(delegate).post(reverse("footagerequest-reject", args=[first["id"]]), {"reason": "Not needed"})
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    second = create(api(operator), body(camera)).json()
    assert api(delegate).post(reverse("footagerequest-withdraw", args=[second["id"]])).status_code == 403
    withdrawn = api(operator).post(reverse("footagerequest-withdraw", args=[second["id"]]))
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    third = create(api(operator), body(camera)).json()
    delegation_revoke(actor=chief, delegation=delegation)
    assert api(delegate).get(reverse("footagerequest-list"), {"list": "decide"}).json()["count"] == 0
    refused = api(delegate).post(reverse("footagerequest-reject", args=[third["id"]]), {"reason": "Not needed"})
    assert refused.status_code == 404


def test_break_glass_and_its_review(setup):
    camera, _, operator, _ = setup
    item = create(api(operator), body(camera, mode="playback", break_glass=True)).json()
    assert item["status"] == "break_glass" and item["review_due_at"]
    dpo = MembershipFactory(organisation=camera.owner, role="dpo")
    assert api(dpo).get(reverse("footagerequest-list"), {"list": "review"}).json()["count"] == 1
    review = reverse("footagerequest-review", args=[item["id"]])
    assert api(operator).post(review, {"note": "All fine here"}).status_code == 403
    reviewed = api(dpo).post(review, {"note": "Justified: robbery in progress"})
    assert reviewed.status_code == 200 and reviewed.json()["reviewed_at"]


def test_the_export_is_created_followed_and_downloaded_each_time_logged(setup, monkeypatch):
    camera, _, operator, approvers = setup
    start = timezone.now() - timedelta(days=2)
    record_segments(camera, exports.export_root().parent / "recordings", start, count=3, seconds=4)
    item = create(api(operator), {**body(camera), "window_start": start.isoformat(),
                                  "window_end": (start + timedelta(seconds=9)).isoformat()}).json()  # fmt: skip
    for approver in approvers:
        api(approver).post(reverse("footagerequest-approve", args=[item["id"]]), {"reason": "Needed for the case"})
    monkeypatch.setattr(exports, "_send", lambda pk: None)
    assert api(approvers[0]).post(reverse("evidenceexport-list"), {"request": item["id"]}).status_code == 403
    created = api(operator).post(reverse("evidenceexport-list"), {"request": item["id"], "watermark": False})
    assert created.status_code == 201 and created.json()["status"] == "queued"
    export_id = created.json()["id"]
    again = api(operator).post(reverse("evidenceexport-list"), {"request": item["id"]})
    assert again.status_code == 400
    download = reverse("evidenceexport-download", args=[export_id])
    assert api(operator).get(download).status_code == 410  # not ready yet

    assert exports.export_build(export_id) == EvidenceExport.Status.READY
    progress = api(operator).get(reverse("evidenceexport-detail", args=[export_id])).json()
    assert (progress["status"], progress["progress"], progress["step"]) == ("ready", 100, "Ready")
    owner_dpo = MembershipFactory(organisation=camera.owner, role="dpo")
    assert api(owner_dpo).get(reverse("evidenceexport-detail", args=[export_id])).status_code == 200
    assert api(owner_dpo).get(download).status_code == 403

    for _ in range(progress["downloads_allowed"]):
        got = api(operator).get(download, HTTP_ACCEPT="application/zip")
        assert got.status_code == 200 and got["Content-Type"] == "application/zip"
        assert b"".join(got.streaming_content)[:2] == b"PK"
    gone = api(operator).get(download)
    assert gone.status_code == 410 and "as many times as allowed" in gone.json()["detail"]
    assert AccessLogEntry.objects.filter(action=AccessAction.DISCLOSURE).count() == progress["downloads_allowed"]


def test_another_organisation_gets_404_on_every_action(setup):
    camera, _, operator, _ = setup
    item = create(api(operator), body(camera)).json()
    outsider = api(MembershipFactory(organisation=OrganisationFactory(), role="approver"))
    for name in ("approve", "reject", "withdraw", "review"):
        response = outsider.post(
            reverse(f"footagerequest-{name}", args=[item["id"]]), {"reason": "x y z", "note": "a b"}
        )
        assert response.status_code == 404, name
    assert outsider.post(reverse("evidenceexport-list"), {"request": item["id"]}).status_code == 404
