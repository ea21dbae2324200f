"""Fixtures of the access-decision tests (tests/conventions/policy_rules/world.py has their helpers)."""

import pytest

from conventions import policy
from tests.conventions.policy_rules.world import World, person
from tests.factories import CameraFactory, CameraGroupFactory, MunicipalityFactory, OrganisationFactory


@pytest.fixture(autouse=True)
def _fresh_policy_cache():
    """Every test starts from an empty cache of compiled conventions, so that no test depends on what an
    earlier one compiled."""
    policy._cache.clear()
    yield
    policy._cache.clear()


@pytest.fixture
def world(parties, make_convention):
    provider, consumer, provider_chief, consumer_chief = parties
    return World(
        provider=provider,
        consumer=consumer,
        provider_chief=provider_chief,
        consumer_chief=consumer_chief,
        operator=person(consumer, "operator"),
        camera=CameraFactory(owner=provider),
        make=make_convention,
    )


@pytest.fixture
def catalogue(world):
    """Three provider cameras: a (fixed, m1, g1), b (ptz, m2, g2), c (anpr, nowhere); d: another owner's in m1."""
    m1, m2 = MunicipalityFactory(zone=world.provider), MunicipalityFactory(zone=world.provider)
    g1, g2 = CameraGroupFactory(owner=world.provider), CameraGroupFactory(owner=world.provider)
    a = CameraFactory(owner=world.provider, kind="fixed", municipality=m1)
    b = CameraFactory(owner=world.provider, kind="ptz", municipality=m2)
    c = CameraFactory(owner=world.provider, kind="anpr")
    a.groups.add(g1)
    b.groups.add(g2)
    d = CameraFactory(owner=OrganisationFactory(), kind="fixed", municipality=m1)
    return {"a": a, "b": b, "c": c, "d": d, "m1": m1, "m2": m2, "g1": g1, "g2": g2}
