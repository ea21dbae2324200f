"""The details of an access-log entry survive the database: any JSON value a caller gives verifies intact on
PostgreSQL (jsonb) and SQLite, floats included; values no database would give back unchanged are refused at the
entry point; entries written before with such floats still verify."""

import json
import math
from decimal import Decimal
from enum import Enum, IntEnum

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.access import AccessAction, AccessLogUnavailable, AccessRecord, record_access
from audit.chain import append, verify_chain
from audit.details import storable_details
from audit.models import AccessLogEntry
from tests.factories import OrganisationFactory

# Every JSON value Python's json writes (finite floats of every magnitude, -0.0, huge integers, any text but NUL).
scalars = (
    st.none() | st.booleans() | st.integers() | st.integers(min_value=-(10**300), max_value=10**300)
    | st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from([1e20, 1.5e300, -0.0, 3.0, 1e16, 5e-324])
    | st.text(st.characters(blacklist_characters="\x00", blacklist_categories=["Cs"]), max_size=12)
)  # fmt: skip
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=6).filter(lambda k: "\x00" not in k), inner, max_size=4)
    ),  # fmt: skip
    max_leaves=16,
)


def _spelled(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@pytest.mark.django_db
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])  # fmt: skip
@given(details=st.dictionaries(st.text(max_size=6).filter(lambda k: "\x00" not in k), json_values, max_size=4))
def test_any_json_details_verify_intact_after_the_database_round_trip(details):
    zone = OrganisationFactory()
    entry = record_access(AccessRecord(action=AccessAction.CONSULTATION, controller=zone, details=details))
    stored = AccessLogEntry.objects.get(pk=entry.pk).details
    assert _spelled(stored) == _spelled(storable_details(details))  # what was hashed is what comes back
    report = verify_chain(zone.code)
    assert report.ok, (details, stored, report.problem)


@pytest.mark.django_db
def test_the_floats_of_the_black_box_test_verify_and_keep_their_value():
    zone = OrganisationFactory()
    details = {"big": 1e20, "huge": 1.5e300, "negative_zero": -0.0, "three": 3.0, "half": 0.5, "tiny": 1e-7,
               "deep": {"a": [1e16, {"b": -0.0}]}}  # fmt: skip
    entry = record_access(AccessRecord(action=AccessAction.CONSULTATION, controller=zone, details=details))
    stored = AccessLogEntry.objects.get(pk=entry.pk).details
    assert stored["big"] == 10**20 and stored["huge"] == 15 * 10**299 and float(stored["huge"]) == 1.5e300
    assert stored["three"] == 3 and isinstance(stored["three"], int) and stored["negative_zero"] == 0
    assert (stored["half"], stored["tiny"], stored["deep"]) == (0.5, 1e-7, {"a": [10**16, {"b": 0}]})
    assert verify_chain(zone.code).ok


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("details", "says"),
    [
        ({"x": math.nan}, "nan is not a JSON number"),
        ({"x": [math.inf]}, "details['x'][0]: inf is not a JSON number"),
        ({"x": -math.inf}, "-inf is not a JSON number"),
        ({"name": "a\x00b"}, "NUL"),
        ({"a\x00": 1}, "NUL"),
        ({"x": "\ud800"}, "lone surrogate"),
        ({1: "one"}, "the key 1 is not a string"),
        ({"amount": Decimal("1.5")}, "Decimal is not a JSON value"),
        ({"n": 10**500}, "more than 400 digits"),
        ({"deep": json.loads("[" * 40 + "]" * 40)}, "nested more than 32 levels"),
    ],
)
def test_values_no_database_returns_unchanged_are_refused_at_the_entry_point(details, says):
    zone = OrganisationFactory()
    with pytest.raises(AccessLogUnavailable, match="cannot be stored unchanged") as refused, transaction.atomic():
        record_access(AccessRecord(action=AccessAction.CONSULTATION, controller=zone, details=details))
    assert says in str(refused.value)
    assert not AccessLogEntry.objects.filter(chain=zone.code).exists()


@pytest.mark.django_db
def test_entries_written_before_with_rewritten_floats_still_verify(capsys):
    """Before audit.details, record_access stored the floats as given: jsonb gives 1e20 back as an integer and -0.0
    as 0.0. Such an entry (appended here as the earlier code did) verifies; an altered one does not."""
    zone = OrganisationFactory()
    earlier = {"big": 1e20, "list": [-0.0, 2.5e30, 7], "n": 3.0, "z": 0.0}
    for index in range(3):
        with transaction.atomic():
            append(AccessLogEntry(chain=zone.code, controller=zone, controller_code=zone.code,
                                  occurred_at=timezone.now(), action=AccessAction.CONSULTATION,
                                  justification=f"#{index}", details=earlier))  # fmt: skip
    assert verify_chain(zone.code).ok
    call_command("verify_audit", "--org", zone.code)
    assert "intact (3 entries)" in capsys.readouterr().out
    entry = AccessLogEntry.objects.get(chain=zone.code, sequence=2)
    altered = {**entry.details, "big": 10**20 + 1}
    AccessLogEntry.objects.filter(pk=entry.pk).update(details=altered)  # maintenance rights
    report = verify_chain(zone.code)
    assert report.first_bad_sequence == 2 and "altered" in report.problem


class Change(str, Enum):  # noqa: UP042 - str() of this member is "Change.REMOVED", json writes "removed"
    REMOVED = "removed"


class Count(IntEnum):
    TWO = 2


@pytest.mark.django_db
def test_enum_members_and_tuples_are_stored_as_json_writes_them():
    zone = OrganisationFactory()
    entry = record_access(
        AccessRecord(action=AccessAction.CONSULTATION, controller=zone,
                     details={"change": Change.REMOVED, "n": Count.TWO, "pair": ("a", 1.0)})
    )  # fmt: skip
    stored = AccessLogEntry.objects.get(pk=entry.pk).details
    assert _spelled(stored) == '{"change":"removed","n":2,"pair":["a",1]}'
    assert verify_chain(zone.code).ok
