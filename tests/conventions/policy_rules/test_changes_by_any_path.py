"""A change the policy reads takes effect on the next decision whatever made it: plain SQL from another
connection (a shell, a script, a restored table), Django admin, or the portal's services. The database itself
moves the policy generation (conventions.staleness); a compiled policy also has a bounded life as a last resort."""

import time

import pytest
from django.db import connections
from django.urls import reverse

from cameras.models import Camera
from conventions import policy
from conventions.models import PolicyGeneration
from conventions.policy import decide
from conventions.staleness import WATCHED, installed_triggers
from tests.conventions.policy_rules.world import AT, ask, outcome
from tests.factories import OrganisationFactory
from zones.models import User

pytestmark = pytest.mark.django_db(transaction=True)


def run_elsewhere(sql, params=()):
    """Run SQL on a connection of its own and commit, as another process would."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute(sql, [other.ops.adapt_datetimefield_value(p) if hasattr(p, "tzinfo") else p for p in params])
        if not other.get_autocommit():
            other.commit()
    finally:
        other.close()


def live_now(world):
    return decide(actor=world.operator, camera=world.camera, mode="live", purpose="public_order", at=AT)


def test_every_table_the_policy_reads_carries_the_triggers():
    triggers = installed_triggers()
    assert set(WATCHED) <= set(triggers), f"tables without a policy trigger: {set(WATCHED) - set(triggers)}"


SQL_CHANGES = {
    "suspended": ("UPDATE conventions_convention SET suspended_at = %s, suspended_reason = 'by hand' WHERE id = %s",
                  "convention_suspended"),
    "terminated": ("UPDATE conventions_convention SET terminated_at = %s WHERE id = %s", "no_convention"),
    "version withdrawn": ("UPDATE conventions_conventionversion SET valid_until = %s WHERE convention_id = %s",
                          "outside_validity"),
}  # fmt: skip


@pytest.mark.parametrize("change", SQL_CHANGES, ids=list(SQL_CHANGES))
def test_a_convention_changed_with_plain_sql_refuses_the_next_decision(world, change):
    convention = world.convene(modes=["live"])
    assert live_now(world).allowed
    sql, reason = SQL_CHANGES[change]
    run_elsewhere(sql, [AT, convention.pk])
    assert outcome(live_now(world)) == ("denied", reason)


def test_a_camera_taken_out_of_the_scope_with_plain_sql_is_refused(world, catalogue):
    convention = world.convene(modes=["live"], cameras=[world.camera, catalogue["b"]])  # still named without it
    assert live_now(world).allowed
    run_elsewhere(
        "DELETE FROM conventions_conventionversion_cameras WHERE camera_id = %s AND conventionversion_id IN "
        "(SELECT id FROM conventions_conventionversion WHERE convention_id = %s)",
        [world.camera.pk, convention.pk],
    )
    assert outcome(live_now(world)) == ("denied", "camera_out_of_scope")


def test_a_camera_given_to_another_owner_with_plain_sql_leaves_the_convention(world, catalogue):
    world.convene(modes=["live"], groups=[catalogue["g1"]])
    assert ask(world.operator, catalogue["a"]).allowed
    run_elsewhere(
        "UPDATE cameras_camera SET owner_id = %s WHERE id = %s", [OrganisationFactory().pk, catalogue["a"].pk]
    )
    assert not ask(world.operator, Camera.objects.get(pk=catalogue["a"].pk)).allowed


def test_observations_written_to_cameras_leave_the_policy_alone(world):
    """Snapshots and health probes write cameras all the time: those columns move no generation."""
    world.convene()
    generation = policy.policy_generation()
    run_elsewhere("UPDATE cameras_camera SET status = 'online', status_detail = 'ok' WHERE id = %s", [world.camera.pk])
    run_elsewhere("UPDATE zones_user SET last_login = %s", [AT])
    assert policy.policy_generation() == generation


def test_a_camera_moved_out_of_its_group_in_django_admin_is_refused(world, catalogue, person, signed_in):
    world.convene(modes=["live"], groups=[catalogue["g1"]])
    assert ask(world.operator, catalogue["a"]).allowed
    administrator = person(role="platform_admin")
    User.objects.filter(pk=administrator.user_id).update(is_staff=True, is_superuser=True)
    client = signed_in(administrator)
    page = reverse("admin:cameras_camera_change", args=[catalogue["a"].pk])
    form = client.get(page).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["groups"] = [catalogue["g2"].pk]
    data = {name: ("on" if value is True else value) for name, value in data.items() if value is not False}
    answer = client.post(page, data)
    assert answer.status_code == 302, answer.context["adminform"].form.errors if answer.context else answer
    assert list(Camera.objects.get(pk=catalogue["a"].pk).groups.all()) == [catalogue["g2"]]
    assert outcome(ask(world.operator, catalogue["a"])) == ("denied", "camera_out_of_scope")


def test_a_compiled_policy_lives_a_bounded_time_even_if_the_generation_comes_back(world, settings):
    """A restored backup can bring back the very token a process compiled at, behind a different convention: the
    compiled policy is rebuilt after PORTAL_POLICY_MAX_AGE_SECONDS anyway."""
    settings.PORTAL_POLICY_MAX_AGE_SECONDS = 0.5
    convention = world.convene(modes=["live"])
    assert live_now(world).allowed
    token = PolicyGeneration.objects.get(name="policy").value
    run_elsewhere("UPDATE conventions_convention SET suspended_at = %s WHERE id = %s", [AT, convention.pk])
    run_elsewhere("UPDATE conventions_policygeneration SET value = %s WHERE name = 'policy'", [token])
    assert live_now(world).allowed  # the same token: the cache is trusted for its life
    time.sleep(0.6)
    assert outcome(live_now(world)) == ("denied", "convention_suspended")
