"""Footage request pages: the check before submitting, refusals in plain words, four-eyes through the pages, the
requester never approving, delegates, break-glass reviews, the evidence package's progress and download (counted,
logged, 410 after the limit), and another organisation's request answering 404."""

from datetime import timedelta

import pytest
from celery import current_app
from celery.signals import before_task_publish
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessAction, AccessLogEntry
from cameras.selectors import APPROVE_GROUP, delegation_list
from cameras.services import delegation_grant
from conventions import services
from conventions.models import Mode, Purpose
from footage import exports
from footage import requests as footage
from footage.models import EvidenceExport, FootageRequest
from tests.factories import CameraFactory, CameraGroupFactory, OrganisationFactory
from tests.support.recordings import record_segments
from zones.models import Notification
from zones.tenancy import actor_for

pytestmark = pytest.mark.django_db
EMAIL_TASK = "zones.tasks.send_notification_emails"
WHY = "Bag snatching at the tram stop, identifying the suspects"
LOCAL = "%Y-%m-%dT%H:%M:%S"


@pytest.fixture
def roots(tmp_path, settings):
    settings.PORTAL_RECORDING_ROOT = tmp_path / "recordings"
    settings.PORTAL_EXPORT_ROOT = tmp_path / "exports"
    media = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path / "media"}}
    settings.STORAGES = {**settings.STORAGES, "default": media}
    return settings.PORTAL_RECORDING_ROOT


@pytest.fixture
def shared(parties, make_convention, person, roots):
    """The consumer's operator, a police camera of the provider shared under four-eyes with an emergency clause,
    two approvers, the provider's chief and DPO (all people who can sign in)."""
    provider, consumer, provider_chief, _ = parties
    camera = CameraFactory(owner=provider, name="Porte de Namur", legal_regime="police")
    convention = make_convention(provider_chief, consumer, cameras=[camera], four_eyes_export=True,
                                 emergency_allowed=True, emergency_review_hours=24)  # fmt: skip
    people = {
        "operator": person(consumer, "operator"),
        "approvers": [person(provider, "approver"), person(provider, "approver")],
        "chief": person(provider, "chief"),
        "dpo": person(provider, "dpo"),
        "consumer_dpo": person(consumer, "dpo"),
    }
    return camera, convention, people


def local(moment):
    return timezone.localtime(moment).strftime(LOCAL)


def form_data(camera, *, days_ago=2, minutes=10, **values):
    start = (timezone.now() - timedelta(days=days_ago)).replace(microsecond=0)
    return {
        "cameras": [camera.pk],
        "window_start": local(start),
        "window_end": local(start + timedelta(minutes=minutes)),
        "purpose": Purpose.CRIMINAL_INVESTIGATION,
        "mode": Mode.EXPORT,
        "justification": WHY,
        "case_reference": "PV 2026/4411",
        **values,
    }


def check_then_submit(client, data):
    checked = client.post(reverse("requests:new"), {**data, "action": "check"})
    assert checked.status_code == 200
    fingerprint = checked.context["check"].fingerprint
    return checked, client.post(reverse("requests:new"), {**data, "action": "submit", "checked": fingerprint})


def as_actor(membership):
    return actor_for(membership.user, membership.organisation_id)


def test_the_check_shows_the_decision_per_camera_before_submit_is_enabled(shared, signed_in):
    camera, convention, people = shared
    client = signed_in(people["operator"])
    page = client.get(reverse("requests:new"), {"camera": camera.pk})
    assert page.status_code == 200
    assert 'id="submit-request" disabled' in page.content.decode()

    checked = client.post(reverse("requests:new"), {**form_data(camera), "action": "check"})
    text = checked.content.decode()
    assert f"allowed under convention {convention.reference}, version 1" in text
    assert 'id="submit-request" disabled' not in text
    assert "two approvers of the owner must approve" in text
    assert f"Convention {convention.reference} has an emergency clause" in text
    assert not AccessLogEntry.objects.filter(controller_code=camera.owner.code).exists()  # a check logs nothing

    preview = client.get(reverse("requests:preview"), {**form_data(camera, days_ago=40)}).json()
    assert preview["all_allowed"] is False and preview["prosecutor_required"] is True
    assert preview["results"][0]["text"].startswith("refused: police footage older than one month")


