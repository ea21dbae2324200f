"""Tenant-isolation registrations of the zones API (see tests/tenancy/harness.py)."""

from tests.factories import MembershipFactory, api_token_for, give_totp
from tests.tenancy.harness import register


def _viewer(organisation, role="operator"):
    membership = MembershipFactory(organisation=organisation, role=role)
    give_totp(membership.user)
    return membership


def make_organisation(organisation):
    return organisation, _viewer(organisation)


def make_membership(organisation):
    colleague = MembershipFactory(organisation=organisation, role="approver")
    return colleague, _viewer(organisation, role="chief")


def make_api_token(organisation):
    owner = _viewer(organisation)
    token, _key = api_token_for(owner)
    return token, owner


register(
    name="organisations", list_route="organisation-list", detail_route="organisation-detail", make=make_organisation
)
register(name="memberships", list_route="membership-list", detail_route="membership-detail", make=make_membership)
register(name="tokens", list_route="apitoken-list", detail_route="apitoken-detail", make=make_api_token)
