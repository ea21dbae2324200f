import pytest
from django.core.cache import cache
from django.db import connection
from django.db.backends.signals import connection_created
from django.urls import reverse

from audit.maintenance import set_maintenance
from audit.models import AccessLogEntry
from tests.factories import PASSWORD, MembershipFactory, give_totp, totp_code
from tests.support.celery_worker import celery_env, processes  # noqa: F401 - shared fixtures
from tests.support.conventions import make_convention, parties  # noqa: F401 - shared fixtures
from tests.support.mediamtx_api import media_server  # noqa: F401 - shared fixture


def _allow_test_flush(sender, connection, **kwargs):
    """The access log refuses DELETE and TRUNCATE; the test suite must still empty it between tests, so each
    of its database sessions is a maintenance session. Tests of the guard turn the switch off (append_only)."""
    set_maintenance(connection, True)


connection_created.connect(_allow_test_flush, dispatch_uid="tests-audit-maintenance")


@pytest.fixture
def append_only(db):
    """This test's database session is an ordinary one: the access log's triggers apply."""
    set_maintenance(connection, False)
    yield
    set_maintenance(connection, True)


class AccessLogRefusal:
    """The database itself refuses new access-log rows (a trigger, undone with the test's transaction or by lift)."""

    def __init__(self, connection):
        self.connection = connection
        self.table = connection.ops.quote_name(AccessLogEntry._meta.db_table)

    def impose(self):
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "sqlite":
                cursor.execute(
                    "CREATE TRIGGER refuse_access_log BEFORE INSERT ON " + self.table +
                    " BEGIN SELECT RAISE(ABORT, 'access log offline'); END"
                )  # fmt: skip
            elif self.connection.vendor == "postgresql":
                cursor.execute(
                    "CREATE OR REPLACE FUNCTION refuse_access_log() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'access log offline'; END $$"
                )
                cursor.execute(
                    "CREATE TRIGGER refuse_access_log BEFORE INSERT ON " + self.table +
                    " FOR EACH ROW EXECUTE FUNCTION refuse_access_log()"
                )  # fmt: skip
            else:
                pytest.fail(f"no refusing trigger written for {self.connection.vendor}")

    def lift(self):
        with self.connection.cursor() as cursor:
            on_table = " ON " + self.table if self.connection.vendor == "postgresql" else ""
            cursor.execute("DROP TRIGGER refuse_access_log" + on_table)


@pytest.fixture
def access_log_refuses_inserts(db):
    """The database itself refuses new access-log rows; ``.lift()`` lets them in again."""
    refusal = AccessLogRefusal(connection)
    refusal.impose()
    return refusal


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def audit_witness(settings, tmp_path):
    """The access log's witness file of this test (signed heads are copied there): tests never share one."""
    settings.PORTAL_AUDIT_WITNESS_FILE = tmp_path / "audit-witness" / "signed-heads.jsonl"
    return settings.PORTAL_AUDIT_WITNESS_FILE


@pytest.fixture(autouse=True)
def _empty_cache():
    """Django's cache (the in-process one in tests) holds counters and tallies: none leaks from test to test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def person(db):
    """Make a person with a role in an organisation and an authenticator: person(org, role)."""

    def make(organisation=None, role="operator", **membership_kwargs):
        kwargs = {"role": role, **membership_kwargs}
        if organisation is not None:
            kwargs["organisation"] = organisation
        membership = MembershipFactory(**kwargs)
        device, codes = give_totp(membership.user)
        membership.user.totp_device = device
        membership.user.backup_codes = codes
        return membership

    return make


def sign_in(client, user, code=None):
    """The real two-step sign-in: password, then a code. Returns the last response."""
    response = client.post(reverse("zones:login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client.post(reverse("zones:login_verify"), {"code": code or totp_code(user.totp_device)})


@pytest.fixture
def signed_in(client):
    """A test client signed in as the membership's person, working for its organisation."""

    def make(membership):
        response = sign_in(client, membership.user)
        assert response.status_code == 302, response.content[:500]
        session = client.session
        session["active_organisation_id"] = membership.organisation_id
        session.save()
        return client

    return make
