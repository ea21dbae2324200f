"""Tenant-isolation registration of the conventions API and pages: only the two parties see a convention; the
supervisory body reads them all (see tests/tenancy/harness.py)."""

from datetime import timedelta

from django.utils import timezone

from conventions import services
from tests.factories import MembershipFactory, OrganisationFactory
from tests.support.conventions import DEFAULTS, chief_of
from tests.tenancy.harness import Case, Page, register, register_pages
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


# --- Pages -------------------------------------------------------------------------------------------------------

SIGNED, DRAFT = 1, 2  # version 1 signed by both parties and in force; version 2 an amendment being drafted


def page_convention(organisation):
    """An active convention of which `organisation` is the provider, with an amendment in draft."""
    chief = MembershipFactory(organisation=organisation, role="chief")
    provider_chief = actor_for(chief.user, organisation.pk)
    consumer = OrganisationFactory()
    convention = services.convention_create(
        actor=provider_chief, consumer=consumer, title="Isolation", valid_from=timezone.now() - timedelta(days=1),
        **DEFAULTS,
    )  # fmt: skip
    version = convention.versions.get()
    services.version_propose(actor=provider_chief, version=version)
    services.version_sign(actor=provider_chief, version=version, recent_second_factor=True)
    services.version_sign(actor=chief_of(consumer), version=version, recent_second_factor=True)
    services.version_amend(actor=provider_chief, convention=convention)
    return Case(convention, {"viewer": MembershipFactory(organisation=organisation, role="operator"), "chief": chief})


def _version(number):
    return lambda case: [case.obj.pk, number]


REASON = {"reason": "The other party asked for it"}
register_pages(
    name="convention",
    make=page_convention,
    pages=[
        Page("conventions:detail"),
        Page("conventions:history"),
        Page("conventions:version", args=_version(SIGNED)),
        Page("conventions:pdf", args=_version(SIGNED)),
        Page("conventions:document", args=_version(SIGNED)),
        Page("conventions:scope_count", person="chief", editor=True),
        Page("conventions:edit", args=_version(DRAFT), person="chief", editor=True),
        Page("conventions:edit", args=_version(DRAFT), method="POST", data={"legal_basis": "x"}, person="chief"),
        Page("conventions:propose", args=_version(DRAFT), method="POST", person="chief"),
        Page("conventions:sign", args=_version(DRAFT), method="POST", person="chief"),
        Page("conventions:amend", method="POST", person="chief"),
        Page("conventions:suspend", method="POST", data=REASON, person="chief"),
        Page("conventions:resume", method="POST", data=REASON, person="chief"),
        Page("conventions:terminate", method="POST", data=REASON, person="chief"),
    ],
    cross_tenant_roles={"supervisor"},
)