def test_a_submitted_request_is_stored_in_utc_and_goes_to_the_approvers(shared, signed_in):
    camera, convention, people = shared
    client = signed_in(people["operator"])
    data = form_data(camera)
    _checked, response = check_then_submit(client, data)
    item = FootageRequest.objects.get()
    assert response.status_code == 302 and response.url == reverse("requests:detail", args=[item.pk])
    assert local(item.window_start) == data["window_start"]
    assert item.window_start.utcoffset() == timedelta(0)
    assert item.approvals_required == 2 and item.owner == camera.owner
    page = client.get(response.url).content.decode()
    assert item.reference in page and "Waiting for approval" in page and "0 of 2 needed" in page


def test_a_changed_request_must_be_checked_again(shared, signed_in):
    camera, _convention, people = shared
    client = signed_in(people["operator"])
    checked = client.post(reverse("requests:new"), {**form_data(camera), "action": "check"})
    fingerprint = checked.context["check"].fingerprint
    changed = form_data(camera, minutes=20)
    response = client.post(reverse("requests:new"), {**changed, "action": "submit", "checked": fingerprint})
    assert response.status_code == 400 and "check it again" in response.content.decode()
    assert not FootageRequest.objects.exists()


def test_a_suspension_after_the_check_sends_the_request_back(shared, signed_in):
    camera, _convention, people = shared
    client = signed_in(people["operator"])
    data = form_data(camera, days_ago=40)
    checked = client.post(reverse("requests:new"), {**data, "action": "check"})
    assert checked.context["check"].prosecutor_required
    assert 'data-required="true"' in checked.content.decode()
    # The convention is suspended between the check and the submission: the refusal comes from the submission.
    ok = form_data(camera)
    fingerprint = client.post(reverse("requests:new"), {**ok, "action": "check"}).context["check"].fingerprint
    services.convention_suspend(actor=as_actor(people["chief"]), convention=_convention, reason="Checking a complaint")
    response = client.post(reverse("requests:new"), {**ok, "action": "submit", "checked": fingerprint})
    assert response.status_code == 400  # the camera is no longer shared: sent back, nothing submitted
    assert "not shared with your organisation (or no longer is)" in response.content.decode()
    assert not FootageRequest.objects.exists()


def test_footage_refused_at_submission_lists_each_camera(shared, signed_in, monkeypatch):
    camera, _convention, people = shared
    client = signed_in(people["operator"])
    data = form_data(camera)
    fingerprint = client.post(reverse("requests:new"), {**data, "action": "check"}).context["check"].fingerprint

    def refuse(**kwargs):
        raise footage.FootageRefused({camera: "lookback_exceeded"})

    monkeypatch.setattr(footage, "request_submit", refuse)
    response = client.post(reverse("requests:new"), {**data, "action": "submit", "checked": fingerprint})
    assert response.status_code == 403
    text = response.content.decode()
    assert "Porte de Namur" in text and "the convention does not reach that far back" in text


def test_the_prosecutors_decision_is_required_where_the_law_requires_it(shared, signed_in):
    camera, _convention, people = shared
    client = signed_in(people["operator"])
    data = form_data(camera, days_ago=40, prosecutor_reference="BR.12.34.5678/26")
    checked = client.post(reverse("requests:new"), {**data, "action": "check"})
    assert checked.context["check"].all_allowed and checked.context["check"].prosecutor_required
    fingerprint = checked.context["check"].fingerprint
    missing = client.post(reverse("requests:new"), {**data, "action": "submit", "checked": fingerprint})
    assert missing.status_code == 400 and "Attach the prosecutor" in missing.content.decode()
    document = SimpleUploadedFile("decision.pdf", b"%PDF-1.4 decision", content_type="application/pdf")
    response = client.post(
        reverse("requests:new"),
        {**data, "action": "submit", "checked": fingerprint, "prosecutor_document": document},
    )
    assert response.status_code == 302
    item = FootageRequest.objects.get()
    assert item.prosecutor_reference == "BR.12.34.5678/26" and item.prosecutor_document
    got = client.get(reverse("requests:document", args=[item.pk]))
    assert got.status_code == 200 and b"".join(got.streaming_content) == b"%PDF-1.4 decision"


def submitted(shared, **kwargs):
    camera, _convention, people = shared
    start = timezone.now() - timedelta(days=2)
    values = {"purpose": Purpose.CRIMINAL_INVESTIGATION, "mode": Mode.EXPORT, "justification": WHY,
              "case_reference": "PV 2026/4411", **kwargs}  # fmt: skip
    return footage.request_submit(actor=as_actor(people["operator"]), cameras=[camera], window_start=start,
                                  window_end=start + timedelta(seconds=9), **values)  # fmt: skip


