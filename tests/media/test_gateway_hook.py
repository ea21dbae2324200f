"""The media gateway hook at POST /gateway/auth, fed the requests MediaMTX (authMethod: http) sends: every key,
`userAgent` of newer versions, `id` null where MediaMTX has none. 2xx allows, 401 asks for credentials, 403
refuses, a malformed request is a 400 and never a 500."""

import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conventions import services
from conventions.models import Purpose
from footage import live
from footage.models import GatewayConnection, LiveSession
from media import gates, gateway
from tests.factories import CameraFactory, MembershipFactory
from tests.support.mediamtx_api import hook_request, post_hook, reset_gate_cache
from zones.tenancy import actor_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_server")]
WHY = "Large gathering at the station entrance, checking crowd flow"


@pytest.fixture(autouse=True)
def _fresh_caches():
    reset_gate_cache()
    yield
    reset_gate_cache()


@pytest.fixture
def shared(parties, make_convention):
    """A shared camera, the convention that shares it, and a live session of the consumer's operator on it."""
    provider, consumer, provider_chief, _consumer_chief = parties
    camera = CameraFactory(owner=provider)
    convention = make_convention(provider_chief, consumer, cameras=[camera])
    operator = actor_for(MembershipFactory(organisation=consumer, role="operator").user, consumer.pk)
    grant = live.sessions_start(actor=operator, cameras=[camera], purpose=Purpose.PUBLIC_ORDER, justification=WHY)[0]
    return grant, camera, convention, provider_chief


def path_of(camera):
    return f"cam/{camera.pk}"


# --- Valid tokens, wherever MediaMTX puts them ------------------------------------------------------------------


def test_a_valid_token_in_the_token_field_is_allowed(client, shared):
    grant, camera, *_ = shared
    response = post_hook(client, hook_request(token=grant.token, path=path_of(camera), protocol="hls"))
    assert response.status_code == 200
    assert response.json() == {"allowed": True, "reason": "ok", "session": grant.session.pk}


def test_a_valid_token_in_the_query_string_is_allowed(client, shared):
    grant, camera, *_ = shared
    body = hook_request(path=path_of(camera), query=f"token={grant.token}&x=y", protocol="rtsp")
    assert post_hook(client, body).status_code == 200


def test_a_valid_token_as_the_password_is_allowed(client, shared):
    grant, camera, *_ = shared
    body = hook_request(user="viewer", password=grant.token, path=path_of(camera), protocol="rtsp")
    assert post_hook(client, body).status_code == 200


def test_a_path_with_slashes_around_it_names_the_camera(client, shared):
    grant, camera, *_ = shared
    assert post_hook(client, hook_request(token=grant.token, path=f"/cam/{camera.pk}/")).status_code == 200


# --- Refusals ---------------------------------------------------------------------------------------------------


def test_rtsp_first_comes_without_credentials_and_is_asked_for_them(client, shared):
    _grant, camera, *_ = shared
    response = post_hook(client, hook_request(path=path_of(camera), protocol="rtsp", id=str(uuid.uuid4())))
    assert response.status_code == 401


def test_an_unknown_token_is_refused(client, shared):
    _grant, camera, *_ = shared
    response = post_hook(client, hook_request(token="x" * 43, path=path_of(camera)))
    assert response.status_code == 401 and response.json()["allowed"] is False


