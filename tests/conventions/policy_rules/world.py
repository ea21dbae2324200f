"""Helpers of the access-decision tests (conftest.py has their fixtures): the instant they ask at, a person with a
role, the World of two parties (the `world` fixture) and `ask`, which evaluates without logging.

Each decision is taken at an explicit instant (`at=`) in UTC, so that day boundaries, validity instants and the
Brussels schedule are exact. Conventions are made the way people make them (services: draft, propose, sign).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from conventions import services
from conventions.policy import evaluate
from tests.factories import MembershipFactory
from zones.tenancy import actor_for

__all__ = ["AT", "DAY", "LONG_AGO", "REF", "SECOND", "World", "ask", "outcome", "person", "utc"]

AT = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # a Wednesday, 11:00 in Brussels (CET)
LONG_AGO = AT - timedelta(days=400)
SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)
REF = "BR.12.34.5678/26"


def person(organisation, role):
    return actor_for(MembershipFactory(organisation=organisation, role=role).user, organisation.pk)


@dataclass
class World:
    provider: object
    consumer: object
    provider_chief: object
    consumer_chief: object
    operator: object  # the consumer's operator
    camera: object  # a police camera of the provider
    make: object

    def convene(self, sign="both", **fields):
        fields.setdefault("valid_from", LONG_AGO)
        return self.make(self.provider_chief, self.consumer, sign=sign, consumer_chief=self.consumer_chief, **fields)

    def amend(self, convention, sign="both", **fields):
        version = services.version_amend(actor=self.provider_chief, convention=convention)
        services.version_update(actor=self.provider_chief, version=version, **fields)
        if sign == "draft":
            return version
        services.version_propose(actor=self.provider_chief, version=version)
        if sign in {"provider", "both"}:
            services.version_sign(actor=self.provider_chief, version=version, recent_second_factor=True)
        if sign == "both":
            services.version_sign(actor=self.consumer_chief, version=version, recent_second_factor=True)
        return version


def ask(actor, camera, mode="live", purpose="public_order", *, at=AT, age=None, **kwargs):
    """evaluate() at `at`; `age` asks for one hour of recorded footage starting that long before `at`."""
    if age is not None:
        start = at - age
        kwargs.setdefault("window_start", start)
        kwargs.setdefault("window_end", min(start + timedelta(hours=1), at))
    return evaluate(actor=actor, camera=camera, mode=mode, purpose=purpose, at=at, **kwargs)


def outcome(decision):
    return ("allowed" if decision.allowed else "denied", decision.reason)


def utc(*args):
    return datetime(*args, tzinfo=UTC)
