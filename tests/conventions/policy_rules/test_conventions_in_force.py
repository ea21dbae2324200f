"""Which convention is in force: validity instants, suspension and termination, signatures, parties and
direction, amendments, several conventions between the same parties."""

from datetime import timedelta

import pytest

from conventions import services
from tests.conventions.policy_rules.world import AT, DAY, LONG_AGO, SECOND, ask, outcome, person
from tests.factories import CameraFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


# -- validity instants -----------------------------------------------------------------------------------------

START = AT - 10 * DAY
END = AT + 10 * DAY
VALIDITY_TABLE = [
    ("one-second-before-valid-from", START - SECOND, "outside_validity"),
    ("at-valid-from", START, None),
    ("one-second-after-valid-from", START + SECOND, None),
    ("one-second-before-valid-until", END - SECOND, None),
    ("at-valid-until", END, "outside_validity"),
    ("after-valid-until", END + DAY, "outside_validity"),
]


@pytest.mark.parametrize(("at", "refusal"), [row[1:] for row in VALIDITY_TABLE], ids=[r[0] for r in VALIDITY_TABLE])
def test_validity_instants(world, at, refusal):
    convention = world.convene(valid_from=START, valid_until=END)
    decision = ask(world.operator, world.camera, at=at)
    assert outcome(decision) == (("denied", refusal) if refusal else ("allowed", "convention"))
    assert decision.convention_reference == convention.reference


def test_microseconds_of_the_validity_are_dropped_at_drafting(world):
    world.convene(valid_from=START + timedelta(microseconds=999_999))
    assert ask(world.operator, world.camera, at=START).allowed


# -- convention states and parties -----------------------------------------------------------------------------


def test_suspended_then_resumed(world):
    convention = world.convene()
    assert outcome(ask(world.operator, world.camera)) == ("allowed", "convention")
    services.convention_suspend(actor=world.provider_chief, convention=convention, reason="Dispute over retention")
    decision = ask(world.operator, world.camera)
    assert outcome(decision) == ("denied", "convention_suspended")
    assert decision.convention_reference == convention.reference
    services.convention_resume(actor=world.provider_chief, convention=convention, reason="Dispute settled")
    assert outcome(ask(world.operator, world.camera)) == ("allowed", "convention")


@pytest.mark.parametrize("by", ["provider", "consumer"])
def test_terminated_is_no_convention(world, by):
    convention = world.convene()
    chief = world.provider_chief if by == "provider" else world.consumer_chief
    services.convention_terminate(actor=chief, convention=convention, reason="No longer needed")
    assert outcome(ask(world.operator, world.camera)) == ("denied", "no_convention")


def test_terminated_while_suspended_is_no_convention(world):
    convention = world.convene()
    services.convention_suspend(actor=world.provider_chief, convention=convention, reason="Dispute over retention")
    services.convention_terminate(actor=world.consumer_chief, convention=convention, reason="Ended for good")
    assert outcome(ask(world.operator, world.camera)) == ("denied", "no_convention")


@pytest.mark.parametrize("sign", ["draft", "none", "provider"], ids=["draft", "proposed", "provider-signed"])
def test_not_fully_signed_is_no_convention(world, sign):
    world.convene(sign=sign)
    assert outcome(ask(world.operator, world.camera)) == ("denied", "no_convention")


def test_another_consumers_convention_is_no_convention(world, make_convention):
    other = OrganisationFactory()
    make_convention(world.provider_chief, other, valid_from=LONG_AGO)
    assert outcome(ask(world.operator, world.camera)) == ("denied", "no_convention")
    assert ask(person(other, "operator"), world.camera).allowed


def test_a_convention_with_another_provider_does_not_cover_this_providers_cameras(world, make_convention):
    other_provider = OrganisationFactory()
    make_convention(person(other_provider, "chief"), world.consumer, valid_from=LONG_AGO)
    assert outcome(ask(world.operator, world.camera)) == ("denied", "no_convention")


