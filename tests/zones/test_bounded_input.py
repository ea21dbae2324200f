"""Bounded input (issue 12, item 4): every API list pages within bounds whatever `limit` and `offset` say, a date
filter outside any log's years is a 400 with words, and an imported file carrying a NUL byte is refused with the line
and column to fix; none of them is a server error."""

import io

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from audit.access import AccessAction, AccessRecord, record_access
from config.api import router
from tests.factories import MembershipFactory, OrganisationFactory, api_token_for
from zones.api.pagination import MAX_LIMIT

pytestmark = pytest.mark.django_db
HUGE = "25631286948637896704"


def api_for(membership):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_for(membership)[1]}")
    return api


def list_paths():
    return [reverse(f"{basename}-list") for _prefix, _viewset, basename in router.registry]


@pytest.mark.parametrize("role", ["chief", "dpo", "supervisor"])
@pytest.mark.parametrize(
    "query",
    [f"limit={HUGE}", f"offset={HUGE}", f"limit={HUGE}&offset={HUGE}", "limit=-5&offset=-7", "limit=abc&offset=x"],
)
def test_no_list_fails_on_a_huge_or_malformed_page(role, query):
    api = api_for(MembershipFactory(organisation=OrganisationFactory(), role=role))
    for path in list_paths():
        response = api.get(f"{path}?{query}")
        assert response.status_code < 500, (path, query, response.status_code)
        body = response.json()
        if response.status_code == 200 and isinstance(body, dict) and "results" in body:
            assert len(body["results"]) <= MAX_LIMIT, path


def test_a_page_holds_at_most_the_maximum_and_next_goes_on():
    zone = OrganisationFactory()
    for index in range(MAX_LIMIT + 20):
        record_access(AccessRecord(action=AccessAction.CONSULTATION, controller=zone, justification=f"check {index}"))
    api = api_for(MembershipFactory(organisation=zone, role="dpo"))
    first = api.get(reverse("accesslog-list"), {"limit": 100_000}).json()
    assert len(first["results"]) == MAX_LIMIT and first["next"]
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 20


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1999-12-31"])
def test_a_date_outside_any_log_is_a_400_with_words(value, person, signed_in):
    zone = OrganisationFactory()
    dpo = person(zone, "dpo")
    api = api_for(dpo)
    for name in ("date_to", "date_from"):
        response = api.get(reverse("accesslog-list"), {name: value})
        assert response.status_code == 400 and name in response.json(), response.content
    client = signed_in(dpo)
    assert client.get(reverse("oversight:console"), {"date_to": value}).status_code == 200  # the form says why
    assert client.get(reverse("oversight:export_csv"), {"date_to": value}).status_code == 400


@pytest.mark.parametrize("name", ["cams.csv", "cams-semicolon.csv"])
def test_an_imported_file_with_a_nul_byte_is_refused_with_the_place_to_fix(name, person):
    organisation = OrganisationFactory(code="NULL")
    api = api_for(person(organisation=organisation, role="chief"))
    separator = b";" if "semicolon" in name else b","
    content = separator.join([b"owner", b"name", b"latitude", b"longitude"]) + b"\n"
    content += separator.join([b"NULL", b"Gare\x00du Nord", b"50.86", b"4.36"]) + b"\n"
    upload = io.BytesIO(content)
    upload.name = name
    response = api.post(reverse("camera-import-file"), {"file": upload}, format="multipart")
    assert response.status_code == 400, response.content
    assert "Line 2" in str(response.json()) and "control character" in str(response.json())
