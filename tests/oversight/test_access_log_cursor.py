"""The access-log API's cursor (issue 12, item 8): a system pulls the whole log with `?after=<id>`, page by page in
id order, following `next`, and gets every entry of its chain exactly once even while entries are added between
pages; another organisation's entries never appear; a malformed cursor is a 400 that names it."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from audit.access import AccessAction, AccessRecord, record_access
from audit.models import AccessLogEntry
from tests.factories import MembershipFactory, OrganisationFactory, api_token_for
from zones.api.pagination import MAX_LIMIT

pytestmark = pytest.mark.django_db


def api_for(membership):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_for(membership)[1]}")
    return api


def log(organisation, count, label):
    return [
        record_access(
            AccessRecord(action=AccessAction.CONSULTATION, controller=organisation, justification=f"{label} {index}")
        ).pk
        for index in range(count)
    ]


def test_pulling_the_whole_log_gets_every_entry_once_while_entries_are_added():
    zone, other = OrganisationFactory(), OrganisationFactory()
    api = api_for(MembershipFactory(organisation=zone, role="dpo"))
    log(zone, 12, "before")
    log(other, 5, "theirs")
    pulled, pages = [], 0
    url = reverse("accesslog-list") + "?after=0&limit=5"
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        assert len(body["results"]) <= 5 and body["previous"] is None
        pulled += [entry["id"] for entry in body["results"]]
        pages += 1
        if pages in (1, 3):  # the log goes on while it is pulled: entries of both zones, interleaved
            log(zone, 4, f"during {pages}")
            log(other, 2, f"theirs during {pages}")
        url = body["next"]
        assert url is None or "offset" not in url
    ours = list(AccessLogEntry.objects.filter(chain=zone.code).order_by("id").values_list("pk", flat=True))
    assert len(ours) == 12 + 4 + 4
    assert pulled == ours  # each once, oldest first, none of the other zone's
    assert pages == 4  # 20 entries, 5 a page: the last full page has no `next`


def test_next_is_null_once_the_log_is_read_to_its_end():
    zone = OrganisationFactory()
    api = api_for(MembershipFactory(organisation=zone, role="dpo"))
    ids = log(zone, 6, "entry")
    first = api.get(reverse("accesslog-list"), {"after": 0, "limit": 3}).json()
    assert [entry["id"] for entry in first["results"]] == ids[:3]
    assert first["next"] and f"after={ids[2]}" in first["next"]
    second = api.get(first["next"]).json()
    assert [entry["id"] for entry in second["results"]] == ids[3:] and second["next"] is None
    assert api.get(reverse("accesslog-list"), {"after": ids[-1]}).json() | {"count_capped": None} == {
        "count": 0, "count_capped": None, "next": None, "previous": None, "results": []
    }  # fmt: skip


def test_a_page_of_the_cursor_is_bounded():
    zone = OrganisationFactory()
    api = api_for(MembershipFactory(organisation=zone, role="dpo"))
    log(zone, MAX_LIMIT + 3, "entry")
    body = api.get(reverse("accesslog-list"), {"after": 0, "limit": 10**9}).json()
    assert len(body["results"]) == MAX_LIMIT and body["next"]
    assert len(api.get(body["next"]).json()["results"]) == 3


def test_the_cursor_goes_with_the_filters_and_never_crosses_tenants():
    zone, other = OrganisationFactory(), OrganisationFactory()
    theirs = log(other, 3, "theirs")
    log(zone, 2, "ours")
    dpo = api_for(MembershipFactory(organisation=zone, role="dpo"))
    body = dpo.get(reverse("accesslog-list"), {"after": 0, "organisation": other.code}).json()
    assert "organisation" in body  # another zone's chain is no choice: a 400 that says so
    pulled = dpo.get(reverse("accesslog-list"), {"after": min(theirs) - 1, "q": "theirs"}).json()
    assert pulled["results"] == [] and pulled["next"] is None


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", str(2**63), "1e3"])
def test_a_malformed_cursor_is_a_400_that_names_it(value):
    api = api_for(MembershipFactory(organisation=OrganisationFactory(), role="dpo"))
    response = api.get(reverse("accesslog-list"), {"after": value})
    assert response.status_code == 400 and "after" in response.json(), response.content