def test_an_expired_token_is_refused(client, shared):
    grant, camera, *_ = shared
    LiveSession.objects.filter(pk=grant.session.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = post_hook(client, hook_request(token=grant.token, path=path_of(camera)))
    assert response.status_code == 403 and response.json()["reason"] == "session_expired"


def _lapse_in_cache(grant):
    digest = grant.session.token_digest
    stamp, answer = live._cache[digest]
    live._cache[digest] = (stamp, live.GateAnswer(**{**answer.__dict__, "expires_at": timezone.now()}))


def test_a_token_lapsing_while_cached_is_refused_at_once(client, shared):
    grant, camera, *_ = shared
    assert post_hook(client, hook_request(token=grant.token, path=path_of(camera))).status_code == 200
    LiveSession.objects.filter(pk=grant.session.pk).update(expires_at=timezone.now())
    _lapse_in_cache(grant)
    response = post_hook(client, hook_request(token=grant.token, path=path_of(camera)))
    assert response.status_code == 403 and response.json()["reason"] == "session_expired"


def test_a_renewal_made_in_another_process_is_honoured_when_the_cached_expiry_passes(client, shared):
    grant, camera, *_ = shared
    assert post_hook(client, hook_request(token=grant.token, path=path_of(camera))).status_code == 200
    _lapse_in_cache(grant)  # this process still holds the old expiry; the database has the renewed one
    assert post_hook(client, hook_request(token=grant.token, path=path_of(camera))).status_code == 200


def test_another_camera_is_refused(client, shared):
    grant, camera, *_ = shared
    other = CameraFactory(owner=camera.owner)
    response = post_hook(client, hook_request(token=grant.token, path=path_of(other)))
    assert response.status_code == 403 and response.json()["reason"] == "wrong_camera"


@pytest.mark.parametrize("path", ["", "cam/", "cam/abc", "other/1", "cam/1/extra", "cam/\u0661\u0662", "cam/1\n"])
def test_a_path_that_names_no_camera_is_refused(client, shared, path):
    grant, *_ = shared
    response = post_hook(client, hook_request(token=grant.token, path=path))
    assert response.status_code == 403 and response.json()["reason"] == "unknown_path"


@pytest.mark.parametrize("action", ["publish", "metrics", "pprof", "api", "something_new"])
def test_actions_other_than_viewing_are_refused_even_with_a_valid_token(client, shared, action):
    grant, camera, *_ = shared
    body = hook_request(action=action, token=grant.token, password=grant.token, path=path_of(camera))
    response = post_hook(client, body)
    assert response.status_code == 403 and response.json()["allowed"] is False


def test_recorded_footage_is_refused_when_no_gate_for_it_is_registered(client, shared, monkeypatch):
    grant, camera, *_ = shared
    monkeypatch.delitem(gates._GATES, "playback", raising=False)  # the footage app registers one
    response = post_hook(client, hook_request(action="playback", token=grant.token, path=path_of(camera)))
    assert response.status_code == 403 and response.json()["reason"] == "playback_not_granted"


def test_a_registered_playback_gate_answers_playback(client, shared, monkeypatch):
    grant, camera, *_ = shared
    asked = []

    def footage_gate(*, token, camera_id, action):
        asked.append((token, camera_id, action))
        return live.GateAnswer(True, 200, "ok", grant.session.pk, camera_id)

    monkeypatch.setitem(gates._GATES, "playback", gates.Gate(check=footage_gate))
    response = post_hook(client, hook_request(action="playback", token=grant.token, path=path_of(camera)))
    assert response.status_code == 200 and asked == [(grant.token, camera.pk, "playback")]


def test_a_suspended_convention_is_refused(client, shared):
    grant, camera, convention, provider_chief = shared
    services.convention_suspend(actor=provider_chief, convention=convention, reason="Investigating a misuse")
    response = post_hook(client, hook_request(token=grant.token, path=path_of(camera)))
    assert response.status_code == 403 and response.json()["reason"] == "session_revoked"


def test_only_the_portal_s_own_credentials_may_use_the_gateway_api(client, shared, settings):
    settings.PORTAL_MEDIAMTX_API_USER, settings.PORTAL_MEDIAMTX_API_PASSWORD = "portal", "s3cret-control"
    api = {"action": "api", "path": "", "protocol": "", "id": None}
    assert post_hook(client, hook_request(**api, user="portal", password="s3cret-control")).status_code == 200
    assert post_hook(client, hook_request(**api, user="portal", password="guess")).status_code == 403
    assert post_hook(client, hook_request(**api, user="other", password="s3cret-control")).status_code == 403
    assert post_hook(client, hook_request(**api)).status_code == 401
    settings.PORTAL_MEDIAMTX_API_USER = settings.PORTAL_MEDIAMTX_API_PASSWORD = ""
    assert post_hook(client, hook_request(**api, user="", password="")).status_code == 401


def test_callers_other_than_the_gateway_are_refused_when_addresses_are_set(client, shared, settings):
    grant, camera, *_ = shared
    settings.PORTAL_GATEWAY_ADDRESSES = ["10.9.9.9"]
    response = post_hook(client, hook_request(token=grant.token, path=path_of(camera)))
    assert response.status_code == 403 and response.json()["reason"] == "caller_not_a_gateway"
    settings.PORTAL_GATEWAY_ADDRESSES = ["127.0.0.1"]
    assert post_hook(client, hook_request(token=grant.token, path=path_of(camera))).status_code == 200


def test_only_post_is_answered(client):
    assert client.get("/gateway/auth").status_code == 405


# --- Malformed requests: 400, never 500 -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"", b"{", b"not json", b"\xff\xfe\x00", b'{"action": "read", "path": "cam/1"', "[" * 100_000, b"x" * 70_000],
)
def test_a_body_that_is_not_json_is_a_400(client, body):
    assert post_hook(client, body).status_code == 400


@pytest.mark.parametrize("value", [[], [1, 2], "read", 12, 1.5, True, None])
def test_json_that_is_not_an_object_is_a_400(client, value):
    assert post_hook(client, json.dumps(value)).status_code == 400


@pytest.mark.parametrize("missing", ["action", "path"])
def test_missing_fields_are_a_400(client, shared, missing):
    grant, camera, *_ = shared
    body = hook_request(token=grant.token, path=path_of(camera))
    del body[missing]
    response = post_hook(client, body)
    assert response.status_code == 400 and missing in response.json()["reason"]


