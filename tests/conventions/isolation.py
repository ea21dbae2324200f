"""Tenant-isolation registration of the conventions API: only the two parties see a convention; the
supervisory body reads them all (see tests/tenancy/harness.py)."""

from datetime import timedelta

from django.utils import timezone

from conventions import services
from tests.factories import MembershipFactory, OrganisationFactory
from tests.support.conventions import DEFAULTS, chief_of
from tests.tenancy.harness import register


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
