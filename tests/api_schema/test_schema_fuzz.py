"""Schema fuzzing (issue 12, item 4): every operation of the published OpenAPI schema, called in-process through
the WSGI application as a chief, an operator, an approver and a DPO with requests generated from the schema (valid
and invalid), answers no server error, only documented status codes and content types, and bodies that match the
schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.api import router
from config.wsgi import application
from tests.api_schema import world as worlds

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 12,
        "generation": {"mode": "all", "deterministic": True, "max-examples": 8},
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    }
)
schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
CURRENT = {}


@schema.hook("map_path_parameters")
def real_ids(context, path_parameters):
    """Two generated ids in three name an object of the database (the caller's or another organisation's)."""
    value = (path_parameters or {}).get("id")
    if isinstance(value, int) and value % 3 and CURRENT:
        resource = context.operation.path.split("/")[3]
        ids = CURRENT["world"].ids[resource]
        if ids:
            path_parameters["id"] = ids[value % len(ids)]
    return path_parameters


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction rolled back at its end; each test runs in a savepoint within
    it (pytest-django's `db`), so what one test's requests change is gone for the next. The WSGI application runs
    inside these transactions: Django must not close the connection around each request (its test client does the
    same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            CURRENT["world"] = worlds.build()
            yield CURRENT["world"]
        finally:
            CURRENT.clear()
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


@pytest.mark.parametrize("role", worlds.ROLES)
@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_every_operation_answers_as_documented(case, role, world, db):
    case.call_and_validate(headers={"Authorization": f"Bearer {world.tokens[role]}"}, checks=CHECKS)


def operations():
    return [result.ok() for result in schema.get_all_operations()]


def test_the_fuzzing_reaches_every_resource_of_the_router(world, db):
    """Every viewset the router serves is in the published schema, and the world holds objects for each resource
    whose operations take an id (a new resource must be added to world.RESOURCES and made in world.build)."""
    prefixes = {prefix for prefix, _viewset, _basename in router.registry}
    served = {operation.path.split("/")[3] for operation in operations()}
    assert prefixes <= served
    for operation in operations():
        if "{id}" in operation.path:
            assert world.ids.get(operation.path.split("/")[3]), operation.label


@pytest.mark.parametrize("authorization", [None, "Bearer cctv_00000000_not-a-token", "Basic dXNlcjpwYXNz", "Bearer"])
def test_every_operation_answers_a_caller_without_a_usable_token_as_documented(authorization, world, db):
    headers = {"Authorization": authorization} if authorization else {}
    for operation in operations():
        resource = operation.path.split("/")[3]
        case = operation.Case(path_parameters={"id": world.ids[resource][0]} if "{id}" in operation.path else None)
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        assert response.status_code == 401, (operation.label, response.status_code)