def test_direction_matters_the_provider_gets_nothing_from_the_consumer(world):
    world.convene()
    consumer_camera = CameraFactory(owner=world.consumer)
    assert outcome(ask(person(world.provider, "operator"), consumer_camera)) == ("denied", "no_convention")


# -- amendments ------------------------------------------------------------------------------------------------


def test_amendment_applies_from_its_own_start_and_the_previous_version_stays_in_force(world):
    convention = world.convene(purposes=["public_order"])
    pending = world.amend(convention, sign="provider", purposes=["public_order", "traffic_management"],
                          valid_from=AT + DAY)  # fmt: skip
    # Not fully signed yet: version 1 applies, even after the amendment's start.
    for at in (AT, AT + 2 * DAY):
        decision = ask(world.operator, world.camera, purpose="traffic_management", at=at)
        assert outcome(decision) == ("denied", "purpose_not_allowed")
        assert decision.convention_version_number == 1
    services.version_sign(actor=world.consumer_chief, version=pending, recent_second_factor=True)
    before = ask(world.operator, world.camera, purpose="traffic_management", at=AT + DAY - SECOND)
    assert outcome(before) == ("denied", "purpose_not_allowed") and before.convention_version_number == 1
    assert ask(world.operator, world.camera, at=AT + DAY - SECOND).convention_version_number == 1
    after = ask(world.operator, world.camera, purpose="traffic_management", at=AT + DAY)
    assert outcome(after) == ("allowed", "convention") and after.convention_version_number == 2
    assert after.convention_version_id == pending.pk


def test_amendment_narrowing_the_scope_removes_access_from_its_start(world):
    other = CameraFactory(owner=world.provider)
    convention = world.convene()
    world.amend(convention, cameras=[other], valid_from=AT)
    assert ask(world.operator, world.camera, at=AT - SECOND).allowed
    decision = ask(world.operator, world.camera, at=AT)
    assert outcome(decision) == ("denied", "camera_out_of_scope") and decision.convention_version_number == 2
    assert ask(world.operator, other, at=AT).allowed


def test_expired_version_is_outside_validity_and_an_amendment_after_a_gap(world):
    convention = world.convene(valid_until=AT)
    assert ask(world.operator, world.camera, at=AT - SECOND).allowed
    decision = ask(world.operator, world.camera, at=AT)
    assert outcome(decision) == ("denied", "outside_validity") and decision.convention_version_number == 1
    world.amend(convention, valid_from=AT + DAY, valid_until=None)
    gap = ask(world.operator, world.camera, at=AT + SECOND)
    assert outcome(gap) == ("denied", "outside_validity")
    assert outcome(ask(world.operator, world.camera, at=AT + DAY)) == ("allowed", "convention")


def test_an_amendment_that_ended_does_not_revive_its_predecessor(world):
    convention = world.convene()  # open-ended
    world.amend(convention, valid_from=AT - DAY, valid_until=AT)
    assert ask(world.operator, world.camera, at=AT - SECOND).convention_version_number == 2
    assert outcome(ask(world.operator, world.camera, at=AT)) == ("denied", "outside_validity")


# -- several conventions between the same parties: the first allowance wins, else the deepest refusal ---------


def test_two_conventions_any_allowance_wins(world, catalogue):
    world.convene(cameras=[catalogue["a"]], modes=["live"])
    world.convene(cameras=[catalogue["b"]], modes=["live", "playback"])
    assert ask(world.operator, catalogue["a"]).allowed
    assert ask(world.operator, catalogue["b"], "playback", age=DAY).allowed
    # a is in the first convention's scope, but only live: the deeper refusal (mode) is reported.
    assert outcome(ask(world.operator, catalogue["a"], "playback", age=DAY)) == ("denied", "mode_not_allowed")
    assert outcome(ask(world.operator, catalogue["c"])) == ("denied", "camera_out_of_scope")
