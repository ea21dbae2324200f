"""The compiled-conventions cache: every change that can alter a decision reaches the next decision, in this
process, from another connection, and never from a rolled-back transaction."""

import uuid

import pytest
from django.db import connections, transaction

from conventions import policy, services
from conventions.models import DeclaredIncident, PolicyGeneration
from conventions.policy import decide
from tests.conventions.policy_rules.world import AT, ask, outcome
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


# -- the compiled-conventions cache ----------------------------------------------------------------------------


def test_changes_in_the_same_process_take_effect_on_the_next_decision(world, catalogue):
    convention = world.convene(modes=["live"])
    for _ in range(3):
        assert decide(actor=world.operator, camera=world.camera, mode="live", purpose="public_order", at=AT).allowed
    services.convention_suspend(actor=world.provider_chief, convention=convention, reason="Dispute over retention")
    decision = decide(actor=world.operator, camera=world.camera, mode="live", purpose="public_order", at=AT)
    assert outcome(decision) == ("denied", "convention_suspended")
    services.convention_resume(actor=world.provider_chief, convention=convention, reason="Dispute settled")
    assert decide(actor=world.operator, camera=world.camera, mode="live", purpose="public_order", at=AT).allowed
    services.convention_terminate(actor=world.consumer_chief, convention=convention, reason="Ended for good")
    decision = decide(actor=world.operator, camera=world.camera, mode="live", purpose="public_order", at=AT)
    assert outcome(decision) == ("denied", "no_convention")


def test_camera_snapshots_leave_the_cache_alone(world):
    world.convene()
    assert ask(world.operator, world.camera).allowed
    generation = policy.policy_generation()
    world.camera.status = "online"
    world.camera.save(update_fields=["status"])
    assert policy.policy_generation() == generation
    assert ask(world.operator, world.camera).allowed


@pytest.mark.django_db(transaction=True)
def test_a_change_made_through_another_connection_takes_effect_once_the_generation_moves(world):
    """Another process suspends the convention with plain SQL and only moves the policy generation: this
    process's compiled conventions must not be reused."""
    convention = world.convene()
    assert decide(actor=world.operator, camera=world.camera, mode="live", purpose="public_order", at=AT).allowed
    stale = policy._cache["compiled"].generation
    current = PolicyGeneration.objects.get(name="policy").value
    moved = current + 1 if isinstance(current, int) else uuid.uuid4().hex
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute(
                "UPDATE conventions_convention SET suspended_at = %s, suspended_reason = %s WHERE id = %s",
                [other.ops.adapt_datetimefield_value(AT), "Suspended elsewhere", convention.pk],
            )
            cursor.execute("UPDATE conventions_policygeneration SET value = %s WHERE name = 'policy'", [moved])
        if not other.get_autocommit():
            other.commit()
    finally:
        other.close()
    assert PolicyGeneration.objects.get(name="policy").value == moved != stale
    decision = decide(actor=world.operator, camera=world.camera, mode="live", purpose="public_order", at=AT)
    assert outcome(decision) == ("denied", "convention_suspended")


def test_a_rolled_back_change_never_leaks_into_decisions(world):
    """A decision taken inside a transaction that is then rolled back compiles the conventions as that
    transaction saw them, at a generation number the rollback gives back. The next committed change reaches the
    same number again, and the compiled conventions of the rolled-back transaction must not be reused."""
    convention = world.convene()
    services.convention_suspend(actor=world.provider_chief, convention=convention, reason="Dispute over retention")
    assert ask(world.operator, world.camera).reason == "convention_suspended"

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), transaction.atomic():
        services.convention_resume(actor=world.provider_chief, convention=convention, reason="Dispute settled")
        assert ask(world.operator, world.camera).allowed  # as seen inside the abandoned transaction
        raise Abandon
    convention.refresh_from_db()
    assert convention.suspended_at is not None
    # An unrelated change (an incident elsewhere) moves the generation again.
    DeclaredIncident.objects.create(organisation=OrganisationFactory(), title="Elsewhere",
                                    declared_by=world.provider_chief.user)  # fmt: skip
    assert outcome(ask(world.operator, world.camera)) == ("denied", "convention_suspended")
