"""Footage requests: the legal rules at submission, four-eyes approval, delegation, deadlines, break-glass."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audit.models import AccessAction, AccessLogEntry
from cameras.selectors import APPROVE_GROUP
from cameras.services import delegation_grant, delegation_revoke
from conventions import policy
from conventions.models import Mode, Purpose
from footage import requests as footage
from footage import selectors
from footage.models import FootageRequest
from tests.factories import CameraFactory, CameraGroupFactory, MembershipFactory
from zones.models import Notification
from zones.notifications import send_emails
from zones.tenancy import actor_for

pytestmark = pytest.mark.django_db
WHY = "Theft reported at the tram stop, identifying the suspects"


def actor(organisation, role, **kwargs):
    membership = MembershipFactory(organisation=organisation, role=role, **kwargs)
    return actor_for(membership.user, organisation.pk)


@pytest.fixture
def setup(parties, make_convention):
    provider, consumer, provider_chief, _ = parties
    camera = CameraFactory(owner=provider, legal_regime="police")
    convention = make_convention(provider_chief, consumer, cameras=[camera], four_eyes_export=True,
                                 emergency_allowed=True, emergency_review_hours=24)  # fmt: skip
    operator = actor(consumer, "operator", user__email="operator@example.org")
    approvers = [actor(provider, "approver") for _ in range(2)]
    return operator, camera, convention, approvers, provider_chief


def submit(operator, camera, *, days_ago=2, purpose=Purpose.CRIMINAL_INVESTIGATION, mode=Mode.EXPORT, **kwargs):
    start = timezone.now() - timedelta(days=days_ago)
    values = {"justification": WHY, "case_reference": "PV 2026/1234", **kwargs}
    end = start + timedelta(minutes=10)
    return footage.request_submit(
        actor=operator, cameras=[camera], window_start=start, window_end=end, purpose=purpose, mode=mode, **values
    )


def test_an_administrative_purpose_cannot_reach_police_footage_of_day_31(setup):
    operator, camera, *_ = setup
    with pytest.raises(footage.FootageRefused) as refused:
        submit(operator, camera, days_ago=31, purpose=Purpose.PUBLIC_ORDER)
    assert refused.value.refusals == {camera: "administrative_window_exceeded"}
    assert AccessLogEntry.objects.get(action=AccessAction.DENIED).reason == "administrative_window_exceeded"
    assert not FootageRequest.objects.exists()


def test_a_judicial_purpose_after_a_month_needs_the_prosecutors_decision(setup):
    operator, camera, *_ = setup
    with pytest.raises(footage.FootageRefused) as refused:
        submit(operator, camera, days_ago=40)
    assert refused.value.refusals == {camera: "prosecutor_decision_required"}
    with pytest.raises(ValidationError):  # a reference without the document
        submit(operator, camera, days_ago=40, prosecutor_reference="BR.12.34.5678/26")
    request = submit(operator, camera, days_ago=40, prosecutor_reference="BR.12.34.5678/26",
                     prosecutor_document=SimpleUploadedFile("decision.pdf", b"%PDF-1.4 decision"))  # fmt: skip
    assert request.status == FootageRequest.Status.SUBMITTED and request.prosecutor_document.name


def test_footage_past_its_legal_retention_cannot_be_asked_for(setup):
    operator, camera, *_ = setup
    with pytest.raises(footage.FootageRefused) as refused:
        submit(operator, camera, days_ago=400, prosecutor_reference="BR.1", prosecutor_document=SimpleUploadedFile(
            "d.pdf", b"%PDF"))  # fmt: skip
    assert refused.value.refusals == {camera: "retention_exceeded"}


def test_four_eyes_needs_two_distinct_approvers_and_each_decision_is_logged(setup):
    operator, camera, _, (first, second), _ = setup
    request = submit(operator, camera)
    assert request.approvals_required == 2 and request.reference.startswith("FR-")
    assert Notification.objects.filter(kind="footage_request").count() == 2
    footage.request_decide(actor=first, footage=request, approve=True, reason="Proportionate, case opened")
    with pytest.raises(ValidationError):
        footage.request_decide(actor=first, footage=request, approve=True, reason="Approving once more")
    request.refresh_from_db()
    assert request.status == FootageRequest.Status.SUBMITTED
    footage.request_decide(actor=second, footage=request, approve=True, reason="Agreed with my colleague")
    request.refresh_from_db()
    assert request.status == FootageRequest.Status.APPROVED and request.access_until > timezone.now()
    decisions = AccessLogEntry.objects.filter(action=AccessAction.APPROVAL).order_by("sequence")
    assert [e.reason for e in decisions] == ["approval_1_of_2", "approved"]
    assert decisions[1].details["footage_request"] == request.reference
    assert decisions[1].recipient_code == operator.organisation.code
    assert Notification.objects.filter(recipient=operator.user, kind="footage_decided").exists()


def test_the_requester_never_approves_their_own_request(setup):
    operator, camera, *_ = setup
    # The same person also holds the approver role at the camera owner.
    MembershipFactory(user=operator.user, organisation=camera.owner, role="approver")
    request = submit(operator, camera)
    as_approver = actor_for(operator.user, camera.owner.pk)
    with pytest.raises(PermissionDenied):
        footage.request_decide(actor=as_approver, footage=request, approve=True, reason="Looks fine to me")


def test_people_without_the_right_cannot_decide(setup):
    operator, camera, *_ = setup
    request = submit(operator, camera)
    for outsider in (actor(camera.owner, "operator"), actor(operator.organisation, "approver")):
        with pytest.raises(PermissionDenied):
            footage.request_decide(actor=outsider, footage=request, approve=True, reason="Why not then")


def test_a_delegate_of_the_camera_group_decides_and_one_rejection_ends_it(setup):
    operator, camera, _, _, provider_chief = setup
    group = CameraGroupFactory(owner=camera.owner)
    camera.groups.add(group)
    delegate = actor(camera.owner, "operator")
    delegation_grant(actor=provider_chief, group=group, user=delegate.user, codename=APPROVE_GROUP)
    request = submit(operator, camera)
    assert delegate.user in policy.approvers_of(request)
    assert list(selectors.footage_requests_to_decide(actor=delegate)) == [request]
    footage.request_decide(actor=delegate, footage=request, approve=False, reason="Not proportionate here")
    request.refresh_from_db()
    assert request.status == FootageRequest.Status.REJECTED
    assert AccessLogEntry.objects.get(action=AccessAction.APPROVAL).decision == "deny"


@pytest.fixture
def two_cameras(parties, make_convention):
    """Two police cameras of the provider shared under one convention, its chief, and an operator of the consumer."""
    provider, consumer, provider_chief, _ = parties
    cameras = [CameraFactory(owner=provider, legal_regime="police") for _ in range(2)]
    make_convention(provider_chief, consumer, cameras=cameras)
    return cameras, provider_chief, actor(consumer, "operator")


def test_a_delegate_decides_only_when_their_groups_hold_every_camera_of_the_request(two_cameras):
    (first, second), chief, operator = two_cameras
    north, south = CameraGroupFactory(owner=first.owner), CameraGroupFactory(owner=first.owner)
    north.cameras.add(first)
    south.cameras.add(second)
    delegate = actor(first.owner, "operator")
    delegation_grant(actor=chief, group=north, user=delegate.user, codename=APPROVE_GROUP)
    start = timezone.now() - timedelta(days=2)
    request = footage.request_submit(
        actor=operator, cameras=[first, second], window_start=start, window_end=start + timedelta(minutes=10),
        purpose=Purpose.CRIMINAL_INVESTIGATION, mode=Mode.PLAYBACK, justification=WHY, case_reference="PV 1/2",
    )  # fmt: skip
    # One group holds only one of the two cameras: the delegate reads the request but does not decide it.
    assert delegate.user not in policy.approvers_of(request)
    assert not selectors.footage_requests_to_decide(actor=delegate).exists()
    assert selectors.footage_request_get(actor=delegate, pk=request.pk) == request
    assert not Notification.objects.filter(recipient=delegate.user).exists()
    with pytest.raises(PermissionDenied):
        footage.request_decide(actor=delegate, footage=request, approve=True, reason="Proportionate, case opened")
    # With the second group delegated too, their groups hold every camera.
    delegation_grant(actor=chief, group=south, user=delegate.user, codename=APPROVE_GROUP)
    assert delegate.user in policy.approvers_of(request)
    assert list(selectors.footage_requests_to_decide(actor=delegate)) == [request]
    footage.request_decide(actor=delegate, footage=request, approve=True, reason="Proportionate, case opened")
    request.refresh_from_db()
    assert request.status == FootageRequest.Status.APPROVED


def test_only_the_approval_right_counts_and_only_while_the_delegate_is_a_member(two_cameras):
    (camera, _other), chief, operator = two_cameras
    group = CameraGroupFactory(owner=camera.owner)
    group.cameras.add(camera)
    manager, delegate = actor(camera.owner, "operator"), actor(camera.owner, "operator")
    delegation_grant(actor=chief, group=group, user=manager.user, codename="manage_group_cameras")
    delegation_grant(actor=chief, group=group, user=delegate.user, codename=APPROVE_GROUP)
    request = submit(operator, camera, mode=Mode.PLAYBACK)
    assert {manager.user, delegate.user} & policy.approvers_of(request) == {delegate.user}
    delegate.memberships[0].is_active = False
    delegate.memberships[0].save()
    assert delegate.user not in policy.approvers_of(request)


def test_a_revoked_delegation_no_longer_decides(setup):
    operator, camera, _, _, provider_chief = setup
    group = CameraGroupFactory(owner=camera.owner)
    camera.groups.add(group)
    delegate = actor(camera.owner, "operator")
    delegation = delegation_grant(actor=provider_chief, group=group, user=delegate.user, codename=APPROVE_GROUP)
    request = submit(operator, camera)
    assert delegate.user in policy.approvers_of(request)
    delegation_revoke(actor=provider_chief, delegation=delegation)
    assert delegate.user not in policy.approvers_of(request)
    assert not selectors.footage_requests_to_decide(actor=delegate).exists()
    with pytest.raises(PermissionDenied):
        footage.request_decide(actor=delegate, footage=request, approve=False, reason="Not proportionate here")
    request.refresh_from_db()
    assert request.status == FootageRequest.Status.SUBMITTED and not request.approvals.exists()


def test_deadlines_remind_then_escalate_once(setup):
    operator, camera, _, _, provider_chief = setup
    request = submit(operator, camera)
    soon = request.due_at - timedelta(hours=1)
    assert footage.requests_follow_up(at=soon) == (1, 0, 0)
    assert footage.requests_follow_up(at=soon) == (0, 0, 0)
    late = request.due_at + timedelta(minutes=1)
    assert footage.requests_follow_up(at=late) == (0, 1, 0)
    assert footage.requests_follow_up(at=late) == (0, 0, 0)
    assert Notification.objects.filter(recipient=provider_chief.user, kind="footage_overdue").count() == 1


def test_break_glass_takes_footage_at_once_tells_chief_and_dpo_and_needs_a_review(setup):
    operator, camera, convention, _, provider_chief = setup
    dpo = actor(camera.owner, "dpo", user__email="dpo@example.org")
    provider_chief.user.email = "chief@example.org"
    provider_chief.user.save()
    request = submit(operator, camera, mode=Mode.PLAYBACK, break_glass=True)
    assert request.status == FootageRequest.Status.BREAK_GLASS and request.access_until > timezone.now()
    entry = AccessLogEntry.objects.get(action=AccessAction.DECISION)
    assert entry.reason == "break_glass"
    kinds = set(Notification.objects.filter(kind="break_glass").values_list("recipient", flat=True))
    assert kinds == {provider_chief.user.pk, dpo.user.pk}
    # Overdue review escalates once; a review by the DPO closes it.
    late = request.review_due_at + timedelta(minutes=1)
    assert footage.requests_follow_up(at=late) == (0, 0, 1)
    assert footage.requests_follow_up(at=late) == (0, 0, 0)
    with pytest.raises(PermissionDenied):
        footage.break_glass_review(actor=operator, footage=request, note="Fine by me")
    footage.break_glass_review(actor=dpo, footage=request, note="Justified: armed robbery in progress")
    request.refresh_from_db()
    assert request.reviewed_by == dpo.user


def test_break_glass_is_refused_without_an_emergency_clause(parties, make_convention):
    provider, consumer, provider_chief, _ = parties
    camera = CameraFactory(owner=provider, legal_regime="police")
    make_convention(provider_chief, consumer, cameras=[camera], emergency_allowed=False)
    operator = actor(consumer, "operator")
    with pytest.raises(footage.FootageRefused) as refused:
        submit(operator, camera, mode=Mode.PLAYBACK, break_glass=True)
    assert refused.value.refusals == {camera: "break_glass_not_allowed"}


def test_break_glass_mail_reaches_chief_and_dpo_after_commit(setup, django_capture_on_commit_callbacks):
    operator, camera, *_ = setup
    dpo = actor(camera.owner, "dpo", user__email="dpo@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        submit(operator, camera, mode=Mode.PLAYBACK, break_glass=True)
    assert mail.outbox == []  # the task sends it
    send_emails(Notification.objects.values_list("pk", flat=True))
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [dpo.user.email]


def test_approvers_deciding_are_neither_accesses_nor_denied_attempts_in_reports_and_flags(setup):
    from oversight.anomalies import repeated_denials
    from oversight.reports import grouped_rows

    operator, camera, _, (first, second), _ = setup
    request = submit(operator, camera)
    footage.request_decide(actor=first, footage=request, approve=False, reason="Not proportionate for this")
    assert AccessLogEntry.objects.filter(action=AccessAction.APPROVAL).count() == 1
    now = timezone.now()
    rows = grouped_rows(controllers={camera.owner.code}, start=now - timedelta(days=1), end=now + timedelta(days=1))
    assert rows == []
    assert repeated_denials(AccessLogEntry.objects.all(), now - timedelta(days=1)) == []


def test_a_break_glass_use_shows_in_the_dpo_console_until_it_is_reviewed(setup):
    from oversight.anomalies import BREAK_GLASS_OVERDUE, find_anomalies

    operator, camera, *_ = setup
    dpo = actor(camera.owner, "dpo")
    request = submit(operator, camera, mode=Mode.PLAYBACK, break_glass=True)
    late = request.review_due_at + timedelta(minutes=1)
    flags = [a for a in find_anomalies(actor=dpo, now=late) if a.kind == BREAK_GLASS_OVERDUE]
    assert len(flags) == 1
    footage.break_glass_review(actor=dpo, footage=request, note="Justified by the hostage situation")
    assert not [a for a in find_anomalies(actor=dpo, now=late) if a.kind.startswith("break_glass")]
