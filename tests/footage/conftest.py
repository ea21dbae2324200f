"""Fixtures of the footage tests."""

import pytest

from conventions.models import Purpose
from footage import live
from tests.factories import CameraFactory, MembershipFactory
from tests.support.mediamtx_api import hook_request, post_hook
from zones.tenancy import actor_for

WHY = "Large gathering at the station entrance, checking crowd flow"


@pytest.fixture
def watching(parties, make_convention, client):
    """An operator of the consumer watching a shared camera through the gateway (the hook has said yes once)."""
    provider, consumer, provider_chief, consumer_chief = parties
    camera = CameraFactory(owner=provider)
    convention = make_convention(provider_chief, consumer, cameras=[camera])
    membership = MembershipFactory(organisation=consumer, role="operator")
    operator = actor_for(membership.user, consumer.pk)
    grant = live.sessions_start(actor=operator, cameras=[camera], purpose=Purpose.PUBLIC_ORDER, justification=WHY)[0]
    body = hook_request(token=grant.token, path=f"cam/{camera.pk}", protocol="rtsp")
    assert post_hook(client, body).status_code == 200
    return {
        "grant": grant, "body": body, "camera": camera, "convention": convention, "membership": membership,
        "operator": operator, "provider_chief": provider_chief, "consumer_chief": consumer_chief,
    }  # fmt: skip
