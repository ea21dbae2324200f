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
from conventions.models import DeclaredIncident
from footage import live
from footage.models import LiveSession
from tests.factories import MembershipFactory
from tests.support.mediamtx_api import post_hook, reset_gate_cache
from zones.models import Membership
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
    checks = []
    original = live._check
    monkeypatch.setattr(live, "_check", lambda digest, at: checks.append(digest) or original(digest, at))
    DeclaredIncident.objects.create(organisation=watching["camera"].owner, title="Elsewhere",
                                    declared_by=watching["provider_chief"].user)  # fmt: skip
    started = time.monotonic()
    while not checks and time.monotonic() - started < DEADLINE:
        assert post_hook(client, watching["body"]).status_code == 200
        time.sleep(0.1)
    assert checks and time.monotonic() - started <= settings.PORTAL_LIVE_GATE_CACHE_SECONDS + 1


def test_a_role_withdrawn_behind_the_portal_s_back_is_found_at_the_next_sweep(client, watching):
    """A change no signal saw (here: the role withdrawn by a bulk SQL update) moves the policy generation in the
    database all the same (conventions.staleness): the next sweep checks the session in full, ends it and logs it."""
    Membership.objects.filter(pk=watching["membership"].pk).update(is_active=False)
    assert_cut(client, watching, reason="revoked", why="no_role")
