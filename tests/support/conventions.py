"""Making conventions the way people do: the provider's chief drafts, proposes and signs; the consumer's chief
counter-signs (services only; no shortcut into the models). Fixtures `parties` and `make_convention` are shared by
every test folder through tests/conftest.py."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conventions import services
from conventions.models import Mode, Purpose
from tests.factories import MembershipFactory, OrganisationFactory
from zones.tenancy import actor_for

DEFAULTS = {
    "purposes": [Purpose.PUBLIC_ORDER, Purpose.CRIMINAL_INVESTIGATION],
    "modes": [Mode.LIVE, Mode.PLAYBACK, Mode.EXPORT],
    "legal_basis": "Police Function Act art. 25/4; Camera Law art. 9.",
    "lookback_days": 365,
}


def chief_of(organisation):
    membership = MembershipFactory(organisation=organisation, role="chief")
    return actor_for(membership.user, organisation.pk)


@pytest.fixture
def parties(db):
    """(provider, consumer, provider chief actor, consumer chief actor)."""
    provider, consumer = OrganisationFactory(), OrganisationFactory()
    return provider, consumer, chief_of(provider), chief_of(consumer)


@pytest.fixture
def make_convention(db):
    """make_convention(provider_chief, consumer, sign="both"|"provider"|"none"|"draft", cameras=..., **fields)."""

    def make(provider_chief, consumer, *, sign="both", consumer_chief=None, title="Sharing", **fields):
        values = {**DEFAULTS, "valid_from": timezone.now() - timedelta(days=400), **fields}
        convention = services.convention_create(actor=provider_chief, consumer=consumer, title=title, **values)
        version = convention.versions.get()
        if sign == "draft":
            return convention
        services.version_propose(actor=provider_chief, version=version)
        if sign == "none":
            return convention
        services.version_sign(actor=provider_chief, version=version, recent_second_factor=True)
        if sign == "provider":
            return convention
        services.version_sign(actor=consumer_chief or chief_of(consumer), version=version, recent_second_factor=True)
        convention.refresh_from_db()
        return convention

    return make
