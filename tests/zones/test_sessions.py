"""Session lifetime, ending sessions from outside, the active organisation and step-up."""

import time
from datetime import UTC, datetime

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from freezegun import freeze_time

from tests.conftest import sign_in
from tests.factories import OrganisationFactory, totp_code
from zones import services
from zones.models import Membership


def at(seconds):
    return freeze_time(datetime.fromtimestamp(seconds, tz=UTC))


pytestmark = pytest.mark.django_db


def test_idle_session_ends_after_15_minutes_with_a_message(client, person, signed_in):
    membership = person()
    signed_in(membership)
    with at(time.time() + 14 * 60):
        assert client.get(reverse("zones:dashboard")).status_code == 200
    with at(time.time() + 14 * 60 + 16 * 60):
        response = client.get(reverse("zones:dashboard"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("zones:login"))
        page = client.get(response["Location"])
    assert "15 minutes without activity" in page.content.decode()


def test_activity_keeps_the_session_but_not_beyond_12_hours(client, person, signed_in):
    membership = person()
    signed_in(membership)
    start = time.time()
    for minutes in range(10, 12 * 60, 10):
        with at(start + minutes * 60):
            assert client.get(reverse("zones:dashboard")).status_code == 200, minutes
    with at(start + 12 * 3600 + 60):
        response = client.get(reverse("zones:dashboard"))
        assert response.status_code == 302
        assert "12-hour limit" in client.get(response["Location"]).content.decode()


def test_withdrawing_a_membership_ends_the_persons_sessions_at_once(client, person, signed_in):
    membership = person()
    signed_in(membership)
    assert client.get(reverse("zones:dashboard")).status_code == 200
    services.membership_disable(membership=membership, reason="Left the unit")
    assert not Session.objects.exists()
    assert client.get(reverse("zones:dashboard")).status_code == 302


def test_disabling_a_user_anywhere_ends_sessions_and_tokens(client, person, signed_in):
    from tests.factories import api_token_for

    membership = person()
    token, _key = api_token_for(membership)
    signed_in(membership)
    user = membership.user
    user.is_active = False
    user.save()  # as the admin would
    assert client.get(reverse("zones:dashboard")).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_sessions_of_other_people_survive(client, person, signed_in):
    kept = person()
    from django.test import Client

    other_client = Client()
    sign_in(other_client, kept.user)
    leaving = person(organisation=kept.organisation)
    signed_in(leaving)
    services.membership_disable(membership=leaving, reason="Retired")
    assert other_client.get(reverse("zones:dashboard")).status_code == 200


def test_switching_to_an_organisation_where_one_has_a_role(client, person, signed_in):
    membership = person(role="operator")
    second = Membership.objects.create(user=membership.user, organisation=OrganisationFactory(), role="dpo")
    signed_in(membership)
    response = client.post(reverse("zones:organisation_switch"), {"organisation": second.organisation_id})
    assert response.status_code == 302
    page = client.get(reverse("zones:dashboard")).content.decode()
    assert 'data-role="dpo"' in page and 'data-role="operator"' not in page


def test_switching_to_an_unknown_organisation_is_a_404(client, person, signed_in):
    membership = person()
    foreign = OrganisationFactory()
    signed_in(membership)
    assert client.post(reverse("zones:organisation_switch"), {"organisation": foreign.pk}).status_code == 404
    assert client.post(reverse("zones:organisation_switch"), {"organisation": "x"}).status_code == 400


def test_session_naming_an_organisation_no_longer_held_moves_to_another_with_a_warning(client, person, signed_in):
    membership = person(role="operator")
    second = Membership.objects.create(user=membership.user, organisation=OrganisationFactory(), role="chief")
    signed_in(membership)
    Membership.objects.filter(pk=membership.pk).update(is_active=False)  # withdrawn behind the session's back
    response = client.get(reverse("zones:dashboard"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "no longer have a role" in text
    assert 'data-role="chief"' in text
    assert client.session["active_organisation_id"] == second.organisation_id


def test_session_with_no_membership_left_is_ended_with_a_403(client, person, signed_in):
    membership = person()
    signed_in(membership)
    Membership.objects.filter(pk=membership.pk).update(is_active=False)
    response = client.get(reverse("zones:dashboard"))
    assert response.status_code == 403
    assert "no longer has an active role" in response.content.decode()
    assert client.get(reverse("zones:dashboard")).status_code == 302


def test_step_up_is_asked_again_after_five_minutes_and_completes_the_action(client, person, signed_in):
    membership = person()
    signed_in(membership)
    create = reverse("zones:api_token_create")
    with at(time.time() + 60):
        assert client.post(create, {"name": "script", "days": 30}).status_code == 201
    with at(time.time() + 6 * 60):
        asked = client.post(create, {"name": "second", "days": 30}, HTTP_REFERER="http://testserver/accounts/tokens/")
        assert asked.status_code == 200
        page = asked.content.decode()
        assert 'name="name" value="second"' in page and 'name="days" value="30"' in page  # the action, carried
        wrong = client.post(create, {"name": "second", "days": 30, "step_up-code": "000000"})
        assert wrong.status_code == 401 and "not valid" in wrong.content.decode()
        assert membership.user.api_tokens.filter(name="second").count() == 0
    with at(time.time() + 6 * 60 + 5):  # the authenticator waits a second after a wrong code
        code = totp_code(membership.user.totp_device)
        assert client.post(create, {"name": "second", "days": 30, "step_up-code": code}).status_code == 201
        assert membership.user.api_tokens.filter(name="second").count() == 1
        assert client.post(create, {"name": "third", "days": 30}).status_code == 201  # fresh for five minutes


def test_chief_withdraws_a_role_after_step_up_and_cannot_withdraw_their_own(client, person, signed_in):
    chief = person(role="chief")
    operator = person(organisation=chief.organisation, role="operator")
    signed_in(chief)
    url = reverse("zones:membership_disable", args=[operator.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Moved to another unit"}).status_code == 302
    operator.refresh_from_db()
    assert not operator.is_active and operator.disabled_reason == "Moved to another unit"
    own = client.post(reverse("zones:membership_disable", args=[chief.pk]), {"reason": "Testing myself"})
    assert own.status_code == 400
    assert "cannot withdraw your own role" in own.content.decode()


def test_chief_cannot_touch_another_organisations_membership(client, person, signed_in):
    chief = person(role="chief")
    foreign = person(role="operator")
    signed_in(chief)
    response = client.post(reverse("zones:membership_disable", args=[foreign.pk]), {"reason": "Not mine to do"})
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.is_active


def test_people_page_is_for_chiefs(client, person, signed_in):
    signed_in(person(role="operator"))
    assert client.get(reverse("zones:members")).status_code == 403


def test_mayor_role_must_match_the_zone_of_the_municipality(db):
    from django.core.exceptions import ValidationError

    from tests.factories import MunicipalityFactory, UserFactory

    municipality = MunicipalityFactory()
    other_zone = OrganisationFactory()
    membership = Membership(user=UserFactory(), organisation=other_zone, role="mayor", municipality=municipality)
    with pytest.raises(ValidationError, match="not policed"):
        membership.full_clean()
    membership.organisation = municipality.zone
    membership.full_clean()
