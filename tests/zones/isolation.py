"""Tenant-isolation registrations of the zones API and pages (see tests/tenancy/harness.py)."""

from tests.factories import MembershipFactory, api_token_for, give_totp
from tests.tenancy.harness import Case, Page, register, register_pages
from zones.models import Notification


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


# --- Pages -------------------------------------------------------------------------------------------------------


def page_api_token(organisation):
    token, owner = make_api_token(organisation)
    return Case(token, {"viewer": owner})


def page_membership(organisation):
    colleague, chief = make_membership(organisation)
    return Case(colleague, {"viewer": chief})


def page_notification(organisation):
    recipient = _viewer(organisation)
    notification = Notification.objects.create(
        recipient=recipient.user, organisation=organisation, kind="test", subject="A request waits", link="/"
    )
    return Case(notification, {"viewer": recipient})


register_pages(name="api-token", make=page_api_token, pages=[Page("zones:api_token_revoke", method="POST")])
register_pages(
    name="membership",
    make=page_membership,
    pages=[
        Page("zones:membership_disable", method="POST", data={"reason": "Moved to another unit"}),
        Page("zones:lockout_lift", method="POST"),
    ],
)
register_pages(
    name="notification",
    make=page_notification,
    pages=[Page("zones:notification_read", method="POST", data={"open": "1"})],
)
