"""No person of one organisation ever receives another organisation's object, whatever their role."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.conftest import sign_in
from tests.factories import MembershipFactory, OrganisationFactory, api_token_for, give_totp
from tests.tenancy.harness import discover, listed_ids
from zones.models import Role

ENDPOINTS = discover()


def _client_for(membership, auth, client):
    if auth == "token":
        _token, key = api_token_for(membership)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        return api
    membership.user.totp_device, _ = give_totp(membership.user)
    assert sign_in(client, membership.user).status_code == 302
    return client


def test_every_api_list_endpoint_is_registered():
    from config.api import router

    public = {"municipalities", "signing-keys"}  # reference data and published public keys: not tenant-owned
    assert {prefix for prefix, _viewset, _basename in router.registry} - public <= set(ENDPOINTS)


@pytest.mark.django_db
@pytest.mark.parametrize("auth", ["token", "session"])
@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS), ids=str)
def test_other_organisation_object_is_invisible(endpoint, role, auth, client):
    endpoint = ENDPOINTS[endpoint]
    owner_org, other_org = OrganisationFactory(), OrganisationFactory()
    obj, owner_viewer = endpoint.make(owner_org)
    outsider = MembershipFactory(organisation=other_org, role=role)

    # Positive control: someone of the owning organisation does see it.
    owner_client = APIClient()
    owner_client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_for(owner_viewer)[1]}")
    assert obj.pk in listed_ids(owner_client.get(reverse(endpoint.list_route)).json(), endpoint.pk_field)
    assert owner_client.get(reverse(endpoint.detail_route, args=[obj.pk])).status_code == 200

    api = _client_for(outsider, auth, client)
    listing = api.get(reverse(endpoint.list_route))
    assert listing.status_code == 200
    detail = api.get(reverse(endpoint.detail_route, args=[obj.pk]))
    if role in endpoint.cross_tenant_roles:
        assert obj.pk in listed_ids(listing.json(), endpoint.pk_field)
        assert detail.status_code == 200
        return
    assert obj.pk not in listed_ids(listing.json(), endpoint.pk_field)
    assert detail.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS), ids=str)
def test_anonymous_callers_get_401(endpoint, client):
    endpoint = ENDPOINTS[endpoint]
    obj, _viewer = endpoint.make(OrganisationFactory())
    assert APIClient().get(reverse(endpoint.list_route)).status_code == 401
    assert APIClient().get(reverse(endpoint.detail_route, args=[obj.pk])).status_code == 401
