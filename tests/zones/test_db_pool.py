"""Database connections are pooled (Django's psycopg pool): however many threads serve requests, one process never
holds more PostgreSQL connections than the pool's maximum, and idle threads hold none."""

import threading
import time
import urllib.request

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from config.env import database_pool, env_int

on_postgres = pytest.mark.skipif("connection.vendor != 'postgresql'")

THREADS = 24
REQUESTS_PER_THREAD = 4


def _sessions(database, own_pid):
    with psycopg.connect(**connection.get_connection_params() | {"dbname": database}) as watcher:
        return watcher.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() AND pid <> %s",
            [database, own_pid],
        ).fetchone()[0]


def test_the_pool_is_configured_and_bounded(monkeypatch):
    options = settings.DATABASES["default"]
    if options["ENGINE"].endswith("postgresql"):
        assert options["CONN_MAX_AGE"] == 0 and options["OPTIONS"]["pool"]["max_size"] >= 1
    monkeypatch.setenv("PORTAL_DB_POOL_MAX", "500")
    with pytest.raises(Exception, match="between 1 and 50"):
        env_int("PORTAL_DB_POOL_MAX", 8, minimum=1, maximum=50)
    with pytest.raises(Exception, match="at least"):
        database_pool(min_size=5, max_size=2, timeout=10)


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_many_threads_requests_never_open_more_connections_than_the_pool_allows(person, signed_in, live_server):
    limit = settings.DATABASES["default"]["OPTIONS"]["pool"]["max_size"]
    assert 2 * limit < THREADS
    cookies = signed_in(person(role="operator")).cookies
    database = connection.settings_dict["NAME"]
    own_pid = connection.cursor().connection.info.backend_pid  # this thread's pooled connection counts too
    connection.close()  # back to the pool
    seen, done, failures = [], threading.Event(), []

    def watch():
        while not done.is_set():
            seen.append(_sessions(database, -1))
            time.sleep(0.02)

    cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in cookies.items())
    page = live_server.url + reverse("zones:notifications")

    def serve():  # a browser of the control room: requests to the threaded server, one thread per request
        try:
            for _ in range(REQUESTS_PER_THREAD):
                request = urllib.request.Request(page, headers={"Cookie": cookie})  # noqa: S310 - the test server
                with urllib.request.urlopen(request, timeout=30) as r:  # noqa: S310
                    if r.status != 200 or r.url != page:
                        failures.append((r.status, r.url))
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(repr(error))

    watcher = threading.Thread(target=watch)
    watcher.start()
    workers = [threading.Thread(target=serve) for _ in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    done.set()
    watcher.join()
    assert not failures, failures[:3]
    assert max(seen) <= limit, (max(seen), limit)
    assert _sessions(database, own_pid) <= limit  # idle threads hold nothing beyond the pool
