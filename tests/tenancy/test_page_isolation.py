"""No person of one organisation reaches another organisation's object through a page, whatever their role.

Every HTML page that takes an object's id is registered in tests/<app>/isolation.py with a maker that builds an
object of organisation A and the people of A who use the page. Every role of organisation B, signed in through the
real two-step sign-in and with a fresh second factor (so that step-up never hides the answer), asks each page with
its method and with the other one: the answer is 404 (405 for the wrong method), exactly as for an object that does
not exist, and no row of our apps changes. The supervisory body reads conventions and logs by design: it sees those
pages (200) and may change nothing (403, or 400 where the object's state refuses first). The positive control: A's
people get 200 on the pages that show the object, and never a 404 on those that change it, so a wrong id cannot
make the test pass.
"""

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import sign_in
from tests.factories import MembershipFactory, OrganisationFactory, give_totp
from tests.tenancy.harness import PAGE_GROUPS, discover
from zones.models import Role

discover()

# URL patterns taking a parameter that are not tenant pages, by route prefix.
MACHINE_PREFIXES = {
    "gateway/": "the media gateway's machine endpoints (hook, relay and playback HLS): answered only for a valid "
    "session token or playback key, never for a signed-in person (tests/media, tests/footage)",
    "api/": "the REST API: tests/tenancy/test_isolation.py tries every resource's list and detail with every role "
    "(its detail actions find their object through the same restricted get_queryset)",
    "admin/": "Django's admin: platform staff accounts only (is_staff), no tenant's person reaches it",
}
DATA_APPS = ["zones", "cameras", "conventions", "media", "footage", "audit"]
STEP_UP_CODE = "backup0009"  # tests.factories.give_totp's backup codes


def _parameters(pattern):
    return bool(pattern.regex.groupindex)  # path() converters and re_path() groups alike


def routes_with_parameters(patterns=None, prefix="", namespace="", inherited=False):
    """(route, name) of every URL pattern taking a parameter (an id, a uuid, a token), its includes' included."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route, takes = prefix + str(entry.pattern), inherited or _parameters(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace) if part)
            yield from routes_with_parameters(entry.url_patterns, route, inner, takes)
        elif takes:
            yield route, f"{namespace}:{entry.name}" if namespace else entry.name


def test_every_page_taking_an_id_is_registered():
    registered = {page.url_name for group in PAGE_GROUPS.values() for page in group.pages}
    routes = list(routes_with_parameters())
    pages = {name for route, name in routes if not route.startswith(tuple(MACHINE_PREFIXES))}
    assert not pages - registered, f"pages taking an id without a tenant-isolation registration: {pages - registered}"
    assert not registered - pages, f"registered pages that take no id or no longer exist: {registered - pages}"
    assert all(any(r.startswith(p) for r, _n in routes) for p in MACHINE_PREFIXES), "a stale MACHINE_PREFIXES entry"


def database_rows():
    """Every row of our apps' tables (many-to-many tables included), to see that nothing changed (plain SQL: the
    harness reads them after every request)."""
    models = [m for label in DATA_APPS for m in apps.get_app_config(label).get_models(include_auto_created=True)]
    tables = sorted({model._meta.db_table for model in models})
    with connection.cursor() as cursor:
        rows = {}
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")  # noqa: S608 - our tables
            rows[table] = cursor.fetchall()
    return rows


def browser(membership):
    """A browser of the person, signed in through the two steps, with a second factor given just now."""
    user = membership.user
    if not TOTPDevice.objects.filter(user=user).exists():
        give_totp(user)
    user.totp_device = TOTPDevice.objects.get(user=user)
    client = Client()
    assert sign_in(client, user).status_code == 302
    assert client.post(reverse("zones:step_up"), {"code": STEP_UP_CODE, "next": "/"}).status_code == 302
    return client


def send(client, method, url, data):
    return client.get(url) if method == "GET" else client.post(url, data)


@pytest.fixture
def media_root(settings, tmp_path):
    media = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path / "media"}}
    settings.STORAGES = {**settings.STORAGES, "default": media}


@pytest.mark.django_db
@pytest.mark.parametrize("group", sorted(PAGE_GROUPS), ids=str)
def test_other_organisation_object_answers_404_on_every_page(group, media_root):
    group = PAGE_GROUPS[group]
    case = group.make(OrganisationFactory())
    other = OrganisationFactory()
    outsiders = {role: browser(MembershipFactory(organisation=other, role=role)) for role in Role.values}
    problems = []
    rows = database_rows()

    for role, client in outsiders.items():
        reads_all = role in group.cross_tenant_roles
        for page in group.pages:
            url = reverse(page.url_name, args=page.args(case))
            expected = ({400, 403} if page.writes else {200}) if reads_all else {404}
            status = send(client, page.method, url, page.data).status_code
            if status not in expected:
                problems.append(f"{role}: {page.method} {page.url_name} answered {status}, not {sorted(expected)}")
            other_method = "POST" if page.method == "GET" else "GET"
            status = send(client, other_method, url, page.data).status_code
            if not reads_all and status not in (404, 405):
                problems.append(f"{role}: {other_method} {page.url_name} answered {status}, not 404 or 405")
            now = database_rows()
            if now != rows:
                changed = sorted(label for label in now if now[label] != rows[label])
                problems.append(f"{role}: {page.method} {page.url_name} changed {', '.join(changed)}")
                rows = now

    # Positive control: the object's own people use the same addresses (pages that show it first: the others act).
    browsers = {}
    for page in sorted(group.pages, key=lambda page: page.method != "GET"):
        if page.person is None:
            continue
        client = browsers.get(page.person) or browsers.setdefault(page.person, browser(case.people[page.person]))
        status = send(client, page.method, reverse(page.url_name, args=page.args(case)), page.data).status_code
        if (page.method == "GET" and status != 200) or status == 404 or status >= 500:
            problems.append(f"{page.person} of the owner: {page.method} {page.url_name} answered {status}")
    assert not problems, "\n".join(problems)
