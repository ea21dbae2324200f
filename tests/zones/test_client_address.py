"""One client address (issue 12): behind the trusted proxies the person's address, whatever hops a client forges,
in axes, the access log, sessions, API tokens and the change log; with no trusted proxy the header is ignored."""

import ast
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import AccessAction, AccessLogEntry
from common.client_address import client_address
from tests.conftest import sign_in
from tests.factories import api_token_for
from zones.models import ApiToken, UserSession

pytestmark = pytest.mark.django_db

PERSON = "203.0.113.7"  # what the reference nginx writes: the address it sees
FORGED = "198.51.100.66"  # what the person's own client put in X-Forwarded-For
NGINX = "127.0.0.1"
HEADERS = {"REMOTE_ADDR": NGINX, "HTTP_X_FORWARDED_FOR": f"{FORGED}, 10.0.0.1, {PERSON}"}


def _request(remote, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


@pytest.mark.parametrize(
    ("count", "remote", "forwarded", "expected"),
    [
        (0, NGINX, f"{FORGED}, {PERSON}", NGINX),  # no trusted proxy: the header is ignored entirely
        (0, "2001:DB8::A", PERSON, "2001:db8::a"),
        (1, NGINX, PERSON, PERSON),  # one proxy: the entry nginx wrote
        (1, NGINX, f"{FORGED}, 10.0.0.1, {PERSON}", PERSON),  # forged hops to its left are ignored
        (1, NGINX, f"garbage, {FORGED}, [2001:db8::7]:443", "2001:db8::7"),
        (1, NGINX, f"{FORGED}, 0.0.0.0", NGINX),  # nothing usable where nginx writes: the connection, not the forgery
        (1, NGINX, "", NGINX),
        (1, NGINX, None, NGINX),
        (1, "10.9.9.9", PERSON, "10.9.9.9"),  # a caller that reaches gunicorn directly names no address
        (2, NGINX, f"{FORGED}, {PERSON}, 10.0.0.2", PERSON),  # two proxies: the second entry from the right
        (2, NGINX, PERSON, NGINX),  # fewer entries than proxies: a misconfiguration, never the client's choice
    ],
)
def test_the_address_comes_from_the_trusted_proxies_only(settings, count, remote, forwarded, expected):
    settings.PORTAL_TRUSTED_PROXY_COUNT = count
    assert client_address(_request(remote, forwarded)) == expected


def test_the_trusted_proxy_addresses_are_a_setting(settings):
    settings.PORTAL_TRUSTED_PROXY_COUNT = 1
    settings.PORTAL_TRUSTED_PROXY_ADDRESSES = ["192.0.2.0/24"]
    assert client_address(_request("192.0.2.10", PERSON)) == PERSON
    assert client_address(_request(NGINX, PERSON)) == NGINX


def _sign_in_everywhere(client, api, person):
    """A failed and a good sign-in, a role withdrawn by a chief (change log) and an API call, through the real views."""
    chief = person(role="chief")
    operator = person(organisation=chief.organisation, role="operator")
    client.post(reverse("zones:login"), {"username": chief.user.username, "password": "wrong password"})
    assert sign_in(client, chief.user).status_code == 302
    withdrawn = client.post(
        reverse("zones:membership_disable", args=[operator.pk]), {"reason": "Moved to another unit"}
    )
    assert withdrawn.status_code == 302
    token, key = api_token_for(chief)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get(reverse("membership-list")).status_code == 200
    return chief, operator, token


@pytest.mark.parametrize(("count", "expected"), [(1, PERSON), (0, NGINX)])
def test_behind_the_proxy_every_record_holds_the_persons_address(settings, person, count, expected):
    settings.PORTAL_TRUSTED_PROXY_COUNT = count
    chief, operator, token = _sign_in_everywhere(Client(**HEADERS), APIClient(**HEADERS), person)
    username = chief.user.username
    log = AccessLogEntry.objects.filter(details__username=username)
    assert set(log.values_list("action", "source_address")) == {
        (AccessAction.LOGIN_FAILURE, expected),
        (AccessAction.LOGIN_SUCCESS, expected),
    }
    assert AccessLog.objects.get(username=username).ip_address == expected  # axes: the successful sign-in
    assert not AccessAttempt.objects.exists()  # reset by the success, recorded at expected (see the lockout tests)
    assert UserSession.objects.get(user=chief.user).ip_address == expected
    assert ApiToken.objects.get(pk=token.pk).last_used_ip == expected
    change = LogEntry.objects.get_for_object(operator).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert change.remote_addr == expected
    assert change.remote_port is None  # X-Forwarded-Port is a client's claim too


def test_a_failed_sign_in_is_counted_at_the_persons_address(settings, person):
    settings.PORTAL_TRUSTED_PROXY_COUNT = 1
    membership = person()
    Client(**HEADERS).post(reverse("zones:login"), {"username": membership.user.username, "password": "wrong"})
    assert list(AccessAttempt.objects.values_list("username", "ip_address")) == [(membership.user.username, PERSON)]


# No module but the helper reads the address headers -----------------------------------------------------------

ROOT = Path(settings.BASE_DIR)
HELPER = ROOT / "common" / "client_address.py"
ADDRESS_KEYS = {
    "REMOTE_ADDR",
    "HTTP_X_FORWARDED_FOR",
    "X_FORWARDED_FOR",
    "HTTP_X_REAL_IP",
    "X_REAL_IP",
    "HTTP_FORWARDED",
}
SKIPPED = {".venv", "node_modules", "tests", "migrations", "data", ".git"}


def _docstrings(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                yield first.value


def readers_of_address_headers(root=ROOT):
    found = []
    for path in sorted(root.rglob("*.py")):
        if SKIPPED & set(path.relative_to(root).parts) or path == HELPER:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node) for node in _docstrings(tree)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Constant) or not isinstance(node.value, str) or id(node) in docstrings:
                continue
            if node.value.strip().upper().replace("-", "_") in ADDRESS_KEYS:
                found.append(f"{path.relative_to(root)}:{node.lineno} {node.value!r}")
    return found


def test_no_module_but_the_helper_reads_remote_addr_or_x_forwarded_for():
    assert readers_of_address_headers() == []


def test_the_scan_finds_a_reader(tmp_path):
    """The scan itself works: a module reading the header the way auditlog does is reported, a docstring is not."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "views.py").write_text(
        '"""Reads X-Forwarded-For."""\n\n\ndef address(request):\n    return request.headers.get("X-Forwarded-For")\n',
        encoding="utf-8",
    )
    (tmp_path / "app" / "peer.py").write_text('def peer(request):\n    return request.META["REMOTE_ADDR"]\n')
    assert readers_of_address_headers(tmp_path) == [
        "app/peer.py:2 'REMOTE_ADDR'",
        "app/views.py:5 'X-Forwarded-For'",
    ]
