"""Revocation reaches the media gateway within 5 seconds: after each way a live session can end, the hook answers 403
within the deadline, and the end is in the access log as a `session_end` entry with its reason.

The hook is polled through the Django test client with the real gate cache (PORTAL_LIVE_GATE_CACHE_SECONDS). The
test's transaction never commits, so the after-commit step that empties this process's cache does not run: the
poll sees what another web process sees, an answer cached before the change that lapses with its TTL."""

import time

import pytest
from django.conf import settings

from audit.models import AccessAction, AccessLogEntry
from conventions import services
from conventions.models import Purpose
from footage import live
from footage.models import LiveSession
from tests.factories import CameraFactory, MembershipFactory
from tests.support.mediamtx_api import hook_request, post_hook, reset_gate_cache
from zones.services import membership_disable, user_disable
from zones.tenancy import actor_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_server")]
WHY = "Large gathering at the station entrance, checking crowd flow"
DEADLINE = 5.0


@pytest.fixture(autouse=True)
def _fresh_caches():
    reset_gate_cache()
    yield
    reset_gate_cache()


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


def seconds_until_refused(client, body):
    """Poll the hook as the gateway would (every 100 ms) until it refuses; how long it took."""
    started = time.monotonic()
    while True:
        status = post_hook(client, body).status_code
        elapsed = time.monotonic() - started
        if status == 403:
            return elapsed
        assert status == 200, status
        if elapsed > DEADLINE + 1:
            return elapsed
        time.sleep(0.1)


def assert_cut(client, watching, *, reason, why=None):
    elapsed = seconds_until_refused(client, watching["body"])
    assert elapsed < DEADLINE, f"the hook still allowed the ended session after {elapsed:.1f} s"
    assert elapsed <= settings.PORTAL_LIVE_GATE_CACHE_SECONDS + 1
    session = LiveSession.objects.get(pk=watching["grant"].session.pk)
    assert session.ended_at is not None and session.end_reason == reason
    end = AccessLogEntry.objects.get(action=AccessAction.SESSION_END)
    assert end.reason == reason and end.details["session"] == session.pk
    if why:
        assert end.details["why"] == why
    return elapsed


def test_suspending_the_convention_cuts_the_viewer(client, watching):
    services.convention_suspend(
        actor=watching["provider_chief"], convention=watching["convention"], reason="Investigating a misuse"
    )
    assert_cut(client, watching, reason="revoked", why="convention_stopped")


def test_terminating_the_convention_cuts_the_viewer(client, watching):
    services.convention_terminate(
        actor=watching["consumer_chief"], convention=watching["convention"], reason="No longer needed by the zone"
    )
    assert_cut(client, watching, reason="revoked", why="convention_stopped")


def test_disabling_the_membership_cuts_the_viewer(client, watching):
    membership_disable(membership=watching["membership"], reason="Left the unit")
    assert_cut(client, watching, reason="revoked", why="membership_disabled")


def test_disabling_the_person_cuts_the_viewer(client, watching):
    user_disable(user=watching["membership"].user)
    assert_cut(client, watching, reason="revoked", why="user_disabled")


def test_the_owner_ending_the_session_cuts_the_viewer(client, watching):
    owner_operator = actor_for(
        MembershipFactory(organisation=watching["camera"].owner, role="operator").user, watching["camera"].owner_id
    )
    live.session_end_by_owner(actor=owner_operator, session=watching["grant"].session)
    assert_cut(client, watching, reason="ended_by_owner")
    end = AccessLogEntry.objects.get(action=AccessAction.SESSION_END)
    assert end.actor_id == owner_operator.user.pk


def test_the_viewer_stopping_ends_the_gateway_stream(client, watching):
    live.session_end(session=watching["grant"].session)
    assert_cut(client, watching, reason="stopped")


def test_in_the_process_that_made_the_change_the_refusal_is_immediate(
    client, watching, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.convention_suspend(
            actor=watching["provider_chief"], convention=watching["convention"], reason="Investigating a misuse"
        )
    assert post_hook(client, watching["body"]).status_code == 403


def test_a_policy_change_that_ends_no_session_is_seen_by_the_sweep(client, watching, monkeypatch):
    """Moving the policy generation (an amended convention, a camera taken out of scope...) drops every cached
    answer at the next sweep, so the next request is checked in full."""
    from conventions.signals import bump_policy_generation

    checks = []
    original = live._check
    monkeypatch.setattr(live, "_check", lambda digest, at: checks.append(digest) or original(digest, at))
    bump_policy_generation()
    started = time.monotonic()
    while not checks and time.monotonic() - started < DEADLINE:
        assert post_hook(client, watching["body"]).status_code == 200
        time.sleep(0.1)
    assert checks and time.monotonic() - started <= settings.PORTAL_LIVE_GATE_CACHE_SECONDS + 1


def test_a_right_lost_behind_the_portal_s_back_is_found_at_the_full_recheck(client, watching, monkeypatch):
    """A change no signal saw (here: the role withdrawn by a bulk SQL update) waits for the periodic full re-check of
    cached answers (live.FULL_RECHECK_SECONDS, shortened here); then the session is ended and logged."""
    from zones.models import Membership

    monkeypatch.setattr(live, "FULL_RECHECK_SECONDS", 1)
    Membership.objects.filter(pk=watching["membership"].pk).update(is_active=False)
    assert_cut(client, watching, reason="revoked", why="no_role")
