"""The WSGI application (config.wsgi) gives /gateway/ its lean middleware path: machine requests keep the security
headers but pass no session, authentication or CSRF middleware; every other path keeps the full MIDDLEWARE."""

import io
import json

import pytest
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

import config.wsgi
from conventions.models import Purpose
from footage import live
from tests.factories import CameraFactory, MembershipFactory
from tests.support.mediamtx_api import MEDIA_SERVER, hook_request, reset_gate_cache, server_credentials
from zones.tenancy import actor_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_server")]
WHY = "Large gathering at the station entrance, checking crowd flow"
SECURITY_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy")


@pytest.fixture(autouse=True)
def _inside_the_test_transaction():
    """As Django's test client does: a request must not close the connection that holds the test's transaction."""
    reset_gate_cache()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    reset_gate_cache()


def call(path, body=b"", method="POST", **extra):
    """One request through config.wsgi.application; returns (status code, headers, body)."""
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "", "SERVER_NAME": "localhost",
        "SERVER_PORT": "80", "HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http", **extra,
    }  # fmt: skip
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = int(status.split()[0]), headers

    chunks = config.wsgi.application(environ, start_response)
    try:
        content = b"".join(chunks)
    finally:
        chunks.close()
    return answer["status"], dict(answer["headers"]), content


def test_the_hook_answers_on_the_lean_path_with_the_security_headers(parties, make_convention):
    provider, consumer, provider_chief, _consumer_chief = parties
    camera = CameraFactory(owner=provider)
    make_convention(provider_chief, consumer, cameras=[camera])
    operator = actor_for(MembershipFactory(organisation=consumer, role="operator").user, consumer.pk)
    grant = live.sessions_start(actor=operator, cameras=[camera], purpose=Purpose.PUBLIC_ORDER, justification=WHY)[0]

    body = json.dumps(hook_request(token=grant.token, path=f"cam/{camera.pk}", protocol="hls")).encode()
    status, headers, content = call(
        "/gateway/auth", body, HTTP_COOKIE="sessionid=whatever", **server_credentials(*MEDIA_SERVER)
    )
    assert status == 200
    assert json.loads(content) == {"allowed": True, "reason": "ok", "session": grant.session.pk}
    assert all(name in headers for name in SECURITY_HEADERS)
    assert headers["Content-Length"] == str(len(content))
    # No session, language or CSRF machinery ran: nothing varies on cookies and no cookie is set.
    assert "Set-Cookie" not in headers
    assert "Cookie" not in headers.get("Vary", "")


def test_malformed_and_unknown_requests_on_the_lean_path_are_clean_answers():
    status, headers, _content = call("/gateway/auth", b"{not json", **server_credentials(*MEDIA_SERVER))
    assert status == 400
    assert all(name in headers for name in SECURITY_HEADERS)
    status, headers, _content = call("/gateway/auth", b"{not json")  # not from a media server
    assert status == 403
    assert all(name in headers for name in SECURITY_HEADERS)
    status, headers, _content = call("/gateway/no-such-thing", method="GET")
    assert status == 404
    assert all(name in headers for name in SECURITY_HEADERS)


def test_browser_pages_keep_the_full_middleware():
    status, headers, _content = call("/", method="GET")
    assert status == 302 and "/login" in headers["Location"]  # login required still applies
    assert all(name in headers for name in SECURITY_HEADERS)


def test_building_the_gateway_handler_leaves_the_settings_as_they_were():
    before = list(settings.MIDDLEWARE)
    config.wsgi.GatewayHandler()
    assert list(settings.MIDDLEWARE) == before
    assert settings.GATEWAY_MIDDLEWARE[0] == "django.middleware.security.SecurityMiddleware"
