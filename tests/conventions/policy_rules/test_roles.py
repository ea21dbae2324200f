"""Who may see what: the owner's roles on its own cameras, the consumer's roles on shared cameras."""

import pytest

from tests.conventions.policy_rules.world import DAY, ask, outcome, person
from tests.factories import CameraFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


# -- own cameras: by role --------------------------------------------------------------------------------------

OWN_ROLE_TABLE = [
    *[(role, mode, True) for role in ("chief", "operator") for mode in ("live", "playback", "export", "ptz")],
    ("approver", "playback", True),
    ("approver", "live", False),
    ("approver", "export", False),
    ("approver", "ptz", False),
    *[
        (role, mode, False)
        for role in ("dpo", "mayor", "platform_admin", "supervisor")
        for mode in ("live", "playback", "export", "ptz")
    ],
]


@pytest.mark.parametrize(
    ("role", "mode", "allowed"),
    OWN_ROLE_TABLE,
    ids=[f"{role}-{mode}-{'allowed' if ok else 'refused'}" for role, mode, ok in OWN_ROLE_TABLE],
)
def test_own_cameras_by_role(db, role, mode, allowed):
    organisation = OrganisationFactory()
    camera = CameraFactory(owner=organisation)
    decision = ask(person(organisation, role), camera, mode, age=DAY)
    assert outcome(decision) == (("allowed", "own_camera") if allowed else ("denied", "no_role"))
    assert decision.convention_version_id is None


def test_own_cameras_need_no_convention_and_ignore_break_glass(world):
    operator = person(world.provider, "operator")
    assert outcome(ask(operator, world.camera, break_glass=True)) == ("allowed", "own_camera")


# -- consumer roles --------------------------------------------------------------------------------------------

CONSUMER_ROLES = [
    ("chief", True),
    ("operator", True),
    ("approver", False),
    ("dpo", False),
    ("mayor", False),
    ("platform_admin", False),
    ("supervisor", False),
]


@pytest.mark.parametrize(("role", "allowed"), CONSUMER_ROLES, ids=[role for role, _ in CONSUMER_ROLES])
@pytest.mark.parametrize("mode", ["live", "playback"])
def test_consumer_roles_on_shared_cameras(world, role, allowed, mode):
    world.convene()
    decision = ask(person(world.consumer, role), world.camera, mode, age=DAY)
    assert outcome(decision) == (("allowed", "convention") if allowed else ("denied", "no_role"))
