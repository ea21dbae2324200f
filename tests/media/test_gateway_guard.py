"""The gateway hook is for media servers only: their own secret, rate limits on refusals per viewer address and per
token, the control-API credentials throttled like a sign-in, and refusals in the access log in bounded form (one
entry per minute, source, reason and camera, with a count), which the DPO console shows as "gateway probing"."""

import io
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from audit.models import AccessAction, AccessLogEntry
from conventions.models import Purpose
from footage import live
from media import gates, gateway_guard, media_servers
from media.models import MediaServer
from media.tasks import flush_gateway_refusals
from tests.factories import CameraFactory, MembershipFactory
from tests.support.mediamtx_api import MEDIA_SERVER, hook_request, post_hook, reset_gate_cache, server_credentials
from zones.tenancy import actor_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_server")]
WHY = "Large gathering at the station entrance, checking crowd flow"
PROBER, VIEWER = "198.51.100.7", "192.0.2.44"
GRACE = gateway_guard.GRACE_SECONDS


@pytest.fixture(autouse=True)
def _fresh():
    reset_gate_cache()
    gateway_guard._flushed["minute"] = None
    yield
    reset_gate_cache()


@pytest.fixture
def shared(parties, make_convention):
    provider, consumer, provider_chief, _consumer_chief = parties
    camera = CameraFactory(owner=provider)
    make_convention(provider_chief, consumer, cameras=[camera])
    operator = actor_for(MembershipFactory(organisation=consumer, role="operator").user, consumer.pk)
    grant = live.sessions_start(actor=operator, cameras=[camera], purpose=Purpose.PUBLIC_ORDER, justification=WHY)[0]
    return grant, camera


def guess(client, camera, n, ip=PROBER):
    """n wrong guesses (n different unknown tokens) from one address; the statuses answered."""
    return [
        post_hook(client, hook_request(token=f"guess-{i:04d}-{'x' * 30}", path=f"cam/{camera.pk}", ip=ip)).status_code
        for i in range(n)
    ]


def now():
    """The time to freeze a test's requests at, so that they all fall in one minute (the limits count per minute)."""
    return datetime.now(UTC)


@pytest.fixture
def one_instant(shared):
    """The test's requests at one frozen instant (after its fixtures)."""
    with freeze_time(now()):
        yield


def flush_after(at):
    """Write the tallies of the minute of `at` and of every minute before it."""
    return gateway_guard.flush(now=at.timestamp() + 120)


def gateway_entries():
    return list(AccessLogEntry.objects.filter(reason__startswith="gateway_").order_by("id"))


# --- Only media servers ----------------------------------------------------------------------------------------


@pytest.fixture
def spy_gate(monkeypatch):
    """The read gate, recording whether the hook asked it."""
    asked = []
    real = gates.gate_for("read")

    def check(**kwargs):
        asked.append(kwargs)
        return real.check(**kwargs)

    monkeypatch.setitem(gates._GATES, "read", gates.Gate(check=check, admitted=real.admitted))
    return asked


@pytest.mark.parametrize(
    "credentials",
    [
        {},
        server_credentials(MEDIA_SERVER[0], "a-wrong-secret"),
        server_credentials("another-gateway", MEDIA_SERVER[1]),
        server_credentials(MEDIA_SERVER[0], ""),
        {"HTTP_AUTHORIZATION": "Basic not-base64!"},
        {"HTTP_AUTHORIZATION": "Bearer " + MEDIA_SERVER[1]},
        {"QUERY_STRING": f"server={MEDIA_SERVER[0]}&key=wrong"},
    ],
    ids=["none", "wrong secret", "unknown server", "empty secret", "not base64", "bearer", "wrong key in query"],
)
def test_a_request_without_a_valid_media_server_secret_never_reaches_the_gates(client, shared, spy_gate, credentials):
    grant, camera = shared
    body = hook_request(token=grant.token, path=f"cam/{camera.pk}")
    response = post_hook(client, body, server=None, **credentials)
    assert response.status_code == 403 and response.json()["reason"] == "not_a_media_server"
    assert spy_gate == []


def test_the_secret_may_travel_as_basic_auth_or_in_the_query_string(client, shared, spy_gate):
    grant, camera = shared
    body = hook_request(token=grant.token, path=f"cam/{camera.pk}")
    assert post_hook(client, body).status_code == 200
    name, secret = MEDIA_SERVER
    assert post_hook(client, body, server=None, QUERY_STRING=f"server={name}&key={secret}").status_code == 200
    assert len(spy_gate) == 2