def test_four_eyes_through_the_pages_and_the_requester_cannot_approve(shared, signed_in, client):
    camera, _convention, people = shared
    item = submitted(shared)
    first, second = people["approvers"]
    url = reverse("requests:detail", args=[item.pk])

    operator_page = signed_in(people["operator"]).get(url).content.decode()
    assert "Your decision" not in operator_page and "Withdraw the request" in operator_page
    refused = client.post(reverse("requests:decide", args=[item.pk]), {"decision": "approve", "reason": "Looks fine"})
    assert refused.status_code == 403

    client.logout()
    approver_client = signed_in(first)
    listing = approver_client.get(reverse("requests:list"), {"list": "decide"}).content.decode()
    assert item.reference in listing
    no_reason = approver_client.post(reverse("requests:decide", args=[item.pk]), {"decision": "approve", "reason": ""})
    assert no_reason.status_code == 400
    response = approver_client.post(
        reverse("requests:decide", args=[item.pk]), {"decision": "approve", "reason": "Proportionate, case opened"}
    )
    assert response.status_code == 302
    again = approver_client.get(url).content.decode()
    assert "Your decision" not in again and "Approved by" in again
    assert item.reference not in approver_client.get(reverse("requests:list"), {"list": "decide"}).content.decode()

    approver_client.logout()
    second_client = signed_in(second)
    second_client.post(reverse("requests:decide", args=[item.pk]), {"decision": "approve", "reason": "Agreed, needed"})
    item.refresh_from_db()
    assert item.status == FootageRequest.Status.APPROVED
    reasons = list(AccessLogEntry.objects.filter(action=AccessAction.APPROVAL).values_list("reason", flat=True))
    assert reasons == ["approval_1_of_2", "approved"]


