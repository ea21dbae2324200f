"""Each "may this person do this now?" has one owner, conventions.policy, and every place that acts on it gives the
same answer: exports, playback and the request page on "still granted"; the services and the convention page's
buttons on what each convention state allows."""

import ast
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from conventions import policy, services
from conventions.models import Mode, Purpose
from footage import exports, playback, selectors
from footage import requests as footage
from footage.models import FootageRequest
from tests.factories import CameraFactory, MembershipFactory, OrganisationFactory
from tests.support.conventions import chief_of
from zones.tenancy import actor_for

ROOT = Path(__file__).resolve().parents[2]
WHY = "Robbery at the corner shop, identifying the suspects"


def actor(organisation, role):
    membership = MembershipFactory(organisation=organisation, role=role)
    return actor_for(membership.user, organisation.pk)


@pytest.fixture
def approved_export(parties, make_convention, person):
    """(the requester's membership, their actor, an approved export request of theirs)."""
    provider, consumer, provider_chief, _ = parties
    camera = CameraFactory(owner=provider, legal_regime="police")
    make_convention(provider_chief, consumer, cameras=[camera], four_eyes_export=False)
    membership = person(consumer, "operator")
    operator = actor_for(membership.user, consumer.pk)
    start = timezone.now() - timedelta(days=1)
    item = footage.request_submit(
        actor=operator, cameras=[camera], window_start=start, window_end=start + timedelta(minutes=5),
        purpose=Purpose.CRIMINAL_INVESTIGATION, mode=Mode.EXPORT, justification=WHY, case_reference="PV 2026/77",
    )  # fmt: skip
    footage.request_decide(actor=actor(provider, "approver"), footage=item, approve=True, reason="Needed for the case")
    item.refresh_from_db()
    assert item.status == FootageRequest.Status.APPROVED and item.access_until is not None
    return membership, operator, item


@pytest.mark.django_db
@pytest.mark.parametrize("access_until", ["missing", "past"])
def test_a_request_without_a_running_access_period_is_refused_by_every_consumer_alike(
    approved_export, access_until, signed_in
):
    membership, operator, item = approved_export
    until = None if access_until == "missing" else timezone.now() - timedelta(seconds=1)
    FootageRequest.objects.filter(pk=item.pk).update(access_until=until)
    item.refresh_from_db()

    assert policy.request_lapsed_reason(item) == "request_lapsed"
    assert not policy.request_still_granted(item)
    with pytest.raises(ValidationError):
        exports.export_request(actor=operator, footage=item)
    with pytest.raises(ValidationError):
        playback.playback_start(actor=operator, footage=item)
    assert not policy.request_actions(operator, item).prepare_export
    assert not policy.request_actions(operator, item).play

    # The request page offers neither a package nor playback to its requester.
    page = signed_in(membership).get(f"/requests/{item.pk}/")
    assert page.status_code == 200
    assert not page.context["can_prepare"] and not page.context["can_play"]


@pytest.mark.django_db
def test_a_running_access_period_is_granted_by_every_consumer_alike(approved_export, signed_in):
    membership, operator, item = approved_export
    assert policy.request_still_granted(item)
    actions = policy.request_actions(operator, item)
    assert actions.prepare_export and actions.play
    page = signed_in(membership).get(f"/requests/{item.pk}/")
    assert page.context["can_prepare"] and page.context["can_play"]
    assert exports.export_request(actor=operator, footage=item).pk


@pytest.mark.django_db
def test_a_live_break_glass_use_gives_no_recorded_footage_but_is_granted_for_live():
    item = FootageRequest(
        status=FootageRequest.Status.BREAK_GLASS, mode=Mode.LIVE, access_until=timezone.now() + timedelta(hours=1)
    )
    assert policy.request_lapsed_reason(item) == "request_not_granted"
    assert policy.request_still_granted(item, recorded=False)


def _python_files(*apps):
    for app in apps:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def test_no_module_outside_the_policy_compares_a_request_s_access_period():
    """The still-granted rule is written once: nobody else compares `access_until` with a time or lists the granted
    states (clamping a key's expiry to the access period with min() is fine)."""
    offenders = []
    for path in _python_files("footage", "media", "oversight", "conventions", "cameras", "zones", "audit"):
        if path.is_relative_to(ROOT / "conventions" / "policy"):
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                names = [n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)]
                if "access_until" in names:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
        text = path.read_text()
        for match in re.finditer(r"Status\.APPROVED,\s*\w+\.Status\.BREAK_GLASS", text):
            offenders.append(f"{path.relative_to(ROOT)}: lists the granted states ({match.group(0)})")
    assert not offenders, "re-derives the still-granted rule: " + ", ".join(offenders)


# --- The convention's state machine: the buttons and the services agree ----------------------------------------