@pytest.mark.parametrize("field", ["user", "password", "token", "ip", "action", "path", "protocol", "id", "query",
                                   "userAgent"])  # fmt: skip
@pytest.mark.parametrize("value", [12, 1.5, True, ["cam/1"], {"a": 1}])
def test_fields_of_the_wrong_type_are_a_400(client, shared, field, value):
    grant, camera, *_ = shared
    body = {**hook_request(token=grant.token, path=path_of(camera)), field: value}
    response = post_hook(client, body)
    assert response.status_code == 400 and field in response.json()["reason"]


@pytest.mark.parametrize("field", ["action", "path"])
def test_a_null_action_or_path_is_a_400(client, field):
    assert post_hook(client, hook_request(**{field: None})).status_code == 400


def test_null_optional_fields_are_what_mediamtx_sends_and_are_accepted(client, shared):
    grant, camera, *_ = shared
    body = hook_request(token=grant.token, path=path_of(camera), id=None, user=None, query=None, userAgent=None)
    assert post_hook(client, body).status_code == 200


def test_unknown_extra_fields_of_later_versions_are_ignored(client, shared):
    grant, camera, *_ = shared
    body = hook_request(token=grant.token, path=path_of(camera), somethingNew={"nested": [1, 2]})
    assert post_hook(client, body).status_code == 200


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


@pytest.fixture
def tokens(shared):
    grant, camera, *_ = shared
    return grant.token, camera


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=JSON)
def test_any_json_value_is_never_a_server_error(client, value):
    assert post_hook(client, json.dumps(value)).status_code < 500


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=200))
def test_any_body_is_never_a_server_error(client, body):
    assert post_hook(client, body).status_code < 500


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mediamtx_shaped_requests_with_any_values_are_never_a_server_error(client, tokens, data):
    token, camera = tokens
    strings = st.sampled_from([token, f"cam/{camera.pk}", "read", "playback", "api", f"token={token}", ""])
    value = st.one_of(strings, st.text(max_size=40), JSON)
    fields = data.draw(st.dictionaries(st.sampled_from(gateway.FIELDS), value, max_size=len(gateway.FIELDS)))
    response = post_hook(client, fields)
    assert response.status_code < 500
    assert response.status_code in (200, 400, 401, 403, 429)


# --- Fast answers, and the gateway's id remembered once ---------------------------------------------------------


def test_a_cached_token_costs_no_query_and_its_gateway_id_is_written_once(
    client, shared, django_assert_num_queries, django_assert_max_num_queries
):
    grant, camera, *_ = shared
    body = hook_request(token=grant.token, path=path_of(camera), protocol="hls", id=str(uuid.uuid4()))
    with django_assert_max_num_queries(8):  # first sight of the token: the session, the person, the policy
        assert post_hook(client, body).status_code == 200
    with django_assert_num_queries(0):
        for _ in range(5):
            assert post_hook(client, body).status_code == 200
    remembered = GatewayConnection.objects.get()
    assert (remembered.session_id, remembered.gateway_id, remembered.protocol) == (
        grant.session.pk, body["id"], "hls"
    )  # fmt: skip


def test_a_refusal_is_cached_too(client, shared, django_assert_num_queries):
    _grant, camera, *_ = shared
    body = hook_request(token="y" * 43, path=path_of(camera))
    assert post_hook(client, body).status_code == 401
    with django_assert_num_queries(0):
        assert post_hook(client, body).status_code == 401


def test_each_gateway_connection_of_a_session_is_remembered(client, shared):
    grant, camera, *_ = shared
    describe, play = str(uuid.uuid4()), str(uuid.uuid4())  # RTSP: the connection's id, then the session's
    for gateway_id in (describe, play, play, "not-a-uuid"):
        body = hook_request(token=grant.token, path=path_of(camera), protocol="rtsp", id=gateway_id)
        assert post_hook(client, body).status_code == 200
    assert set(GatewayConnection.objects.values_list("gateway_id", flat=True)) == {describe, play}


def test_a_refused_request_remembers_nothing(client, shared):
    grant, camera, *_ = shared
    other = CameraFactory(owner=camera.owner)
    post_hook(client, hook_request(token=grant.token, path=path_of(other), id=str(uuid.uuid4())))
    assert not GatewayConnection.objects.exists()


def test_refusals_are_answers_not_logged_errors(client, shared, caplog):
    _grant, camera, *_ = shared
    with caplog.at_level("WARNING", logger="django.request"):
        post_hook(client, hook_request(token="z" * 43, path=path_of(camera)))
        post_hook(client, b"not json")
    assert not [r for r in caplog.records if r.name == "django.request"]
