"""Personal API tokens: created after 2FA, bound to one organisation, revocable, with last use."""

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import OrganisationFactory, api_token_for
from zones import services
from zones.models import ApiToken, Membership

pytestmark = pytest.mark.django_db


def _api(key):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return api


def test_token_created_in_the_portal_works_once_shown_and_is_stored_hashed(client, person, signed_in):
    membership = person()
    signed_in(membership)
    response = client.post(reverse("zones:api_token_create"), {"name": "nightly export", "days": 30})
    assert response.status_code == 201
    key = response.context["new_key"]
    token = ApiToken.objects.get(user=membership.user)
    assert key not in {token.key_hash, token.key_prefix} and token.key_hash == ApiToken.hash_key(key)
    assert client.get(reverse("zones:api_tokens")).content.decode().count(key) == 0
    me = _api(key).get(reverse("membership-list"))
    assert me.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_ip == "127.0.0.1"


def test_token_acts_only_for_its_organisation(person):
    membership = person(role="operator")
    other = Membership.objects.create(user=membership.user, organisation=OrganisationFactory(), role="chief")
    _token, key = api_token_for(membership)
    codes = {org["code"] for org in _api(key).get(reverse("organisation-list")).json()["results"]}
    assert codes == {membership.organisation.code, other.organisation.code}  # the person's organisations
    roles = {m["role"] for m in _api(key).get(reverse("membership-list")).json()["results"]}
    assert roles == {"operator", "chief"}  # own memberships; no chief powers through an operator token
    assert len(_api(key).get(reverse("membership-list")).json()["results"]) == 2


def test_revoked_token_is_refused_with_a_clear_message(person):
    membership = person()
    token, key = api_token_for(membership)
    services.api_token_revoke(token=token)
    response = _api(key).get(reverse("organisation-list"))
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_expired_token_says_when_it_expired(person):
    membership = person()
    token, key = api_token_for(membership)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timezone.timedelta(days=1))
    response = _api(key).get(reverse("organisation-list"))
    assert response.status_code == 401
    assert "expired on" in response.json()["detail"]


def test_unknown_and_malformed_tokens_are_401(db):
    assert _api("cctv_nope_nope").get(reverse("organisation-list")).status_code == 401
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Bearer two parts")
    response = api.get(reverse("organisation-list"))
    assert response.status_code == 401 and "Malformed" in response.json()["detail"]


def test_withdrawn_membership_revokes_tokens_of_that_organisation(person):
    membership = person()
    token, key = api_token_for(membership)
    services.membership_disable(membership=membership, reason="Left")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert _api(key).get(reverse("organisation-list")).status_code == 401


def test_token_of_a_person_who_lost_the_role_behind_its_back_is_refused(person):
    membership = person()
    _token, key = api_token_for(membership)
    Membership.objects.filter(pk=membership.pk).update(is_active=False)
    response = _api(key).get(reverse("organisation-list"))
    assert response.status_code == 401
    assert "no longer has an active role" in response.json()["detail"]


def test_revoke_through_the_portal_and_the_api(client, person, signed_in):
    membership = person()
    first, first_key = api_token_for(membership)
    second, second_key = api_token_for(membership)
    signed_in(membership)
    assert client.post(reverse("zones:api_token_revoke", args=[first.pk])).status_code == 302
    assert _api(first_key).get(reverse("organisation-list")).status_code == 401
    response = _api(second_key).post(reverse("apitoken-revoke", args=[second.pk]))
    assert response.status_code == 200 and response.json()["revoked_at"]


def test_someone_elses_token_cannot_be_revoked(client, person, signed_in):
    mine, theirs = person(), person()
    their_token, _ = api_token_for(theirs)
    signed_in(mine)
    assert client.post(reverse("zones:api_token_revoke", args=[their_token.pk])).status_code == 404
    their_token.refresh_from_db()
    assert their_token.revoked_at is None


def test_api_step_up_permission_needs_a_current_code_header(person, rf):
    from tests.factories import totp_code
    from zones.stepup import RecentSecondFactor

    membership = person()
    _token, key = api_token_for(membership)

    class FakeView:
        pass

    from rest_framework.request import Request

    def request_with(code):
        django_request = rf.get("/api/v1/", HTTP_X_OTP=code) if code else rf.get("/api/v1/")
        request = Request(django_request)
        request.user = membership.user
        request._auth = object()
        return request

    permission = RecentSecondFactor()
    assert not permission.has_permission(request_with(None), FakeView())
    assert permission.has_permission(request_with(totp_code(membership.user.totp_device)), FakeView())
    assert not permission.has_permission(request_with("000000"), FakeView())