def _convention_in(state, make_convention):
    provider, consumer = OrganisationFactory(), OrganisationFactory()
    provider_chief, consumer_chief = chief_of(provider), chief_of(consumer)
    signing = {"draft": "draft", "proposed": "none", "awaiting_consumer": "provider"}.get(state, "both")
    fields = {}
    if state == "scheduled":
        fields["valid_from"] = timezone.now() + timedelta(days=3)
    if state == "expired":
        fields.update(valid_from=timezone.now() - timedelta(days=30), valid_until=timezone.now() - timedelta(days=1))
    convention = make_convention(provider_chief, consumer, sign=signing, consumer_chief=consumer_chief, **fields)
    if state == "suspended":
        services.convention_suspend(actor=provider_chief, convention=convention, reason="Checking a misuse")
    if state == "terminated":
        services.convention_terminate(actor=provider_chief, convention=convention, reason="The project ended")
    if state == "amending":
        services.version_amend(actor=provider_chief, convention=convention)
    convention.refresh_from_db()
    people = {
        "provider chief": provider_chief,
        "consumer chief": consumer_chief,
        "provider operator": actor(provider, "operator"),
        "consumer dpo": actor(consumer, "dpo"),
    }
    return convention, people


def _service_allows(action, person, convention):
    call = {
        "suspend": lambda: services.convention_suspend(actor=person, convention=convention, reason="Checking it"),
        "resume": lambda: services.convention_resume(actor=person, convention=convention, reason="Checked, fine"),
        "terminate": lambda: services.convention_terminate(actor=person, convention=convention, reason="It ended"),
        "amend": lambda: services.version_amend(actor=person, convention=convention),
    }[action]
    try:
        with transaction.atomic():
            call()
            transaction.set_rollback(True)
    except (PermissionDenied, ValidationError):
        return False
    return True


STATES = ["draft", "proposed", "awaiting_consumer", "active", "amending", "scheduled", "suspended", "terminated"]


@pytest.mark.django_db
@pytest.mark.parametrize("state", [*STATES, "expired"])
def test_every_button_the_page_shows_is_exactly_what_the_service_allows(state, make_convention):
    convention, people = _convention_in(state, make_convention)
    expected_state = "active" if state == "amending" else state
    assert policy.convention_state(convention).code == expected_state
    for who, person in people.items():
        actions = policy.convention_actions(person, convention)
        for action in ("suspend", "resume", "terminate", "amend"):
            assert actions.may(action) == _service_allows(action, person, convention), (state, who, action)


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["draft", "proposed", "awaiting_consumer", "active"])
def test_signing_and_editing_a_version_follow_the_same_rule_in_the_service_and_on_the_page(state, make_convention):
    convention, people = _convention_in(state, make_convention)
    version = convention.versions.order_by("-number").first()
    for who, person in people.items():
        may_sign = policy.convention_actions(person, convention).may("sign", version)
        try:
            with transaction.atomic():
                services.version_sign(actor=person, version=version, recent_second_factor=True)
                transaction.set_rollback(True)
            signed = True
        except (PermissionDenied, ValidationError):
            signed = False
        assert may_sign == signed, (state, who)
        may_edit = policy.convention_actions(person, convention).may("edit", version)
        try:
            with transaction.atomic():
                services.version_update(actor=person, version=version, lookback_days=200)
                transaction.set_rollback(True)
            edited = True
        except (PermissionDenied, ValidationError):
            edited = False
        assert may_edit == edited, (state, who)


@pytest.mark.django_db
def test_an_approver_may_decide_once_and_the_list_to_decide_says_the_same(parties, make_convention):
    provider, consumer, provider_chief, _ = parties
    camera = CameraFactory(owner=provider, legal_regime="police")
    make_convention(provider_chief, consumer, cameras=[camera])
    start = timezone.now() - timedelta(days=1)
    item = footage.request_submit(
        actor=actor(consumer, "operator"), cameras=[camera], window_start=start,
        window_end=start + timedelta(minutes=5), purpose=Purpose.CRIMINAL_INVESTIGATION, mode=Mode.EXPORT,
        justification=WHY, case_reference="PV 2026/78",
    )  # fmt: skip
    first, second, operator = actor(provider, "approver"), actor(provider, "approver"), actor(provider, "operator")
    for person in (first, second, operator):
        listed = item in selectors.footage_requests_to_decide(actor=person)
        assert policy.may_decide(person, item) == listed == (person is not operator)
    footage.request_decide(actor=first, footage=item, approve=True, reason="Proportionate and needed")
    item.refresh_from_db()
    assert not policy.may_decide(first, item) and item not in selectors.footage_requests_to_decide(actor=first)
    assert policy.may_decide(second, item) and item in selectors.footage_requests_to_decide(actor=second)
