"""One id per request (issue 12, item 6): the portal assigns it, keeps a caller's only in a safe shape, answers it
in X-Request-ID, writes it to the access-log entries of that request and to its application log lines."""

import io
import logging

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from audit.models import AccessAction, AccessLogEntry
from common.request_ids import RequestIdLogFilter, RequestIdMiddleware
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def failed_sign_in(client, **headers):
    membership = MembershipFactory()
    response = client.post(
        reverse("zones:login"), {"username": membership.user.username, "password": "not the password"}, **headers
    )
    entry = AccessLogEntry.objects.filter(action=AccessAction.LOGIN_FAILURE).latest("id")
    return response, entry


def test_the_portal_gives_each_request_an_id_and_logs_it(client):
    response, entry = failed_sign_in(client)
    assert len(response["X-Request-ID"]) == 32
    assert entry.request_id == response["X-Request-ID"]
    second, _ = failed_sign_in(client)
    assert second["X-Request-ID"] != response["X-Request-ID"]


def test_a_caller_s_id_in_a_safe_shape_is_kept(client):
    response, entry = failed_sign_in(client, HTTP_X_REQUEST_ID="proxy-7f3a.2026:41")
    assert response["X-Request-ID"] == entry.request_id == "proxy-7f3a.2026:41"


@pytest.mark.parametrize("unsafe", ["x" * 65, "two words", "id\nforged line", "<script>", "é-accent", ""])
def test_a_caller_s_id_of_any_other_shape_is_replaced(client, unsafe):
    response, entry = failed_sign_in(client, HTTP_X_REQUEST_ID=unsafe)
    assert response["X-Request-ID"] == entry.request_id and len(entry.request_id) == 32
    assert unsafe not in entry.request_id or not unsafe


def test_the_media_gateway_s_answers_carry_an_id_too(client):
    response = client.post("/gateway/auth", data="{}", content_type="application/json")
    assert response.status_code == 403 and len(response["X-Request-ID"]) == 32  # not from a media server


def test_application_log_lines_of_a_request_carry_its_id():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdLogFilter())
    handler.setFormatter(logging.Formatter("[%(request_id)s] %(message)s"))
    logger = logging.getLogger("tests.request_ids")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:

        def view(request):
            logger.info("inside the request")
            return HttpResponse("ok")

        response = RequestIdMiddleware(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID="abc-123"))
        logger.info("outside any request")
    finally:
        logger.removeHandler(handler)
    assert response["X-Request-ID"] == "abc-123"
    assert stream.getvalue().splitlines() == ["[abc-123] inside the request", "[-] outside any request"]
