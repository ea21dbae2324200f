"""Lock-outs by username and address together (issue 12): a control room behind one address, a guesser elsewhere,
spraying from one address, the chief's unlock, and the access-log entries the DPO sees. All through the real
sign-in views (axes counts what they send it)."""

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AccessAction, AccessLogEntry
from oversight import anomalies
from tests.conftest import sign_in
from tests.factories import PASSWORD, OrganisationFactory
from zones.models import Membership

pytestmark = pytest.mark.django_db

CONTROL_ROOM = "192.0.2.10"  # one NAT address for a whole control room
ELSEWHERE = "198.51.100.20"


def client_at(address):
    return Client(REMOTE_ADDR=address)


def fail(client, username, times=5):
    login = reverse("zones:login")
    return [client.post(login, {"username": username, "password": "wrong password"}).status_code for _ in range(times)]


def signs_in(client, membership):
    response = client.post(reverse("zones:login"), {"username": membership.user.username, "password": PASSWORD})
    return response.status_code == 302 and response["Location"] == reverse("zones:login_verify")


def signed_in_at(address, membership):
    client = client_at(address)
    assert sign_in(client, membership.user).status_code == 302
    session = client.session
    session["active_organisation_id"] = membership.organisation_id
    session.save()
    return client


def lock_out(membership, address=CONTROL_ROOM):
    assert fail(client_at(address), membership.user.username) == [401, 401, 401, 401, 429]
    assert not signs_in(client_at(address), membership)


# The policy -------------------------------------------------------------------------------------------------------


def test_one_persons_failures_do_not_lock_a_colleague_behind_the_same_address(person):
    typist = person()
    colleague = person(organisation=typist.organisation)
    lock_out(typist, CONTROL_ROOM)
    assert signs_in(client_at(CONTROL_ROOM), colleague)
    assert sign_in(client_at(CONTROL_ROOM), colleague.user).status_code == 302


def test_a_guesser_elsewhere_does_not_lock_the_person_out(person):
    target = person()
    lock_out(target, ELSEWHERE)
    assert signs_in(client_at(CONTROL_ROOM), target)
    assert fail(client_at(ELSEWHERE), target.user.username, times=1) == [429]  # still locked there


def test_wrong_codes_lock_only_at_that_address(person):
    membership = person()
    here = client_at(CONTROL_ROOM)
    assert signs_in(here, membership)
    for _ in range(5):
        here.post(reverse("zones:login_verify"), {"code": "000000"})
    assert not signs_in(client_at(CONTROL_ROOM), membership)
    assert signs_in(client_at(ELSEWHERE), membership)


def test_one_address_trying_many_usernames_is_locked_past_the_ceiling(settings, person):
    settings.PORTAL_LOCKOUT_ADDRESS_CEILING = 12
    sprayer = client_at(ELSEWHERE)
    for n in range(3):
        assert fail(sprayer, f"nobody{n}", times=3) == [401, 401, 401]  # under five per username: no lock
    victim = person()
    assert signs_in(client_at(ELSEWHERE), victim)  # 9 failures from that address: under the ceiling
    assert fail(sprayer, "nobody3", times=3) == [401, 401, 429]  # the 12th failure locks the address
    assert not signs_in(client_at(ELSEWHERE), victim)
    assert signs_in(client_at(CONTROL_ROOM), victim)
    assert AccessLogEntry.objects.filter(action=AccessAction.LOCKOUT, reason="address_locked").exists()


def test_under_the_ceiling_many_typos_in_a_control_room_lock_nobody_else(person):
    people = [person() for _ in range(6)]
    for typist in people[:5]:
        assert fail(client_at(CONTROL_ROOM), typist.user.username, times=4) == [401] * 4
    assert signs_in(client_at(CONTROL_ROOM), people[5])


# The chief's unlock --------------------------------------------------------------------------------------------


def test_the_chief_sees_the_lock_and_lifts_it(person):
    chief = person(role="chief")
    operator = person(organisation=chief.organisation)
    lock_out(operator)
    client = signed_in_at(ELSEWHERE, chief)
    page = client.get(reverse("zones:members")).content.decode()
    unlock = reverse("zones:lockout_lift", args=[operator.pk])
    assert page.count('action="/organisation/people/') >= 1 and unlock in page
    assert "Locked out after failed sign-ins" in page
    response = client.post(unlock, follow=True)
    assert response.status_code == 200
    assert f"{operator.user} can sign in again." in response.content.decode()
    assert signs_in(client_at(CONTROL_ROOM), operator)
    assert unlock not in client.get(reverse("zones:members")).content.decode()
    entry = AccessLogEntry.objects.get(action=AccessAction.UNLOCK)
    assert (entry.chain, entry.actor_id, entry.actor_organisation_code) == (
        chief.organisation.code,
        chief.user.pk,
        chief.organisation.code,
    )
    assert entry.details == {"username": operator.user.username, "person": str(operator.user)}
    assert entry.source_address == ELSEWHERE


def test_unlocking_someone_who_is_not_locked_changes_and_logs_nothing(person):
    chief = person(role="chief")
    operator = person(organisation=chief.organisation)
    client = signed_in_at(ELSEWHERE, chief)
    response = client.post(reverse("zones:lockout_lift", args=[operator.pk]), follow=True)
    assert "is not locked out" in response.content.decode()
    assert not AccessLogEntry.objects.filter(action=AccessAction.UNLOCK).exists()


