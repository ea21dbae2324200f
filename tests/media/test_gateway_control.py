"""The MediaMTX control-API client, against tests/support/mediamtx_api.py: a local stand-in that follows MediaMTX's
documented v3 API, because MediaMTX itself cannot run here. Ending a live session drops exactly the gateway
viewers the hook let through for it."""

import logging
import socket
import time
import uuid

import pytest

from config.celery import app as celery_app
from conventions import services
from conventions.models import Purpose
from footage import live
from footage.tasks import gateway_kick_sessions
from media.gateway_control import GatewayControl, GatewayUnavailable
from tests.factories import CameraFactory, MembershipFactory
from tests.support.mediamtx_api import FakeMediaMTX, hook_request, post_hook, reset_gate_cache
from zones.tenancy import actor_for

WHY = "Large gathering at the station entrance, checking crowd flow"


@pytest.fixture(autouse=True)
def _fresh_caches():
    reset_gate_cache()
    yield
    reset_gate_cache()


@pytest.fixture
def mediamtx_api():
    """A running stand-in for MediaMTX's control API."""
    fake = FakeMediaMTX().start()
    yield fake
    fake.stop()


def closed_port_url():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# --- The client on its own --------------------------------------------------------------------------------------


def test_lists_follow_the_pages(mediamtx_api):
    ids = {mediamtx_api.add("rtspsessions", path=f"cam/{n}") for n in range(250)}
    items = GatewayControl(mediamtx_api.url).list("rtspsessions")
    assert {item["id"] for item in items} == ids and len(items) == 250
    pages = [r["query"] for r in mediamtx_api.requests if r["path"] == "/v3/rtspsessions/list"]
    assert pages == ["page=0&itemsPerPage=100", "page=1&itemsPerPage=100", "page=2&itemsPerPage=100"]


def test_an_empty_list_is_one_request(mediamtx_api):
    assert GatewayControl(mediamtx_api.url).list("webrtcsessions") == []
    assert len(mediamtx_api.requests) == 1


def test_a_list_the_gateway_does_not_have_is_empty(mediamtx_api):
    assert GatewayControl(mediamtx_api.url).list("nosuchsessions") == []


def test_kick_drops_the_session_and_is_idempotent(mediamtx_api):
    control = GatewayControl(mediamtx_api.url)
    kept, dropped = mediamtx_api.add("hlssessions", path="cam/1"), mediamtx_api.add("hlssessions", path="cam/1")
    assert control.kick("hlssessions", dropped) is True
    assert mediamtx_api.ids("hlssessions") == [kept]
    assert control.kick("hlssessions", dropped) is False  # 404: already gone
    assert control.kick("hlssessions", "not-a-uuid") is False  # 400


def test_the_portal_s_credentials_are_sent_as_basic_auth():
    fake = FakeMediaMTX(user="portal", password="s3cret-control").start()
    try:
        assert GatewayControl(fake.url, user="portal", password="s3cret-control").list("rtspsessions") == []
        with pytest.raises(GatewayUnavailable):
            GatewayControl(fake.url).list("rtspsessions")
        assert fake.requests[0]["authorization"].startswith("Basic ")
    finally:
        fake.stop()


def test_an_unreachable_gateway_fails_fast():
    started = time.monotonic()
    with pytest.raises(GatewayUnavailable):
        GatewayControl(closed_port_url()).kick("rtspsessions", str(uuid.uuid4()))
    assert time.monotonic() - started < 2


def test_a_gateway_that_does_not_answer_times_out():
    fake = FakeMediaMTX(delay=3).start()
    try:
        started = time.monotonic()
        with pytest.raises(GatewayUnavailable):
            GatewayControl(fake.url, timeout=(0.5, 0.5)).list("rtspsessions")
        assert time.monotonic() - started < 2
    finally:
        fake.stop()


# --- Ending a session drops its viewers -------------------------------------------------------------------------


@pytest.fixture
def watching(parties, make_convention, client, mediamtx_api, settings, media_server):
    """Two operators of the consumer watch the same shared camera through the gateway (stand-in), each allowed by
    the hook for an RTSP session whose id the gateway sent."""
    settings.PORTAL_MEDIAMTX_API_URL = mediamtx_api.url
    provider, consumer, provider_chief, _consumer_chief = parties
    camera = CameraFactory(owner=provider)
    convention = make_convention(provider_chief, consumer, cameras=[camera], max_concurrent_viewers=5)
    viewers = []
    for _ in range(2):
        operator = actor_for(MembershipFactory(organisation=consumer, role="operator").user, consumer.pk)
        grant = live.sessions_start(actor=operator, cameras=[camera], purpose=Purpose.PUBLIC_ORDER, justification=WHY)[
            0
        ]
        gateway_id = mediamtx_api.add("rtspsessions", path=f"cam/{camera.pk}", query=f"token={grant.token}")
        body = hook_request(path=f"cam/{camera.pk}", query=f"token={grant.token}", protocol="rtsp", id=gateway_id)
        assert post_hook(client, body).status_code == 200
        viewers.append((grant, gateway_id))
    return viewers, camera, convention, provider_chief


