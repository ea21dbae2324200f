"""Tenant-isolation registration of the conventions API: only the two parties see a convention; the
supervisory body reads them all (see tests/tenancy/harness.py)."""

from datetime import timedelta

from django.utils import timezone

from conventions import live, services
from conventions.models import Purpose
from tests.factories import CameraFactory, MembershipFactory, OrganisationFactory
from tests.support.conventions import DEFAULTS, chief_of
from tests.tenancy.harness import register
from zones.tenancy import actor_for


def make_convention(organisation):
    consumer = OrganisationFactory()
    start = timezone.now() - timedelta(days=1)
    convention = services.convention_create(
        actor=chief_of(organisation), consumer=consumer, title="Isolation", valid_from=start, **DEFAULTS
    )
    return convention, MembershipFactory(organisation=organisation, role="operator")


register(
    name="conventions",
    list_route="convention-list",
    detail_route="convention-detail",
    make=make_convention,
    cross_tenant_roles={"supervisor"},
)


def make_live_session(organisation):
    """An operator watching one of the organisation's own cameras (no convention needed)."""
    viewer = MembershipFactory(organisation=organisation, role="operator")
    grant = live.sessions_start(
        actor=actor_for(viewer.user, organisation.pk),
        cameras=[CameraFactory(owner=organisation)],
        purpose=Purpose.INCIDENT_INTERVENTION,
        justification="Checking the square after an alarm call",
    )[0]
    return grant.session, viewer


register(name="live-sessions", list_route="livesession-list", detail_route="livesession-detail", make=make_live_session)