def test_another_organisations_chief_gets_404_and_an_operator_cannot(person):
    operator = person()
    lock_out(operator)
    other_chief = person(organisation=OrganisationFactory(), role="chief")
    colleague = person(organisation=operator.organisation, role="operator")
    unlock = reverse("zones:lockout_lift", args=[operator.pk])
    assert signed_in_at(ELSEWHERE, other_chief).post(unlock).status_code == 404
    refused = signed_in_at(ELSEWHERE, colleague).post(unlock).status_code
    assert refused in {403, 404}
    assert not signs_in(client_at(CONTROL_ROOM), operator)
    assert not AccessLogEntry.objects.filter(action=AccessAction.UNLOCK).exists()


def test_unlocking_needs_a_fresh_second_factor(person, settings):
    chief = person(role="chief")
    operator = person(organisation=chief.organisation)
    lock_out(operator)
    client = signed_in_at(ELSEWHERE, chief)
    session = client.session
    session["otp_verified_at"] = 0
    session.save()
    response = client.post(reverse("zones:lockout_lift", args=[operator.pk]))
    assert response.status_code == 200 and 'name="step_up-code"' in response.content.decode()  # the code form
    assert not signs_in(client_at(CONTROL_ROOM), operator)


# The access log and the DPO console ---------------------------------------------------------------------------


def test_the_lock_out_is_logged_in_each_organisation_of_the_person(person):
    operator = person()
    second = Membership.objects.create(user=operator.user, organisation=OrganisationFactory(), role="operator")
    lock_out(operator)  # five failures, then the right password refused
    entries = AccessLogEntry.objects.filter(action=AccessAction.LOCKOUT).order_by("id")
    assert sorted({(e.chain, e.reason) for e in entries}) == sorted(
        {
            (operator.organisation.code, "locked_out"),
            (operator.organisation.code, "attempt_while_locked"),
            (second.organisation.code, "locked_out"),
            (second.organisation.code, "attempt_while_locked"),
        }
    )
    first = entries.filter(reason="locked_out", chain=operator.organisation.code).get()
    assert first.actor_id == operator.user.pk
    assert first.source_address == CONTROL_ROOM
    assert first.details == {"username": operator.user.username, "failures": 5, "cool_off_minutes": 15}
    assert first.decision == ""  # not a refused access to images: the transparency reports do not count it


def test_a_lock_out_of_a_username_nobody_holds_goes_to_the_platform_chain(db):
    assert fail(client_at(ELSEWHERE), "no.such.person") == [401, 401, 401, 401, 429]
    entry = AccessLogEntry.objects.get(action=AccessAction.LOCKOUT)
    assert (entry.chain, entry.actor_id, entry.details["username"]) == ("PLATFORM", None, "no.such.person")


def test_the_dpo_console_lists_lockouts_and_unlocks_and_filters_them(person):
    chief = person(role="chief")
    dpo = person(organisation=chief.organisation, role="dpo")
    operator = person(organisation=chief.organisation)
    lock_out(operator)
    client = signed_in_at(ELSEWHERE, chief)
    client.post(reverse("zones:lockout_lift", args=[operator.pk]))
    console = signed_in_at(ELSEWHERE, dpo)
    page = console.get(reverse("oversight:console")).content.decode()
    assert "Sign-in locked out" in page and "Sign-in lock lifted" in page
    for action in (AccessAction.LOCKOUT, AccessAction.UNLOCK):
        response = console.get(reverse("oversight:console"), {"action": action})
        assert response.status_code == 200
        shown = {entry.action for entry in response.context["page"].object_list}
        assert shown == {action}
        api = console.get(reverse("accesslog-list"), {"action": action})
        assert api.status_code == 200 and {item["action"] for item in api.json()["results"]} == {action}


def test_repeated_lockouts_are_an_anomaly_in_the_console(person):
    dpo = person(role="dpo")
    target = person(organisation=dpo.organisation)
    for address in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):  # a guesser moving from address to address
        lock_out(target, address)
    console = signed_in_at(ELSEWHERE, dpo)
    response = console.get(reverse("oversight:console"))
    flags = [a for a in response.context["flags"] if a.kind == anomalies.REPEATED_LOCKOUTS]
    assert len(flags) == 1
    assert flags[0].chain == dpo.organisation.code
    assert len(flags[0].entry_ids) == 3
    assert f"Signing in as {target.user.username} was locked out 3 times" in response.content.decode()
    link = console.get(reverse("oversight:console") + flags[0].link)
    shown = link.context["page"].object_list
    assert {e.pk for e in shown} >= set(flags[0].entry_ids) and {e.action for e in shown} == {AccessAction.LOCKOUT}


def test_two_lockouts_are_no_anomaly(person):
    dpo = person(role="dpo")
    target = person(organisation=dpo.organisation)
    for address in ("198.51.100.1", "198.51.100.2"):
        lock_out(target, address)
    response = signed_in_at(ELSEWHERE, dpo).get(reverse("oversight:console"))
    assert not [a for a in response.context["flags"] if a.kind == anomalies.REPEATED_LOCKOUTS]