@pytest.mark.django_db
def test_stopping_one_session_kicks_exactly_its_gateway_session(watching, mediamtx_api):
    viewers, *_ = watching
    (first, first_id), (_second, second_id) = viewers
    live.session_end(session=first.session)
    report = gateway_kick_sessions(session_ids=[first.session.pk])  # the task, run directly
    assert report["kicked"] == [f"rtspsessions/{first_id}"] and not report["unreachable"]
    assert mediamtx_api.kicks() == [f"/v3/rtspsessions/kick/{first_id}"]
    assert mediamtx_api.ids("rtspsessions") == [second_id]


@pytest.fixture
def eager_celery():
    """.delay() runs the real task in this process (the worker pattern is tests/zones/test_celery_worker.py)."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


@pytest.mark.django_db
def test_suspension_kicks_every_viewer_through_the_queued_task(
    watching, mediamtx_api, eager_celery, django_capture_on_commit_callbacks
):
    viewers, _camera, convention, provider_chief = watching
    with django_capture_on_commit_callbacks(execute=True):
        services.convention_suspend(actor=provider_chief, convention=convention, reason="Investigating a misuse")
    assert sorted(mediamtx_api.kicks()) == sorted(f"/v3/rtspsessions/kick/{gid}" for _grant, gid in viewers)
    assert mediamtx_api.ids("rtspsessions") == []


@pytest.mark.django_db
def test_the_task_is_idempotent_and_leaves_open_sessions_alone(watching, mediamtx_api):
    viewers, *_ = watching
    (first, first_id), (second, second_id) = viewers
    live.session_end(session=first.session)
    gateway_kick_sessions(session_ids=[first.session.pk, second.session.pk])
    again = gateway_kick_sessions(session_ids=[first.session.pk, second.session.pk])
    assert again["kicked"] == [] and again["already_gone"] == 1 and not again["unreachable"]
    assert {kick.rsplit("/", 1)[1] for kick in mediamtx_api.kicks()} == {first_id}  # the second retries RTSPS
    assert mediamtx_api.ids("rtspsessions") == [second_id]


@pytest.mark.django_db
def test_a_viewer_the_hook_never_saw_by_id_is_found_by_the_token_in_its_query(watching, mediamtx_api):
    viewers, camera, *_ = watching
    (first, first_id), _second = viewers
    # The same viewer also pulls HLS with ?token= (an id the hook was not told, e.g. an older MediaMTX).
    hls_id = mediamtx_api.add("hlssessions", path=f"cam/{camera.pk}", query=f"a=1&token={first.token}")
    other_hls = mediamtx_api.add("hlssessions", path=f"cam/{camera.pk}", query="token=someone-else")
    live.session_end(session=first.session)
    report = gateway_kick_sessions(session_ids=[first.session.pk])
    assert sorted(report["kicked"]) == sorted([f"rtspsessions/{first_id}", f"hlssessions/{hls_id}"])
    assert mediamtx_api.ids("hlssessions") == [other_hls]
    # Each remembered id is kicked once, never again through the fallback.
    assert mediamtx_api.kicks().count(f"/v3/rtspsessions/kick/{first_id}") == 1


@pytest.mark.django_db
def test_an_unreachable_gateway_is_logged_never_raised(watching, settings, caplog, django_capture_on_commit_callbacks):
    viewers, _camera, convention, provider_chief = watching
    settings.PORTAL_MEDIAMTX_API_URL = closed_port_url()
    with caplog.at_level(logging.WARNING, logger="media.gateway_control"):
        report = live.kick_ended_sessions([viewers[0][0].session.pk])  # still open: nothing to do, nothing asked
        assert report.kicked == [] and not report.unreachable
        live.session_end(session=viewers[0][0].session)
        report = gateway_kick_sessions(session_ids=[viewers[0][0].session.pk])
    assert report["unreachable"] and report["kicked"] == []
    assert any("unreachable" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_without_a_configured_gateway_nothing_is_asked(watching, mediamtx_api, settings):
    viewers, *_ = watching
    settings.PORTAL_MEDIAMTX_API_URL = ""
    live.session_end(session=viewers[0][0].session)
    assert gateway_kick_sessions(session_ids=[viewers[0][0].session.pk])["kicked"] == []
    assert mediamtx_api.kicks() == []