def test_the_requesting_organisations_dpo_reads_the_request_read_only(shared, signed_in):
    _camera, _convention, people = shared
    item = submitted(shared)
    page = signed_in(people["consumer_dpo"]).get(reverse("requests:detail", args=[item.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and item.reference in text
    assert "Your decision" not in text and "Withdraw the request" not in text


def test_a_delegate_of_the_camera_group_decides(shared, signed_in, person):
    camera, _convention, people = shared
    group = CameraGroupFactory(owner=camera.owner, name="Namur")
    camera.groups.add(group)
    delegate = person(camera.owner, "operator")
    delegation_grant(actor=as_actor(people["chief"]), group=group, user=delegate.user, codename=APPROVE_GROUP)

    item = submitted(shared, mode=Mode.PLAYBACK)
    delegate_client = signed_in(delegate)
    assert item.reference in delegate_client.get(reverse("requests:list"), {"list": "decide"}).content.decode()
    assert "Your decision" in delegate_client.get(reverse("requests:detail", args=[item.pk])).content.decode()
    delegate_client.post(
        reverse("requests:decide", args=[item.pk]), {"decision": "reject", "reason": "Not proportionate"}
    )
    item.refresh_from_db()
    assert item.status == FootageRequest.Status.REJECTED


def test_delegations_are_managed_on_the_camera_groups_page_and_a_revoked_one_no_longer_decides(
    shared, signed_in, person
):
    camera, _convention, people = shared
    group = CameraGroupFactory(owner=camera.owner, name="Namur")
    camera.groups.add(group)
    delegate = person(camera.owner, "operator")
    chief = as_actor(people["chief"])
    delegation_grant(actor=chief, group=group, user=delegate.user, codename=APPROVE_GROUP)
    item = submitted(shared, mode=Mode.PLAYBACK)

    chief_client = signed_in(people["chief"])
    listing = chief_client.get(reverse("requests:list")).content.decode()
    assert f'href="{reverse("cameras:groups")}"' in listing and "Approval delegations" in listing
    assert chief_client.get("/requests/delegations/").status_code == 404
    groups_page = chief_client.get(reverse("cameras:groups")).content.decode()
    assert "Approve footage requests" in groups_page and str(delegate.user) in groups_page
    delegation = delegation_list(actor=chief).get()
    chief_client.post(reverse("cameras:delegation_revoke", args=[delegation.pk]))
    assert not delegation_list(actor=chief).exists()
    chief_client.logout()

    delegate_client = signed_in(delegate)
    assert item.reference not in delegate_client.get(reverse("requests:list"), {"list": "decide"}).content.decode()
    refused = delegate_client.post(
        reverse("requests:decide", args=[item.pk]), {"decision": "approve", "reason": "Proportionate, case open"}
    )
    assert refused.status_code == 404
    item.refresh_from_db()
    assert item.status == FootageRequest.Status.SUBMITTED and not item.approvals.exists()


def test_break_glass_is_taken_at_once_and_reviewed_by_the_owners_dpo(shared, signed_in):
    camera, convention, people = shared
    client = signed_in(people["operator"])
    data = form_data(camera, mode=Mode.PLAYBACK, break_glass="on")
    _checked, response = check_then_submit(client, data)
    item = FootageRequest.objects.get()
    assert response.status_code == 302 and item.status == FootageRequest.Status.BREAK_GLASS
    client.logout()
    dpo_client = signed_in(people["dpo"])
    listing = dpo_client.get(reverse("requests:list"), {"list": "review"}).content.decode()
    assert item.reference in listing
    dpo_client.post(reverse("requests:review", args=[item.pk]), {"note": "Justified: robbery in progress"})
    item.refresh_from_db()
    assert item.reviewed_by == people["dpo"].user
    page = dpo_client.get(reverse("requests:detail", args=[item.pk])).content.decode()
    assert "Break-glass reviewed by" in page and reverse("playback:watch", args=[item.pk]) not in page
    dpo_client.logout()
    requester_page = signed_in(people["operator"]).get(reverse("requests:detail", args=[item.pk])).content.decode()
    assert f'href="{reverse("playback:watch", args=[item.pk])}"' in requester_page


def test_the_mail_a_request_triggers_leaves_from_the_task_not_from_the_request(
    shared, signed_in, django_capture_on_commit_callbacks
):
    camera, _convention, people = shared
    for key in ("chief", "dpo"):
        people[key].user.email = f"{key}@example.org"
        people[key].user.save(update_fields=["email"])
    published = []

    def remember(sender=None, body=None, **kwargs):
        published.append((sender, body[0]))  # the task's name and positional arguments, as the broker got them

    before_task_publish.connect(remember, weak=False)
    try:
        client = signed_in(people["operator"])
        with django_capture_on_commit_callbacks(execute=True):
            _checked, response = check_then_submit(client, form_data(camera, mode=Mode.PLAYBACK, break_glass="on"))
    finally:
        before_task_publish.disconnect(remember)
    assert response.status_code == 302
    assert mail.outbox == []  # the request sent nothing
    emails = [(name, args) for name, args in published if name == EMAIL_TASK]
    assert len(emails) == 1
    waiting = Notification.objects.filter(kind="break_glass", emailed_at__isnull=True, recipient__email__endswith="org")
    assert waiting.count() == 2
    current_app.tasks[EMAIL_TASK].apply(args=emails[0][1]).get()  # what a worker does with the message
    assert sorted(message.to[0] for message in mail.outbox) == ["chief@example.org", "dpo@example.org"]
    assert all(len(message.to) == 1 for message in mail.outbox)  # nobody sees another recipient's address
    current_app.tasks[EMAIL_TASK].apply(args=emails[0][1]).get()  # a second delivery of the message: no resend
    assert len(mail.outbox) == 2
    assert not waiting.exists()


def test_a_mail_server_that_fails_is_retried_a_bounded_number_of_times_with_a_timeout(settings):
    task = current_app.tasks[EMAIL_TASK]
    assert settings.EMAIL_TIMEOUT and 0 < settings.EMAIL_TIMEOUT <= 30
    assert task.max_retries == 5 and OSError in task.autoretry_for


def test_another_organisations_request_is_a_404(shared, signed_in, person):
    _camera, _convention, people = shared
    item = submitted(shared)
    outsider = person(OrganisationFactory(), "chief")
    client = signed_in(outsider)
    assert client.get(reverse("requests:detail", args=[item.pk])).status_code == 404
    assert (
        client.post(reverse("requests:decide", args=[item.pk]), {"decision": "approve", "reason": "x y"}).status_code
        == 404
    )
    assert item.reference not in client.get(reverse("requests:list")).content.decode()


@pytest.fixture
def approved(shared, roots):
    """An approved export request over real recorded footage."""
    camera, _convention, people = shared
    start = timezone.now() - timedelta(days=2)
    record_segments(camera, roots, start, count=3, seconds=4)
    item = footage.request_submit(
        actor=as_actor(people["operator"]), cameras=[camera], window_start=start + timedelta(seconds=1),
        window_end=start + timedelta(seconds=9), purpose=Purpose.CRIMINAL_INVESTIGATION, mode=Mode.EXPORT,
        justification=WHY, case_reference="PV 2026/4411",
    )  # fmt: skip
    for approver in people["approvers"]:
        footage.request_decide(actor=as_actor(approver), footage=item, approve=True, reason="Needed for the case")
    item.refresh_from_db()
    return item, people


def test_the_export_is_prepared_followed_and_downloaded_each_download_logged(
    approved, signed_in, django_capture_on_commit_callbacks, monkeypatch
):
    item, people = approved
    queued = []
    monkeypatch.setattr(exports, "_send", queued.append)
    client = signed_in(people["operator"])
    page = client.get(reverse("requests:detail", args=[item.pk])).content.decode()
    assert "Prepare the evidence package" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("requests:export", args=[item.pk]), {"watermark": ""})
    assert response.status_code == 302
    export = EvidenceExport.objects.get()
    assert queued == [export.pk] and export.watermark is False
    progress = client.get(reverse("requests:export_progress", args=[export.pk])).json()
    assert (progress["status"], progress["progress"], progress["done"]) == ("queued", 0, False)
    page = client.get(reverse("requests:detail", args=[item.pk])).content.decode()
    assert "Prepare the evidence package" not in page and 'data-done="false"' in page

    assert exports.export_build(export.pk) == EvidenceExport.Status.READY
    progress = client.get(reverse("requests:export_progress", args=[export.pk])).json()
    assert progress["status"] == "ready" and progress["progress"] == 100 and progress["downloadable"]

    for number in range(1, export.downloads_allowed + 1):
        got = client.post(reverse("requests:download", args=[export.pk]))
        assert got.status_code == 200 and got["Content-Type"] == "application/zip"
        assert got["Content-Disposition"] == f'attachment; filename="{item.reference}.zip"'
        assert b"".join(got.streaming_content)[:2] == b"PK"
        assert AccessLogEntry.objects.filter(action=AccessAction.DISCLOSURE).count() == number
    gone = client.post(reverse("requests:download", args=[export.pk]))
    assert gone.status_code == 410 and "as many times as allowed" in gone.content.decode()
    export.refresh_from_db()
    assert export.downloads == export.downloads_allowed


def test_only_the_requester_downloads_and_others_cannot_see_the_progress(approved, signed_in, person, monkeypatch):
    item, people = approved
    monkeypatch.setattr(exports, "_send", lambda pk: None)
    export = exports.export_request(actor=as_actor(people["operator"]), footage=item, watermark=False)
    exports.export_build(export.pk)
    colleague = signed_in(person(item.organisation, "chief"))
    assert colleague.get(reverse("requests:export_progress", args=[export.pk])).status_code == 200
    assert colleague.post(reverse("requests:download", args=[export.pk])).status_code == 403
    colleague.logout()
    outsider = signed_in(person(OrganisationFactory(), "operator"))
    assert outsider.get(reverse("requests:export_progress", args=[export.pk])).status_code == 404
    assert outsider.post(reverse("requests:download", args=[export.pk])).status_code == 404
    assert not AccessLogEntry.objects.filter(action=AccessAction.DISCLOSURE).exists()


def test_the_requester_is_offered_playback_while_the_request_gives_access(shared, signed_in, person):
    _camera, _convention, people = shared
    item = submitted(shared, mode=Mode.PLAYBACK)
    watch = f'href="{reverse("playback:watch", args=[item.pk])}"'
    detail = reverse("requests:detail", args=[item.pk])
    client = signed_in(people["operator"])
    assert watch not in client.get(detail).content.decode()  # waiting for the approvers
    footage.request_decide(actor=as_actor(people["approvers"][0]), footage=item, approve=True, reason="Needed here")
    item.refresh_from_db()
    assert item.status == FootageRequest.Status.APPROVED
    assert watch in client.get(detail).content.decode()
    colleague = person(item.organisation, "chief")
    client.logout()
    assert watch not in signed_in(colleague).get(detail).content.decode()  # the requester only
    FootageRequest.objects.filter(pk=item.pk).update(access_until=timezone.now() - timedelta(minutes=1))
    client = signed_in(people["operator"])
    assert watch not in client.get(detail).content.decode()  # access ended


@pytest.mark.parametrize("damage", ["missing", "truncated"])
def test_a_package_that_cannot_be_opened_is_neither_counted_nor_logged(approved, signed_in, monkeypatch, damage):
    item, people = approved
    monkeypatch.setattr(exports, "_send", lambda pk: None)
    export = exports.export_request(actor=as_actor(people["operator"]), footage=item, watermark=False)
    assert exports.export_build(export.pk) == EvidenceExport.Status.READY
    export.refresh_from_db()
    path = exports.package_path(export)
    if damage == "missing":
        path.unlink()
    else:
        path.write_bytes(path.read_bytes()[:80])
    response = signed_in(people["operator"]).post(reverse("requests:download", args=[export.pk]))
    assert response.status_code == 503 and "cannot be opened" in response.content.decode()
    export.refresh_from_db()
    assert export.downloads == 0
    assert not AccessLogEntry.objects.filter(action=AccessAction.DISCLOSURE).exists()
