"""The life of a convention: draft, proposal, signatures, amendments, suspension, termination and expiry, each
step with its actor and reason; and the catalogue of shared cameras that follows it."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from cameras.selectors import camera_list
from conventions import policy, services
from conventions.models import Convention, ConventionEvent, ConventionVersion, Signature
from tests.factories import (
    CameraFactory,
    CameraGroupFactory,
    MembershipFactory,
    MunicipalityFactory,
    OrganisationFactory,
)
from zones.tenancy import actor_for

pytestmark = pytest.mark.django_db

Status = ConventionVersion.Status
Action = ConventionEvent.Action


@pytest.fixture(autouse=True)
def _fresh_policy_cache():
    policy._cache.clear()
    yield
    policy._cache.clear()


def person(organisation, role):
    return actor_for(MembershipFactory(organisation=organisation, role=role).user, organisation.pk)


def actions(convention):
    return list(convention.events.values_list("action", flat=True))


def amend(provider_chief, consumer_chief, convention, sign="both", **fields):
    version = services.version_amend(actor=provider_chief, convention=convention)
    if fields:
        services.version_update(actor=provider_chief, version=version, **fields)
    if sign == "draft":
        return version
    services.version_propose(actor=provider_chief, version=version)
    if sign in {"provider", "both"}:
        services.version_sign(actor=provider_chief, version=version, recent_second_factor=True)
    if sign == "both":
        services.version_sign(actor=consumer_chief, version=version, recent_second_factor=True)
    version.refresh_from_db()
    return version


# -- draft → proposed → provider_signed → signed ----------------------------------------------------------------


def test_the_whole_lifecycle_with_events(parties, make_convention):
    provider, consumer, provider_chief, consumer_chief = parties
    convention = make_convention(provider_chief, consumer, sign="draft")
    version = convention.versions.get()
    assert (version.number, version.status, version.document_hash) == (1, Status.DRAFT, "")
    version = services.version_propose(actor=provider_chief, version=version)
    assert version.status == Status.PROPOSED and version.proposed_at and len(version.document_hash) == 64
    version = services.version_sign(actor=provider_chief, version=version, recent_second_factor=True)
    assert version.status == Status.PROVIDER_SIGNED and version.activated_at is None
    version = services.version_sign(actor=consumer_chief, version=version, recent_second_factor=True)
    assert version.status == Status.SIGNED and version.activated_at is not None
    assert list(version.signatures.values_list("party", "signer")) == [
        ("provider", provider_chief.user.pk),
        ("consumer", consumer_chief.user.pk),
    ]
    events = list(convention.events.order_by("at", "id"))
    assert [e.action for e in events] == [
        Action.DRAFTED,
        Action.PROPOSED,
        Action.SIGNED_PROVIDER,
        Action.SIGNED_CONSUMER,
    ]
    assert [e.actor for e in events] == [provider_chief.user] * 3 + [consumer_chief.user]
    assert [e.organisation_code for e in events] == [provider.code] * 3 + [consumer.code]
    assert all(e.version_id == version.pk and e.actor_name == str(e.actor) for e in events)


def test_only_the_providers_chief_drafts_and_proposes(parties, make_convention):
    provider, consumer, provider_chief, consumer_chief = parties
    with pytest.raises(PermissionDenied):
        services.convention_create(
            actor=person(provider, "operator"), consumer=consumer, title="x", purposes=["public_order"],
            modes=["live"], legal_basis="x", valid_from=timezone.now(),
        )  # fmt: skip
    with pytest.raises(ValidationError):
        services.convention_create(
            actor=provider_chief, consumer=provider, title="x", purposes=["public_order"], modes=["live"],
            legal_basis="x", valid_from=timezone.now(),
        )  # fmt: skip
    version = make_convention(provider_chief, consumer, sign="draft").versions.get()
    for actor in (consumer_chief, person(provider, "operator")):
        with pytest.raises(PermissionDenied):
            services.version_propose(actor=actor, version=version)
    services.version_propose(actor=provider_chief, version=version)
    with pytest.raises(ValidationError):
        services.version_propose(actor=provider_chief, version=version)


def test_a_draft_refuses_another_providers_cameras(parties, make_convention):
    provider, consumer, provider_chief, _ = parties
    with pytest.raises(ValidationError):
        make_convention(provider_chief, consumer, sign="draft", cameras=[CameraFactory(owner=OrganisationFactory())])
    assert not Convention.objects.filter(provider=provider).exists()


def test_a_draft_can_be_edited_by_the_providers_chief(parties, make_convention):
    provider, consumer, provider_chief, consumer_chief = parties
    version = make_convention(provider_chief, consumer, sign="draft").versions.get()
    camera = CameraFactory(owner=provider)
    services.version_update(actor=provider_chief, version=version, lookback_days=7, cameras=[camera])
    version.refresh_from_db()
    assert version.lookback_days == 7 and list(version.cameras.all()) == [camera]
    with pytest.raises(PermissionDenied):
        services.version_update(actor=consumer_chief, version=version, lookback_days=8)


# -- frozen once proposed --------------------------------------------------------------------------------------

FROZEN_CHANGES = [
    ("lookback_days", 999),
    ("legal_basis", "Another basis"),
    ("purposes", ["crisis"]),
    ("modes", ["ptz"]),
    ("emergency_allowed", True),
    ("valid_until", "later"),
]


@pytest.mark.parametrize("sign", ["none", "provider", "both"], ids=["proposed", "provider-signed", "signed"])
@pytest.mark.parametrize(("field", "value"), FROZEN_CHANGES, ids=[name for name, _ in FROZEN_CHANGES])
def test_a_proposed_version_cannot_be_changed_by_save(parties, make_convention, sign, field, value):
    provider, consumer, provider_chief, consumer_chief = parties
    version = make_convention(provider_chief, consumer, consumer_chief=consumer_chief, sign=sign).versions.get()
    before = ConventionVersion.objects.filter(pk=version.pk).values().get()
    if value == "later":
        value = timezone.now() + timedelta(days=30)
    setattr(version, field, value)
    with pytest.raises(ValidationError):
        version.save()
    assert ConventionVersion.objects.filter(pk=version.pk).values().get() == before


def test_a_signed_version_cannot_be_changed_by_a_save_that_names_its_fields(parties, make_convention):
    """save(update_fields=[...]) is still the model's save: naming a field must not slip past the freeze, or the
    rules enforced would differ from the document both chiefs signed."""
    provider, consumer, provider_chief, consumer_chief = parties
    camera = CameraFactory(owner=provider)
    operator = person(consumer, "operator")
    version = make_convention(provider_chief, consumer, consumer_chief=consumer_chief, lookback_days=7).versions.get()
    version.lookback_days = 365
    try:
        with transaction.atomic():
            version.save(update_fields=["lookback_days"])
    except ValidationError:
        pass
    stored = ConventionVersion.objects.values_list("lookback_days", flat=True).get(pk=version.pk)
    assert stored == 7, f"the signed version's look-back limit was changed from 7 to {stored} days"
    start = timezone.now() - timedelta(days=20)
    decision = policy.evaluate(actor=operator, camera=camera, mode="playback", purpose="public_order",
                               window_start=start, window_end=start + timedelta(hours=1))  # fmt: skip
    assert decision.reason == "lookback_exceeded"


@pytest.mark.parametrize("sign", ["none", "both"], ids=["proposed", "signed"])
@pytest.mark.parametrize("relation", ["cameras", "groups", "municipalities"])
@pytest.mark.parametrize("operation", ["add", "set", "clear", "remove"])
def test_a_proposed_versions_scope_cannot_be_changed(parties, make_convention, sign, relation, operation):
    provider, consumer, provider_chief, consumer_chief = parties
    existing = {
        "cameras": CameraFactory(owner=provider),
        "groups": CameraGroupFactory(owner=provider),
        "municipalities": MunicipalityFactory(zone=provider),
    }
    extra = {
        "cameras": CameraFactory(owner=provider),
        "groups": CameraGroupFactory(owner=provider),
        "municipalities": MunicipalityFactory(zone=provider),
    }
    convention = make_convention(
        provider_chief, consumer, consumer_chief=consumer_chief, sign=sign, **{relation: [existing[relation]]}
    )
    version = convention.versions.get()
    manager = getattr(version, relation)
    with pytest.raises(ValidationError), transaction.atomic():
        if operation == "add":
            manager.add(extra[relation])
        elif operation == "set":
            manager.set([extra[relation]])
        elif operation == "clear":
            manager.clear()
        else:
            manager.remove(existing[relation])
    assert list(getattr(version, relation).all()) == [existing[relation]]


def test_version_update_refuses_a_proposed_version(parties, make_convention):
    provider, consumer, provider_chief, _ = parties
    version = make_convention(provider_chief, consumer, sign="none").versions.get()
    with pytest.raises(ValidationError):
        services.version_update(actor=provider_chief, version=version, lookback_days=1)


# -- amendments ------------------------------------------------------------------------------------------------


def test_amendments_need_both_signatures_numbers_increase_and_the_previous_version_stays_in_force(
    parties, make_convention
):
    provider, consumer, provider_chief, consumer_chief = parties
    camera = CameraFactory(owner=provider)
    operator = person(consumer, "operator")
    convention = make_convention(provider_chief, consumer, consumer_chief=consumer_chief, purposes=["public_order"])

    def decision(purpose):
        return policy.evaluate(actor=operator, camera=camera, mode="live", purpose=purpose)

    assert decision("public_order").convention_version_number == 1
    second = amend(provider_chief, consumer_chief, convention, sign="draft", purposes=["public_order", "crisis"])
    assert second.number == 2 and second.status == Status.DRAFT
    assert decision("crisis").reason == "purpose_not_allowed"
    with pytest.raises(ValidationError):  # one negotiation at a time
        services.version_amend(actor=provider_chief, convention=convention)
    services.version_propose(actor=provider_chief, version=second)
    services.version_sign(actor=provider_chief, version=second, recent_second_factor=True)
    assert decision("crisis").reason == "purpose_not_allowed"  # one signature is not enough
    assert decision("public_order").convention_version_number == 1
    services.version_sign(actor=consumer_chief, version=second, recent_second_factor=True)
    assert decision("crisis").allowed and decision("crisis").convention_version_number == 2
    third = amend(provider_chief, consumer_chief, convention, sign="draft")
    assert third.number == 3
    assert third.purposes == ["public_order", "crisis"]  # copied from the latest version
    assert list(convention.versions.values_list("number", "status")) == [
        (3, Status.DRAFT),
        (2, Status.SIGNED),
        (1, Status.SIGNED),
    ]
    assert actions(convention).count(Action.AMENDED) == 2


def test_an_amendment_copies_the_scope_and_only_the_providers_chief_drafts_it(parties, make_convention):
    provider, consumer, provider_chief, consumer_chief = parties
    cameras = [CameraFactory(owner=provider), CameraFactory(owner=provider)]
    group = CameraGroupFactory(owner=provider)
    convention = make_convention(provider_chief, consumer, consumer_chief=consumer_chief, cameras=cameras,
                                 groups=[group], kinds=["fixed"])  # fmt: skip
    for actor in (consumer_chief, person(provider, "operator")):
        with pytest.raises(PermissionDenied):
            services.version_amend(actor=actor, convention=convention)
    amendment = services.version_amend(actor=provider_chief, convention=convention)
    assert set(amendment.cameras.all()) == set(cameras)
    assert list(amendment.groups.all()) == [group]
    assert amendment.kinds == ["fixed"]


def test_a_terminated_convention_cannot_be_amended(parties, make_convention):
    provider, consumer, provider_chief, consumer_chief = parties
    convention = make_convention(provider_chief, consumer, consumer_chief=consumer_chief)
    services.convention_terminate(actor=consumer_chief, convention=convention, reason="No longer needed")
    with pytest.raises(ValidationError):
        services.version_amend(actor=provider_chief, convention=convention)


# -- suspension, resumption, termination -----------------------------------------------------------------------

REASONS = [("", False), ("    ", False), ("abcd", False), ("  abcd  ", False), ("abcde", True), ("Audit due", True)]


@pytest.mark.parametrize(("reason", "accepted"), REASONS, ids=[repr(r) for r, _ in REASONS])
def test_suspend_and_resume_need_a_reason_of_five_characters(parties, make_convention, reason, accepted):
    provider, consumer, provider_chief, consumer_chief = parties
    convention = make_convention(provider_chief, consumer, consumer_chief=consumer_chief)
    if accepted:
        services.convention_suspend(actor=provider_chief, convention=convention, reason=reason)
        convention.refresh_from_db()
        assert convention.is_suspended and convention.suspended_reason == reason.strip()
        services.convention_resume(actor=provider_chief, convention=convention, reason=reason)
        convention.refresh_from_db()
        assert not convention.is_suspended and convention.suspended_reason == ""
        assert actions(convention)[-2:] == [Action.SUSPENDED, Action.RESUMED]
        return
    with pytest.raises(ValidationError):
        services.convention_suspend(actor=provider_chief, convention=convention, reason=reason)
    convention.refresh_from_db()
    assert not convention.is_suspended and Action.SUSPENDED not in actions(convention)
    services.convention_suspend(actor=provider_chief, convention=convention, reason="Valid reason")
    with pytest.raises(ValidationError):
        services.convention_resume(actor=provider_chief, convention=convention, reason=reason)
    convention.refresh_from_db()
    assert convention.is_suspended and Action.RESUMED not in actions(convention)


@pytest.mark.parametrize(
    "who",
    [
        "consumer-chief",
        "provider-operator",
        "provider-dpo",
        "provider-platform_admin",
        "consumer-operator",
        "third-chief",
    ],
)
def test_only_the_providers_chief_suspends_and_resumes(parties, make_convention, who):
    provider, consumer, provider_chief, consumer_chief = parties
    convention = make_convention(provider_chief, consumer, consumer_chief=consumer_chief)
    side, role = who.split("-", 1)
    organisation = {"provider": provider, "consumer": consumer, "third": OrganisationFactory()}[side]
    actor = consumer_chief if who == "consumer-chief" else person(organisation, role)
    with pytest.raises(PermissionDenied):
        services.convention_suspend(actor=actor, convention=convention, reason="Not theirs to do")
    services.convention_suspend(actor=provider_chief, convention=convention, reason="Dispute over retention")
    with pytest.raises(PermissionDenied):
        services.convention_resume(actor=actor, convention=convention, reason="Not theirs to do")
    convention.refresh_from_db()
    assert convention.is_suspended


def test_suspend_twice_or_resume_an_active_convention_is_refused(parties, make_convention):
    provider, consumer, provider_chief, consumer_chief = parties
    convention = make_convention(provider_chief, consumer, consumer_chief=consumer_chief)
    with pytest.raises(ValidationError):
        services.convention_resume(actor=provider_chief, convention=convention, reason="Nothing to resume")
    services.convention_suspend(actor=provider_chief, convention=convention, reason="Dispute over retention")
    with pytest.raises(ValidationError):
        services.convention_suspend(actor=provider_chief, convention=convention, reason="Again")


@pytest.mark.parametrize("by", ["provider", "consumer"])
def test_terminate_by_either_chief_with_a_reason(parties, make_convention, by):
    provider, consumer, provider_chief, consumer_chief = parties
    convention = make_convention(provider_chief, consumer, consumer_chief=consumer_chief)
    chief = provider_chief if by == "provider" else consumer_chief
    with pytest.raises(ValidationError):
        services.convention_terminate(actor=chief, convention=convention, reason="no")
    services.convention_terminate(actor=chief, convention=convention, reason="Project ended")
    convention.refresh_from_db()
    assert convention.terminated_at and convention.terminated_reason == "Project ended"
    event = convention.events.get(action=Action.TERMINATED)
    assert (event.actor, event.reason) == (chief.user, "Project ended")
    with pytest.raises(ValidationError):
        services.convention_terminate(actor=chief, convention=convention, reason="Once more")
    with pytest.raises(ValidationError):
        services.convention_suspend(actor=provider_chief, convention=convention, reason="Too late now")


@pytest.mark.parametrize("who", ["provider-operator", "consumer-operator", "consumer-dpo", "third-chief"])
def test_only_a_chief_of_a_party_terminates(parties, make_convention, who):
    provider, consumer, provider_chief, consumer_chief = parties
    convention = make_convention(provider_chief, consumer, consumer_chief=consumer_chief)
    side, role = who.split("-", 1)
    organisation = {"provider": provider, "consumer": consumer, "third": OrganisationFactory()}[side]
    with pytest.raises(PermissionDenied):
        services.convention_terminate(actor=person(organisation, role), convention=convention, reason="Not theirs")
    convention.refresh_from_db()
    assert convention.terminated_at is None


def test_every_transition_has_an_event_with_actor_and_reason_and_a_change_log_entry(parties, make_convention):
    provider, consumer, provider_chief, consumer_chief = parties
    convention = make_convention(provider_chief, consumer, consumer_chief=consumer_chief)
    services.convention_suspend(actor=provider_chief, convention=convention, reason="Dispute over retention")
    services.convention_resume(actor=provider_chief, convention=convention, reason="Dispute settled")
    services.convention_terminate(actor=consumer_chief, convention=convention, reason="Project ended")
    events = {e.action: e for e in convention.events.all()}
    expected = {
        Action.SUSPENDED: (provider_chief.user, provider.code, "Dispute over retention"),
        Action.RESUMED: (provider_chief.user, provider.code, "Dispute settled"),
        Action.TERMINATED: (consumer_chief.user, consumer.code, "Project ended"),
    }
    for action, (actor, code, reason) in expected.items():
        assert (events[action].actor, events[action].organisation_code, events[action].reason) == (actor, code, reason)
        assert events[action].actor_name == str(actor)

    log = LogEntry.objects.get_for_object(convention)
    created = log.get(action=LogEntry.Action.CREATE)
    assert created.actor == provider_chief.user
    assert all(entry.actor is not None for entry in log)
    updates = [
        entry
        for entry in log.filter(action=LogEntry.Action.UPDATE).order_by("timestamp", "id")
        if {"suspended_at", "terminated_at"} & set(entry.changes_dict)
    ]
    assert [entry.actor for entry in updates] == [provider_chief.user, provider_chief.user, consumer_chief.user]
    assert updates[0].changes_dict["suspended_reason"][1] == "Dispute over retention"
    assert updates[2].changes_dict["terminated_reason"][1] == "Project ended"
    version = convention.versions.get()
    version_log = LogEntry.objects.get_for_object(version)
    assert version_log.exists() and {e.actor for e in version_log} == {provider_chief.user, consumer_chief.user}
    for signature in Signature.objects.filter(version=version):
        assert LogEntry.objects.get_for_object(signature).get(action=LogEntry.Action.CREATE).actor == signature.signer


# -- expiry ----------------------------------------------------------------------------------------------------


def test_expiry_marks_an_ended_convention_once(parties, make_convention):
    provider, consumer, provider_chief, consumer_chief = parties
    now = timezone.now()
    ended = make_convention(
        provider_chief,
        consumer,
        consumer_chief=consumer_chief,
        valid_from=now - timedelta(days=60),
        valid_until=now - timedelta(days=1),
    )
    running = make_convention(
        provider_chief, consumer, consumer_chief=consumer_chief, valid_until=now + timedelta(days=9)
    )
    open_ended = make_convention(provider_chief, consumer, consumer_chief=consumer_chief)
    unsigned = make_convention(provider_chief, consumer, consumer_chief=consumer_chief, sign="provider",
                               valid_until=now - timedelta(days=1))  # fmt: skip
    assert services.convention_expire_due() == 1
    ended.refresh_from_db()
    assert ended.expired_at is not None
    first = ended.expired_at
    assert actions(ended).count(Action.EXPIRED) == 1
    assert services.convention_expire_due() == 0  # idempotent
    ended.refresh_from_db()
    assert ended.expired_at == first and actions(ended).count(Action.EXPIRED) == 1
    for other in (running, open_ended, unsigned):
        other.refresh_from_db()
        assert other.expired_at is None and Action.EXPIRED not in actions(other)


def test_expiry_uses_the_given_instant_and_skips_terminated_conventions(parties, make_convention):
    provider, consumer, provider_chief, consumer_chief = parties
    now = timezone.now()
    convention = make_convention(
        provider_chief, consumer, consumer_chief=consumer_chief, valid_until=now + timedelta(days=5)
    )
    terminated = make_convention(
        provider_chief, consumer, consumer_chief=consumer_chief, valid_until=now + timedelta(days=5)
    )
    services.convention_terminate(actor=provider_chief, convention=terminated, reason="Project ended")
    assert services.convention_expire_due(at=now + timedelta(days=5) - timedelta(seconds=1)) == 0
    assert services.convention_expire_due(at=now + timedelta(days=5)) == 1
    convention.refresh_from_db()
    terminated.refresh_from_db()
    assert convention.expired_at is not None and terminated.expired_at is None


def test_expiry_leaves_a_convention_with_a_future_amendment_alone(parties, make_convention):
    provider, consumer, provider_chief, consumer_chief = parties
    now = timezone.now()
    convention = make_convention(
        provider_chief, consumer, consumer_chief=consumer_chief, valid_until=now - timedelta(days=1)
    )
    amend(provider_chief, consumer_chief, convention, valid_from=now + timedelta(days=5), valid_until=None)
    assert services.convention_expire_due() == 0
    assert services.convention_expire_due(at=now + timedelta(days=6)) == 0
    convention.refresh_from_db()
    assert convention.expired_at is None and Action.EXPIRED not in actions(convention)


def test_the_expire_task_runs_the_same_service(parties, make_convention):
    from conventions.tasks import expire_conventions

    provider, consumer, provider_chief, consumer_chief = parties
    now = timezone.now()
    make_convention(provider_chief, consumer, consumer_chief=consumer_chief, valid_until=now - timedelta(hours=1))
    assert expire_conventions() == 1
    assert expire_conventions() == 0


# -- the catalogue: "cameras shared with me" -------------------------------------------------------------------


def visible(actor):
    return set(camera_list(actor=actor).values_list("pk", flat=True))


def test_shared_cameras_are_in_the_catalogue_exactly_while_the_convention_is_active(parties, make_convention):
    provider, consumer, provider_chief, consumer_chief = parties
    shared = CameraFactory(owner=provider, kind="fixed")
    not_shared = CameraFactory(owner=provider, kind="ptz")
    own = CameraFactory(owner=consumer)
    CameraFactory(owner=OrganisationFactory(), kind="fixed")  # a third owner's camera of the shared kind
    operator = person(consumer, "operator")
    dpo = person(consumer, "dpo")
    assert visible(operator) == {own.pk}
    convention = make_convention(provider_chief, consumer, consumer_chief=consumer_chief, sign="provider",
                                 kinds=["fixed"])  # fmt: skip
    assert visible(operator) == {own.pk}  # one signature is not enough
    services.version_sign(actor=consumer_chief, version=convention.versions.get(), recent_second_factor=True)
    assert visible(operator) == {own.pk, shared.pk}
    assert visible(consumer_chief) == {own.pk, shared.pk}
    assert visible(dpo) == {own.pk}
    assert not_shared.pk not in visible(operator)
    services.convention_suspend(actor=provider_chief, convention=convention, reason="Dispute over retention")
    assert visible(operator) == {own.pk}
    services.convention_resume(actor=provider_chief, convention=convention, reason="Dispute settled")
    assert visible(operator) == {own.pk, shared.pk}
    services.convention_terminate(actor=provider_chief, convention=convention, reason="Project ended")
    assert visible(operator) == {own.pk}


def test_the_catalogue_and_the_decision_agree(parties, make_convention):
    provider, consumer, provider_chief, consumer_chief = parties
    group = CameraGroupFactory(owner=provider)
    place = MunicipalityFactory(zone=provider)
    cameras = [CameraFactory(owner=provider) for _ in range(4)]
    cameras.append(CameraFactory(owner=provider, municipality=place))
    cameras.append(CameraFactory(owner=OrganisationFactory(), municipality=place))  # a third owner's, same place
    cameras[0].groups.add(group)
    make_convention(
        provider_chief, consumer, consumer_chief=consumer_chief, groups=[group], cameras=[cameras[1]],
        municipalities=[place],
    )  # fmt: skip
    operator = person(consumer, "operator")
    listed = visible(operator)
    assert listed == {cameras[0].pk, cameras[1].pk, cameras[4].pk}
    for camera in cameras:
        allowed = policy.evaluate(actor=operator, camera=camera, mode="live", purpose="public_order").allowed
        assert allowed is (camera.pk in listed), camera
    cameras[2].groups.add(group)  # joins the shared group later
    assert cameras[2].pk in visible(operator)
    assert policy.evaluate(actor=operator, camera=cameras[2], mode="live", purpose="public_order").allowed


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "listed"),
    [(-400, None, True), (2, None, False), (-400, -1, False), (-400, 2, True)],
    ids=["open", "not-yet-started", "ended", "ends-later"],
)
def test_the_catalogue_follows_validity(parties, make_convention, valid_from, valid_until, listed):
    provider, consumer, provider_chief, consumer_chief = parties
    camera = CameraFactory(owner=provider)
    now = timezone.now()
    make_convention(
        provider_chief, consumer, consumer_chief=consumer_chief, valid_from=now + timedelta(days=valid_from),
        valid_until=None if valid_until is None else now + timedelta(days=valid_until),
    )  # fmt: skip
    assert (camera.pk in visible(person(consumer, "operator"))) is listed


def test_another_consumer_does_not_see_the_shared_cameras(parties, make_convention):
    provider, consumer, provider_chief, consumer_chief = parties
    camera = CameraFactory(owner=provider)
    make_convention(provider_chief, consumer, consumer_chief=consumer_chief)
    assert camera.pk in visible(person(consumer, "operator"))
    assert camera.pk not in visible(person(OrganisationFactory(), "operator"))
