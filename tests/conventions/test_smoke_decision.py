"""A first end-to-end decision through a signed convention (the table-driven tests cover every rule)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AccessLogEntry
from conventions import services
from conventions.policy import decide
from tests.factories import CameraFactory, MembershipFactory
from zones.tenancy import actor_for

pytestmark = pytest.mark.django_db


def test_shared_camera_is_allowed_then_denied_after_suspension(parties, make_convention):
    provider, consumer, provider_chief, _consumer_chief = parties
    camera = CameraFactory(owner=provider)
    convention = make_convention(provider_chief, consumer)
    operator = MembershipFactory(organisation=consumer, role="operator")
    actor = actor_for(operator.user, consumer.pk)
    decision = decide(actor=actor, camera=camera, mode="live", purpose="public_order", justification="Demo")
    assert decision.allowed and decision.reason == "convention"
    services.convention_suspend(actor=provider_chief, convention=convention, reason="Dispute over retention")
    decision = decide(actor=actor, camera=camera, mode="live", purpose="public_order", justification="Demo")
    assert not decision.allowed and decision.reason == "convention_suspended"
    assert list(AccessLogEntry.objects.values_list("decision", flat=True)) == ["allow", "deny"]


def test_recorded_footage_windows(parties, make_convention):
    provider, consumer, provider_chief, _ = parties
    camera = CameraFactory(owner=provider)
    make_convention(provider_chief, consumer)
    actor = actor_for(MembershipFactory(organisation=consumer, role="operator").user, consumer.pk)
    now = timezone.now()
    old = {"window_start": now - timedelta(days=45), "window_end": now - timedelta(days=44)}
    assert decide(actor=actor, camera=camera, mode="playback", purpose="public_order", **old).reason == (
        "administrative_window_exceeded"
    )
    assert decide(actor=actor, camera=camera, mode="playback", purpose="criminal_investigation", **old).reason == (
        "prosecutor_decision_required"
    )
    allowed = decide(
        actor=actor, camera=camera, mode="playback", purpose="criminal_investigation",
        prosecutor_reference="BR.12.34.5678/26", **old,
    )  # fmt: skip
    assert allowed.allowed
