"""Live sessions: granted by the decision with a purpose and a real justification, one consultation entry each,
renewed while watched, ended (with its duration in the log) when stopped, lapsed or withdrawn."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AccessAction, AccessLogEntry
from conventions import services
from conventions.models import Purpose
from footage import live
from footage.models import LiveSession
from tests.factories import CameraFactory, MembershipFactory
from zones.models import Notification
from zones.services import membership_disable
from zones.tenancy import actor_for

pytestmark = pytest.mark.django_db
WHY = "Large gathering at the station entrance, checking crowd flow"


@pytest.fixture
def shared(parties, make_convention):
    """An operator of the consumer, a shared camera of the provider, the convention between them."""
    provider, consumer, provider_chief, consumer_chief = parties
    camera = CameraFactory(owner=provider)
    convention = make_convention(provider_chief, consumer, cameras=[camera], max_concurrent_viewers=1)
    membership = MembershipFactory(organisation=consumer, role="operator")
    operator = actor_for(membership.user, consumer.pk)
    return operator, camera, convention, provider_chief


def start(operator, camera, **kwargs):
    values = {"purpose": Purpose.PUBLIC_ORDER, "justification": WHY, **kwargs}
    return live.sessions_start(actor=operator, cameras=[camera], **values)[0]


def test_a_session_is_one_consultation_entry_with_the_facts_and_an_unguessable_token(shared):
    operator, camera, convention, provider_chief = shared
    grant = start(operator, camera, case_reference="PV 12/345")
    session = grant.session
    assert len(grant.token) >= 43  # 256 bits, URL-safe
    assert session.token_digest == live.token_digest(grant.token) and grant.token not in session.token_digest
    assert session.convention_version.convention == convention
    entries = AccessLogEntry.objects.filter(controller_code=camera.owner.code)
    assert [e.action for e in entries] == [AccessAction.CONSULTATION]
    entry = entries.get()
    assert entry.pk == session.log_entry_id
    assert (entry.mode, entry.purpose, entry.justification, entry.case_reference) == (
        "live", "public_order", WHY, "PV 12/345"
    )  # fmt: skip
    assert entry.recipient_code == operator.organisation.code and entry.decision == "allow"
    assert entry.convention_reference == convention.reference
    # The owner's chief hears of it (the convention says so by default).
    notification = Notification.objects.get(recipient=provider_chief.user)
    assert camera.name in notification.subject


@pytest.mark.parametrize("why", ["", "   ", "look", "need to see"])
def test_a_justification_must_be_a_sentence(shared, why):
    operator, camera, *_ = shared
    with pytest.raises(ValidationError):
        start(operator, camera, justification=why)
    assert not LiveSession.objects.exists()


def test_a_refused_camera_is_logged_and_no_session_of_the_wall_starts(shared):
    operator, camera, *_ = shared
    other = CameraFactory(owner=camera.owner)  # not in the convention
    with pytest.raises(live.LiveRefused) as refused:
        live.sessions_start(actor=operator, cameras=[camera, other], purpose=Purpose.PUBLIC_ORDER, justification=WHY)
    assert refused.value.refusals == {other: "camera_out_of_scope"}
    assert not LiveSession.objects.exists()
    denied = AccessLogEntry.objects.get(action=AccessAction.DENIED)
    assert denied.camera_ids == [other.pk] and denied.reason == "camera_out_of_scope"


def test_a_purpose_the_convention_does_not_allow_is_refused(shared):
    operator, camera, *_ = shared
    with pytest.raises(live.LiveRefused) as refused:
        start(operator, camera, purpose=Purpose.TRAFFIC_MANAGEMENT)
    assert refused.value.refusals == {camera: "purpose_not_allowed"}


def test_the_viewer_limit_of_the_convention_holds(shared):
    operator, camera, *_ = shared
    start(operator, camera)
    colleague = actor_for(MembershipFactory(organisation=operator.organisation, role="operator").user,
                          operator.organisation.pk)  # fmt: skip
    with pytest.raises(live.LiveRefused) as refused:
        start(colleague, camera)
    assert refused.value.refusals == {camera: "viewer_limit"}
    assert AccessLogEntry.objects.filter(action=AccessAction.DENIED, reason="viewer_limit").count() == 1


def test_a_wall_shares_one_purpose_and_justification(shared, make_convention):
    operator, camera, convention, provider_chief = shared
    more = [CameraFactory(owner=camera.owner) for _ in range(3)]
    make_convention(provider_chief, operator.organisation, cameras=more, title="Wall")
    grants = live.sessions_start(
        actor=operator, cameras=[camera, *more], purpose=Purpose.PUBLIC_ORDER, justification=WHY
    )
    walls = {g.session.wall for g in grants}
    assert len(walls) == 1 and None not in walls
    assert [g.session.camera for g in grants] == [camera, *more]
    assert AccessLogEntry.objects.filter(action=AccessAction.CONSULTATION).count() == 4


def test_renewal_extends_the_token_and_a_new_purpose_is_a_new_consultation(shared):
    operator, camera, *_ = shared
    session = start(operator, camera).session
    before = session.expires_at
    renewed = live.session_renew(actor=operator, session=session)
    assert renewed.expires_at >= before
    assert AccessLogEntry.objects.filter(action=AccessAction.CONSULTATION).count() == 1
    live.session_renew(actor=operator, session=session, purpose=Purpose.CRIMINAL_INVESTIGATION)
    session.refresh_from_db()
    assert session.purpose == Purpose.CRIMINAL_INVESTIGATION
    consultations = AccessLogEntry.objects.filter(action=AccessAction.CONSULTATION).order_by("sequence")
    assert [e.purpose for e in consultations] == ["public_order", "criminal_investigation"]
    assert session.log_entry_id == consultations.last().pk


def test_renewal_never_passes_the_maximum_length(shared):
    operator, camera, *_ = shared
    session = start(operator, camera).session
    LiveSession.objects.filter(pk=session.pk).update(max_until=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ValidationError):
        live.session_renew(actor=operator, session=session)
    session.refresh_from_db()
    assert session.end_reason == LiveSession.EndReason.LIMIT


def test_stopping_logs_the_end_with_its_duration_once(shared):
    operator, camera, *_ = shared
    session = start(operator, camera).session
    live.session_end(session=session)
    live.session_end(session=session)  # idempotent
    end = AccessLogEntry.objects.get(action=AccessAction.SESSION_END)
    assert end.reason == "stopped" and end.details["session"] == session.pk
    assert end.details["duration_seconds"] >= 0 and end.details["consultation_entry"] == session.log_entry_id


def test_the_gate_answers_for_a_valid_token_only_on_its_camera(shared):
    operator, camera, *_ = shared
    grant = start(operator, camera)
    assert live.gate(token=grant.token, camera_id=camera.pk).allowed
    assert live.gate(token=grant.token, camera_id=camera.pk + 1).reason == "wrong_camera"
    assert live.gate(token="x" * 43, camera_id=camera.pk).status == 401
    assert live.gate(token=grant.token, camera_id=camera.pk, action="publish").status == 403


def test_suspension_ends_the_session_and_the_gate_refuses_at_once(shared):
    operator, camera, convention, provider_chief = shared
    grant = start(operator, camera)
    assert live.gate(token=grant.token, camera_id=camera.pk).allowed
    services.convention_suspend(actor=provider_chief, convention=convention, reason="Investigating a misuse")
    live._forget([grant.session.token_digest])  # another process would wait out its short cache
    answer = live.gate(token=grant.token, camera_id=camera.pk)
    assert not answer.allowed and answer.status == 403
    grant.session.refresh_from_db()
    assert grant.session.end_reason == LiveSession.EndReason.REVOKED
    assert AccessLogEntry.objects.get(action=AccessAction.SESSION_END).details["why"] == "convention_stopped"


def test_a_withdrawn_role_ends_the_session(shared):
    operator, camera, *_ = shared
    session = start(operator, camera).session
    membership_disable(membership=operator.memberships[0], reason="Left the unit")
    session.refresh_from_db()
    assert session.end_reason == LiveSession.EndReason.REVOKED


def test_a_lapsed_token_is_refused_and_its_end_recorded_by_the_sweep(shared):
    operator, camera, *_ = shared
    grant = start(operator, camera)
    LiveSession.objects.filter(pk=grant.session.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    live._forget([grant.session.token_digest])
    assert live.gate(token=grant.token, camera_id=camera.pk).reason == "session_expired"
    assert live.sessions_close_expired() == 1 and live.sessions_close_expired() == 0
    grant.session.refresh_from_db()
    assert grant.session.end_reason == LiveSession.EndReason.EXPIRED
    assert grant.session.ended_at == grant.session.expires_at


def test_live_break_glass_without_a_declared_incident_is_time_boxed_announced_and_reviewed(parties, make_convention):
    from footage import requests as footage
    from footage.models import FootageRequest

    provider, consumer, provider_chief, _ = parties
    camera = CameraFactory(owner=provider)
    # Live only during a declared incident, and none is declared: only the emergency clause opens it.
    make_convention(provider_chief, consumer, cameras=[camera], time_condition="incident",
                    emergency_allowed=True, emergency_max_hours=2)  # fmt: skip
    operator = actor_for(MembershipFactory(organisation=consumer, role="operator").user, consumer.pk)
    dpo = actor_for(MembershipFactory(organisation=provider, role="dpo").user, provider.pk)
    with pytest.raises(live.LiveRefused) as refused:
        start(operator, camera)
    assert refused.value.refusals == {camera: "no_declared_incident"}
    grant = start(operator, camera, break_glass=True)
    session = grant.session
    assert session.break_glass and session.max_until <= session.started_at + timedelta(hours=2)
    record = FootageRequest.objects.get(mode="live")
    assert record.status == FootageRequest.Status.BREAK_GLASS and record.review_due_at
    assert set(Notification.objects.filter(kind="break_glass").values_list("recipient", flat=True)) >= {
        provider_chief.user.pk,
        dpo.user.pk,
    }
    entry = AccessLogEntry.objects.get(pk=session.log_entry_id)
    assert entry.reason == "break_glass" and entry.details["footage_request"] == record.reference
    # The gate and renewals keep honouring the emergency clause.
    live._forget([session.token_digest])
    assert live.gate(token=grant.token, camera_id=camera.pk).allowed
    live.session_renew(actor=operator, session=session)
    footage.break_glass_review(actor=dpo, footage=record, note="Justified: shots fired near the station")
