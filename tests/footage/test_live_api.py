"""The live-sessions API: create (tokens and playlist addresses only then), list and read restricted to the viewer
and their organisation's chief, renew, end, and clear 4xx answers for every mistake."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import AccessAction, AccessLogEntry
from conventions import services
from conventions.models import Purpose
from footage import live
from footage.models import LiveSession
from tests.factories import CameraFactory, MembershipFactory, api_token_for
from tests.support.conventions import chief_of

pytestmark = pytest.mark.django_db
WHY = "Large gathering at the station entrance, checking crowd flow"
LIST = reverse("livesession-list")


def api_for(membership):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_for(membership)[1]}")
    return api


@pytest.fixture
def shared(parties, make_convention):
    provider, consumer, provider_chief, consumer_chief = parties
    cameras = [CameraFactory(owner=provider), CameraFactory(owner=provider)]
    convention = make_convention(provider_chief, consumer, cameras=cameras)
    operator = MembershipFactory(organisation=consumer, role="operator")
    return operator, cameras, convention, provider_chief


def create(api, cameras, **values):
    body = {"cameras": [c.pk for c in cameras], "purpose": Purpose.PUBLIC_ORDER, "justification": WHY, **values}
    return api.post(LIST, body, format="json")


def test_create_returns_each_session_with_its_token_once(shared):
    operator, cameras, convention, _chief = shared
    api = api_for(operator)
    response = create(api, cameras, case_reference="PV 12/345")
    assert response.status_code == 201, response.content
    sessions = response.json()["sessions"]
    assert [s["camera"] for s in sessions] == [c.pk for c in cameras]
    first = sessions[0]
    assert first["playlist_url"] == f"/gateway/relay/{first['token']}/index.m3u8"
    assert first["convention"] == convention.reference and first["convention_version"] == 1
    assert first["wall"] and first["wall"] == sessions[1]["wall"] and first["is_open"] is True
    assert LiveSession.objects.get(pk=first["id"]).token_digest == live.token_digest(first["token"])
    # The token is never shown again.
    assert "token" not in api.get(reverse("livesession-detail", args=[first["id"]])).json()
    listed = api.get(LIST).json()["results"]
    assert {s["id"] for s in listed} == {s["id"] for s in sessions} and "token" not in listed[0]


def test_renew_and_end(shared):
    operator, cameras, *_ = shared
    api = api_for(operator)
    session = create(api, cameras[:1]).json()["sessions"][0]
    renewed = api.post(reverse("livesession-renew", args=[session["id"]]), {}, format="json")
    assert renewed.status_code == 200 and renewed.json()["is_open"] is True
    ended = api.post(reverse("livesession-end", args=[session["id"]]))
    assert ended.status_code == 200 and ended.json()["end_reason"] == "stopped" and ended.json()["is_open"] is False
    assert api.post(reverse("livesession-end", args=[session["id"]])).status_code == 200  # harmless twice
    again = api.post(reverse("livesession-renew", args=[session["id"]]), {}, format="json")
    assert again.status_code == 409
    assert again.json() == {"detail": "This live session has ended.", "end_reason": "stopped"}
    assert api.get(LIST, {"open": "true"}).json()["results"] == []
    assert AccessLogEntry.objects.filter(action=AccessAction.SESSION_END).count() == 1


def test_a_refusal_names_each_camera_in_plain_words_and_nothing_starts(shared):
    operator, cameras, *_ = shared
    response = create(api_for(operator), cameras, purpose=Purpose.CRISIS)
    assert response.status_code == 403
    body = response.json()
    assert body["detail"].startswith("Nothing was started")
    assert {r["camera"]: (r["reason"], r["message"]) for r in body["refusals"]} == {
        c.pk: ("purpose_not_allowed", "the purpose is not in the convention") for c in cameras
    }
    assert not LiveSession.objects.exists()


def test_a_refused_new_purpose_keeps_the_session_under_its_old_one(shared):
    operator, cameras, *_ = shared
    api = api_for(operator)
    session = create(api, cameras[:1]).json()["sessions"][0]
    url = reverse("livesession-renew", args=[session["id"]])
    refused = api.post(url, {"purpose": Purpose.CRISIS}, format="json")
    assert refused.status_code == 403 and refused.json()["refusals"][0]["reason"] == "purpose_not_allowed"
    changed = api.post(url, {"purpose": Purpose.CRIMINAL_INVESTIGATION}, format="json")
    assert changed.status_code == 200 and changed.json()["purpose"] == "criminal_investigation"


def test_a_suspension_ends_the_session_and_renewing_says_so(shared):
    operator, cameras, convention, provider_chief = shared
    api = api_for(operator)
    session = create(api, cameras[:1]).json()["sessions"][0]
    services.convention_suspend(actor=provider_chief, convention=convention, reason="Retention dispute")
    answer = api.post(reverse("livesession-renew", args=[session["id"]]), {}, format="json")
    assert answer.status_code == 409 and answer.json()["end_reason"] == "revoked"


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"justification": "look"}, "justification"),
        ({"justification": ""}, "justification"),
        ({"purpose": "spying"}, "purpose"),
        ({"cameras": []}, "cameras"),
        ({"cameras": ["x"]}, "cameras"),
        ({"cameras": list(range(1, 11))}, "cameras"),
        ({"case_reference": "x" * 101}, "case_reference"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(shared, changes, field):
    operator, cameras, *_ = shared
    body = {"cameras": [cameras[0].pk], "purpose": Purpose.PUBLIC_ORDER, "justification": WHY, **changes}
    response = api_for(operator).post(LIST, body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not LiveSession.objects.exists()


def test_a_camera_not_shared_with_you_is_as_unknown_as_a_missing_one(shared):
    operator, cameras, *_ = shared
    stranger = CameraFactory()
    response = create(api_for(operator), [stranger])
    assert response.status_code == 400
    assert response.json() == {"cameras": [f"No camera you may see has the id {stranger.pk}."]}
    duplicate = create(api_for(operator), [cameras[0], cameras[0]])
    assert duplicate.status_code == 400 and "only once" in str(duplicate.json())


def test_malformed_json_is_a_400(shared):
    operator, *_ = shared
    response = api_for(operator).post(LIST, "{not json", content_type="application/json")
    assert response.status_code == 400


def test_the_chief_of_the_viewers_organisation_reads_and_ends_but_does_not_renew(shared):
    operator, cameras, *_ = shared
    session = create(api_for(operator), cameras[:1]).json()["sessions"][0]
    chief = chief_of(operator.organisation).memberships[0]
    api = api_for(chief)
    assert [s["id"] for s in api.get(LIST).json()["results"]] == [session["id"]]
    assert api.post(reverse("livesession-renew", args=[session["id"]]), {}, format="json").status_code == 403
    ended = api.post(reverse("livesession-end", args=[session["id"]]))
    assert ended.status_code == 200 and ended.json()["end_reason"] == "stopped"
    entry = AccessLogEntry.objects.get(action=AccessAction.SESSION_END)
    assert entry.actor_id == chief.user.pk


def test_a_colleague_and_the_camera_owner_get_404(shared):
    operator, cameras, convention, provider_chief = shared
    session = create(api_for(operator), cameras[:1]).json()["sessions"][0]
    colleague = api_for(MembershipFactory(organisation=operator.organisation, role="operator"))
    owner = api_for(provider_chief.memberships[0])
    for api in (colleague, owner):
        assert api.get(reverse("livesession-detail", args=[session["id"]])).status_code == 404
        assert api.post(reverse("livesession-renew", args=[session["id"]]), {}, format="json").status_code == 404
        assert api.post(reverse("livesession-end", args=[session["id"]])).status_code == 404
        assert api.get(LIST).json()["results"] == []
