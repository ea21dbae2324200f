"""Sign-in with a second factor, enrolment, lock-out and the messages people see."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AccessLogEntry
from tests.conftest import sign_in
from tests.factories import PASSWORD, MembershipFactory, totp_code
from zones.models import UserSession

pytestmark = pytest.mark.django_db


def test_password_alone_does_not_sign_in(client, person):
    membership = person()
    response = client.post(reverse("zones:login"), {"username": membership.user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("zones:login_verify")
    assert client.get(reverse("zones:dashboard")).status_code == 302  # still anonymous


def test_password_and_current_code_sign_in_and_show_dashboard(client, person):
    membership = person(role="dpo")
    response = sign_in(client, membership.user)
    assert response.status_code == 302
    page = client.get(reverse("zones:dashboard"))
    assert page.status_code == 200
    assert b'data-role="dpo"' in page.content
    assert UserSession.objects.filter(user=membership.user).count() == 1


def test_backup_code_signs_in_once_only(client, person):
    membership = person()
    code = membership.user.backup_codes[0]
    assert sign_in(client, membership.user, code=code).status_code == 302
    assert not StaticToken.objects.filter(token=code).exists()
    client.post(reverse("zones:logout"))
    response = sign_in(client, membership.user, code=code)
    assert response.status_code == 401


def test_wrong_code_is_refused_with_a_clear_message(client, person):
    membership = person()
    client.post(reverse("zones:login"), {"username": membership.user.username, "password": PASSWORD})
    response = client.post(reverse("zones:login_verify"), {"code": "000000"})
    assert response.status_code == 401
    assert "That code is not valid" in response.content.decode()
    assert client.get(reverse("zones:dashboard")).status_code == 302


def test_malformed_login_is_a_400_with_field_messages(client, db):
    response = client.post(reverse("zones:login"), {"username": "", "password": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_malformed_code_is_a_400(client, person):
    membership = person()
    client.post(reverse("zones:login"), {"username": membership.user.username, "password": PASSWORD})
    response = client.post(reverse("zones:login_verify"), {"code": "12;--"})
    assert response.status_code == 400
    assert "A code has at least 6 characters." in response.content.decode()


def test_wrong_password_is_a_401_that_does_not_say_which_part_was_wrong(client, person):
    membership = person()
    response = client.post(reverse("zones:login"), {"username": membership.user.username, "password": "nope nope"})
    assert response.status_code == 401
    assert "Wrong username or password." in response.content.decode()
    unknown = client.post(reverse("zones:login"), {"username": "nobody-here", "password": "nope nope"})
    assert unknown.status_code == 401


def test_code_step_without_password_step_sends_back_to_login(client, db):
    response = client.post(reverse("zones:login_verify"), {"code": "123456"})
    assert response.status_code == 302
    assert response["Location"] == reverse("zones:login")


def test_person_without_active_membership_cannot_sign_in(client, person):
    membership = person(disabled=True)
    response = client.post(reverse("zones:login"), {"username": membership.user.username, "password": PASSWORD})
    assert response.status_code == 403
    assert "no active role" in response.content.decode()


def test_first_sign_in_enrols_an_authenticator_and_shows_backup_codes_once(client, db):
    membership = MembershipFactory(role="chief")
    response = client.post(reverse("zones:login"), {"username": membership.user.username, "password": PASSWORD})
    assert response["Location"] == reverse("zones:two_factor_setup")
    page = client.get(reverse("zones:two_factor_setup"))
    assert page.status_code == 200
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user=membership.user, confirmed=False)
    assert client.post(reverse("zones:two_factor_setup"), {"code": "12345"}).status_code == 400
    response = client.post(reverse("zones:two_factor_setup"), {"code": totp_code(device)})
    assert response["Location"] == reverse("zones:backup_codes")
    codes_page = client.get(reverse("zones:backup_codes")).content.decode()
    codes = list(StaticToken.objects.filter(device__user=membership.user).values_list("token", flat=True))
    assert len(codes) == 10 and all(code in codes_page for code in codes)
    again = client.get(reverse("zones:backup_codes")).content.decode()
    assert not any(code in again for code in codes)
    device.refresh_from_db()
    assert device.confirmed


def test_enrolment_refuses_a_wrong_code_and_then_asks_to_wait(client, db):
    membership = MembershipFactory(role="chief")
    client.post(reverse("zones:login"), {"username": membership.user.username, "password": PASSWORD})
    client.get(reverse("zones:two_factor_setup"))
    first = client.post(reverse("zones:two_factor_setup"), {"code": "000000"})
    assert first.status_code == 401
    assert "does not match" in first.content.decode()
    device = TOTPDevice.objects.get(user=membership.user, confirmed=False)
    second = client.post(reverse("zones:two_factor_setup"), {"code": totp_code(device)})
    assert second.status_code == 429
    assert "wait" in second.content.decode()


def test_after_five_failures_the_account_is_locked_even_with_the_right_password(client, person):
    membership = person()
    responses = [
        client.post(reverse("zones:login"), {"username": membership.user.username, "password": "wrong password"})
        for _ in range(5)
    ]
    assert [r.status_code for r in responses] == [401, 401, 401, 401, 429]
    assert "locked for 15 minutes" in responses[-1].content.decode()
    response = client.post(reverse("zones:login"), {"username": membership.user.username, "password": PASSWORD})
    assert response.status_code == 429


def test_wrong_codes_count_towards_the_lock_out(client, person):
    membership = person()
    client.post(reverse("zones:login"), {"username": membership.user.username, "password": PASSWORD})
    statuses = [client.post(reverse("zones:login_verify"), {"code": "000000"}).status_code for _ in range(5)]
    assert statuses[0] == 401
    assert set(statuses[1:4]) <= {401, 429}  # 429 while the authenticator asks to wait
    assert statuses[4] == 429
    response = client.post(reverse("zones:login_verify"), {"code": totp_code(membership.user.totp_device)})
    assert response.status_code == 429


def test_cool_off_escalates_with_further_attempts_during_the_lock(client, person):
    membership = person()
    for _ in range(5):
        client.post(reverse("zones:login"), {"username": membership.user.username, "password": "wrong password"})
    client.post(reverse("zones:login"), {"username": membership.user.username, "password": "wrong password"})
    response = client.post(reverse("zones:login"), {"username": membership.user.username, "password": PASSWORD})
    assert response.status_code == 429
    text = response.content.decode()
    assert "locked for 60 minutes" in text or "locked for 30 minutes" in text


def test_unsafe_next_parameter_is_ignored(client, person):
    membership = person()
    client.post(
        reverse("zones:login") + "?next=https://evil.example/",
        {"username": membership.user.username, "password": PASSWORD, "next": "https://evil.example/"},
    )
    response = client.post(reverse("zones:login_verify"), {"code": totp_code(membership.user.totp_device)})
    assert response["Location"] == reverse("zones:dashboard")


# When the access log cannot be written, nobody signs in and nothing is consumed ---------------------------------


def test_an_unwritable_log_answers_503_and_the_backup_code_still_works_afterwards(
    client, person, access_log_refuses_inserts
):
    membership = person()
    code = membership.user.backup_codes[0]
    before = AccessLogEntry.objects.count()
    response = sign_in(client, membership.user, code=code)
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    page = response.content.decode()
    assert "The access log cannot be written just now" in page and "the code you typed still works" in page
    assert StaticToken.objects.filter(token=code).exists()  # not consumed
    assert not UserSession.objects.filter(user=membership.user).exists()
    assert client.get(reverse("zones:dashboard")).status_code == 302  # still anonymous
    assert AccessLogEntry.objects.count() == before
    access_log_refuses_inserts.lift()
    response = client.post(reverse("zones:login_verify"), {"code": code})  # the same step, the same code
    assert response.status_code == 302
    assert not StaticToken.objects.filter(token=code).exists()
    assert client.get(reverse("zones:dashboard")).status_code == 200


def test_an_unwritable_log_refuses_a_current_authenticator_code_and_it_works_afterwards(
    client, person, access_log_refuses_inserts
):
    membership = person()
    code = totp_code(membership.user.totp_device)
    assert sign_in(client, membership.user, code=code).status_code == 503
    access_log_refuses_inserts.lift()
    assert client.post(reverse("zones:login_verify"), {"code": code}).status_code == 302  # not marked as used


def test_an_unwritable_log_answers_503_to_a_wrong_password_and_first_enrolment(
    client, db, access_log_refuses_inserts, settings
):
    settings.LANGUAGE_CODE = "fr"
    membership = MembershipFactory()
    response = client.post(reverse("zones:login"), {"username": membership.user.username, "password": "wrong!"})
    assert response.status_code == 503
    assert "journal des accès" in response.content.decode()
    response = client.post(reverse("zones:login"), {"username": membership.user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("zones:two_factor_setup")
    client.get(reverse("zones:two_factor_setup"))
    device = TOTPDevice.objects.get(user=membership.user)
    response = client.post(reverse("zones:two_factor_setup"), {"code": totp_code(device)})
    assert response.status_code == 503
    assert not TOTPDevice.objects.filter(user=membership.user, confirmed=True).exists()
    assert not StaticToken.objects.filter(device__user=membership.user).exists()