def test_the_management_command_adds_rotates_and_removes_media_servers(client, shared):
    grant, camera = shared
    body = hook_request(token=grant.token, path=f"cam/{camera.pk}")
    out = io.StringIO()
    call_command("media_server", "add", "gw-north", "--portal-url", "http://portal.internal:8000", stdout=out)
    secret = out.getvalue().split("(shown once): ")[1].split()[0]
    assert f"authHTTPAddress: http://gw-north:{secret}@portal.internal:8000/gateway/auth" in out.getvalue()
    assert MediaServer.objects.get(name="gw-north").secret_digest != secret  # only its digest is kept
    media_servers.forget()
    assert post_hook(client, body, server=("gw-north", secret)).status_code == 200

    call_command("media_server", "rotate", "gw-north", stdout=io.StringIO())
    media_servers.forget()
    assert post_hook(client, body, server=("gw-north", secret)).status_code == 403

    call_command("media_server", "remove", "gw-north", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("media_server", "rotate", "gw-north", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("media_server", "add", "Not a slug!", stdout=io.StringIO())


def test_a_removed_media_server_is_refused_once_processes_reread_the_list(client, shared):
    grant, camera = shared
    body = hook_request(token=grant.token, path=f"cam/{camera.pk}")
    assert post_hook(client, body).status_code == 200
    MediaServer.objects.all().delete()
    media_servers._known["at"] -= media_servers.RELOAD_SECONDS  # as RELOAD_SECONDS later
    assert post_hook(client, body).status_code == 403


# --- Rate limits -----------------------------------------------------------------------------------------------


def test_past_the_limit_a_source_gets_429_without_the_gates_even_with_a_valid_token(client, shared, spy_gate, settings):
    grant, camera = shared
    limit = settings.PORTAL_GATEWAY_SOURCE_FAILURES
    assert guess(client, camera, limit) == [401] * limit
    asked = len(spy_gate)
    assert guess(client, camera, 3) == [429] * 3
    response = post_hook(client, hook_request(token=grant.token, path=f"cam/{camera.pk}", ip=PROBER))
    assert response.status_code == 429 and response.json()["reason"] == "rate_limited"
    assert len(spy_gate) == asked  # the gates were not asked
    # Someone else is still served.
    assert post_hook(client, hook_request(token=grant.token, path=f"cam/{camera.pk}", ip=VIEWER)).status_code == 200


def test_the_limit_counts_per_minute(client, shared, settings):
    _grant, camera = shared
    limit = settings.PORTAL_GATEWAY_SOURCE_FAILURES
    at = now()
    with freeze_time(at):
        assert guess(client, camera, limit + 1)[-1] == 429
    with freeze_time(at + timedelta(minutes=1)):
        assert guess(client, camera, 1) == [401]


def test_past_the_limit_a_token_gets_429_but_its_known_refusals_do_not_shut_out_its_source(
    client, shared, settings, one_instant
):
    grant, camera = shared
    other = CameraFactory(owner=camera.owner)
    wrong = hook_request(token=grant.token, path=f"cam/{other.pk}", ip=VIEWER)
    statuses = [post_hook(client, wrong).status_code for _ in range(settings.PORTAL_GATEWAY_TOKEN_FAILURES + 1)]
    assert statuses[:-1] == [403] * settings.PORTAL_GATEWAY_TOKEN_FAILURES and statuses[-1] == 429
    right = hook_request(token=grant.token, path=f"cam/{camera.pk}", ip=VIEWER)
    assert post_hook(client, right).status_code == 429  # this token, even on its own camera, for the minute
    # Another person's token from the same address (a control room behind one NAT) still works.
    operator = actor_for(MembershipFactory(organisation=grant.session.organisation, role="operator").user,
                         grant.session.organisation_id)  # fmt: skip
    second = live.sessions_start(actor=operator, cameras=[camera], purpose=Purpose.PUBLIC_ORDER, justification=WHY)[0]
    assert post_hook(client, hook_request(token=second.token, path=f"cam/{camera.pk}", ip=VIEWER)).status_code == 200


def test_an_rtsp_challenge_without_credentials_is_never_counted(client, shared, settings):
    _grant, camera = shared
    for _ in range(settings.PORTAL_GATEWAY_SOURCE_FAILURES * 2):
        assert post_hook(client, hook_request(path=f"cam/{camera.pk}", ip=PROBER)).status_code == 401
    flush_after(now())
    assert gateway_entries() == []


# --- Bounded trace in the access log ---------------------------------------------------------------------------


def test_500_wrong_guesses_leave_a_handful_of_entries_with_the_right_counts(client, shared, settings):
    _grant, camera = shared
    limit = settings.PORTAL_GATEWAY_SOURCE_FAILURES
    at = now()
    with freeze_time(at):
        statuses = guess(client, camera, 500)
    assert statuses == [401] * limit + [429] * (500 - limit)
    assert gateway_entries() == []  # the minute is not over
    written = flush_after(at)
    entries = gateway_entries()
    assert written == len(entries) == 2
    by_reason = {e.reason: e for e in entries}
    unknown, limited = by_reason["gateway_unknown_token"], by_reason["gateway_rate_limited"]
    assert unknown.details["count"] == limit and limited.details["count"] == 500 - limit
    assert unknown.details["tokens"] == limit and len(unknown.details["token_digests"]) == gateway_guard.SAMPLES
    assert unknown.details["gateway"] == MEDIA_SERVER[0]
    for entry in entries:
        assert entry.action == AccessAction.DENIED and entry.decision == "deny"
        assert entry.source_address == PROBER
        assert entry.controller_code == camera.owner.code and entry.camera_ids == [camera.pk]  # the owner's chain
    assert flush_after(at) == 0  # written once


def test_each_minute_source_and_reason_is_one_entry(client, shared):
    grant, camera = shared
    other = CameraFactory(owner=camera.owner)
    at = now()
    with freeze_time(at):
        guess(client, camera, 3)
        guess(client, camera, 2, ip=VIEWER)
        post_hook(client, hook_request(token=grant.token, path=f"cam/{other.pk}", ip=VIEWER))
    with freeze_time(at + timedelta(minutes=1)):
        guess(client, camera, 4)
    flush_after(at + timedelta(minutes=1))
    counts = sorted((e.source_address, e.reason, e.details["count"]) for e in gateway_entries())
    assert counts == [
        (VIEWER, "gateway_unknown_token", 2),
        (VIEWER, "gateway_wrong_camera", 1),
        (PROBER, "gateway_unknown_token", 3),
        (PROBER, "gateway_unknown_token", 4),
    ]


def test_the_hook_writes_the_last_minute_at_its_first_refusal_of_a_new_one(client, shared):
    _grant, camera = shared
    at = now()
    with freeze_time(at):
        guess(client, camera, 3)
    assert gateway_entries() == []
    with freeze_time(at + timedelta(minutes=1, seconds=GRACE)):
        guess(client, camera, 1)
    assert [e.details["count"] for e in gateway_entries()] == [3]


def test_the_beat_task_writes_the_closed_minutes_once(client, shared):
    _grant, camera = shared
    at = now() - timedelta(minutes=2)
    with freeze_time(at):
        guess(client, camera, 4)
    assert flush_gateway_refusals() == {"entries": 1}
    assert flush_gateway_refusals() == {"entries": 0}
    assert [e.details["count"] for e in gateway_entries()] == [4]


def test_callers_that_are_no_media_server_are_logged_on_the_platform_chain(client):
    at = now()
    with freeze_time(at):
        for _ in range(7):
            post_hook(client, hook_request(path="cam/1"), server=("intruder", "guess"))
    flush_after(at)
    (entry,) = gateway_entries()
    assert (entry.reason, entry.details["count"], entry.controller_code) == (
        "gateway_not_a_media_server",
        7,
        "PLATFORM",
    )
    assert entry.source_address == "127.0.0.1"  # the caller itself: it proved nothing, its `ip` is not believed


# --- The control-API password --------------------------------------------------------------------------------


def test_guessing_the_control_api_password_is_throttled_like_a_sign_in(client, settings):
    settings.PORTAL_MEDIAMTX_API_USER, settings.PORTAL_MEDIAMTX_API_PASSWORD = "portal", "s3cret-control"
    settings.PORTAL_GATEWAY_API_COOL_OFF_SECONDS = 2

    def api(password, ip=PROBER):
        body = hook_request(action="api", path="", protocol="", user="portal", password=password, ip=ip)
        return post_hook(client, body)

    assert [api(f"guess-{i}").status_code for i in range(settings.PORTAL_GATEWAY_API_FAILURES)] == [403] * 5
    refused = api("s3cret-control")
    assert refused.status_code == 429 and refused.json()["reason"] == "api_throttled"  # even the right password
    assert api("s3cret-control", ip="10.0.0.9").status_code == 200  # the portal itself, from its own address
    time.sleep(2.1)
    assert api("s3cret-control").status_code == 200  # after the cool-off
    assert gateway_guard.flush(now=time.time() + 120) >= 2
    counts = {}
    for entry in gateway_entries():
        counts[entry.reason] = counts.get(entry.reason, 0) + entry.details["count"]
    assert counts == {"gateway_api_credentials": 5, "gateway_api_throttled": 1}


# --- The DPO console ---------------------------------------------------------------------------------------------


def test_probing_shows_in_the_console_of_the_camera_owner_s_dpo(shared, person, signed_in):
    _grant, camera = shared
    guess(Client(), camera, 60)
    flush_after(now())
    page = signed_in(person(camera.owner, "dpo")).get(reverse("oversight:console"))
    (flag,) = [a for a in page.context["flags"] if a.kind == "gateway_probing"]
    assert PROBER in flag.description and "60" in flag.description
    assert "Probing of the media gateway" in page.content.decode()
