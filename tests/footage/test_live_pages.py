"""Live viewing pages: choosing cameras with the decision shown first, starting through the form, the watch page
(tokens kept server-side, never in a page address), the heartbeat, stopping, refusals in plain words, the owner's
view of who watches its cameras, and notifications."""

import re

import pytest
from django.urls import reverse

from conventions import services
from conventions.models import Purpose
from footage import live
from footage.models import LiveSession
from footage.views.live import TOKENS_SESSION_KEY
from tests.factories import CameraFactory
from zones.models import Notification
from zones.tenancy import actor_for

pytestmark = pytest.mark.django_db
WHY = "Large gathering at the station entrance, checking crowd flow"


@pytest.fixture
def shared(parties, make_convention, person):
    """An operator of the consumer (a person who can sign in), two shared cameras of the provider, the convention."""
    provider, consumer, provider_chief, consumer_chief = parties
    cameras = [CameraFactory(owner=provider, name="Gare du Midi entrance"), CameraFactory(owner=provider)]
    convention = make_convention(provider_chief, consumer, cameras=cameras)
    operator = person(consumer, "operator")
    return operator, cameras, convention, provider_chief


def start_data(cameras, **values):
    return {
        "action": "start",
        "layout": "1" if len(cameras) == 1 else "4",
        "cameras": [c.pk for c in cameras],
        "purpose": Purpose.PUBLIC_ORDER,
        "justification": WHY,
        "case_reference": "",
        **values,
    }


def test_the_start_page_shows_what_the_decision_says_for_each_chosen_camera(shared, signed_in):
    operator, cameras, convention, _chief = shared
    client = signed_in(operator)
    not_shared = CameraFactory(owner=cameras[0].owner)
    page = client.get(reverse("live:start"), {"camera": [cameras[0].pk, not_shared.pk], "purpose": "public_order"})
    assert page.status_code == 200
    text = page.content.decode()
    assert f"allowed under convention {convention.reference}, version 1" in text
    assert not_shared.name not in text  # a camera that is not shared is not offered at all
    refused = client.get(reverse("live:preview"), {"cameras": [cameras[0].pk], "purpose": Purpose.CRISIS}).json()
    assert refused["results"][0]["allowed"] is False
    assert refused["results"][0]["text"] == "not allowed: the purpose is not in the convention"


def test_the_camera_search_finds_shared_and_own_cameras_only(shared, signed_in):
    operator, cameras, *_ = shared
    own = CameraFactory(owner=operator.organisation, name="Own entrance hall")
    CameraFactory(name="Stranger entrance")  # another owner, nothing shared
    client = signed_in(operator)
    found = client.get(reverse("live:camera_search"), {"q": "entrance"}).json()["results"]
    assert {r["id"] for r in found} == {cameras[0].pk, own.pk}
    page = client.post(reverse("live:start"), {"action": "search", "q": "entrance"}).content.decode()
    assert "Own entrance hall" in page and "Stranger entrance" not in page


def test_an_operator_starts_watches_renews_and_stops_through_the_pages(shared, signed_in):
    operator, cameras, convention, provider_chief = shared
    client = signed_in(operator)
    response = client.post(reverse("live:start"), start_data(cameras[:1], case_reference="PV 12/345"))
    session = LiveSession.objects.get()
    assert response.status_code == 302 and response.url == reverse("live:watch", args=[session.pk])
    token = client.session[TOKENS_SESSION_KEY][str(session.pk)]
    assert token not in response.url
    assert (session.purpose, session.justification, session.case_reference) == ("public_order", WHY, "PV 12/345")

    page = client.get(response.url)
    assert page.status_code == 200 and page["Cache-Control"].startswith("max-age=0")
    text = page.content.decode()
    assert f'data-playlist="/gateway/relay/{token}/index.m3u8"' in text
    assert "Gare du Midi entrance" in text and cameras[0].owner.name in text
    assert "Public order and events" in text and WHY in text
    assert 'src="/static/vendor/hls.min.js"' in text and "<script>" not in text
    assert "Session time left" in text and "Key valid" not in text  # the session's end, not an internal key's
    assert client.get(response.url).content.decode().count(token) == 1  # a reload still plays

    renewed = client.post(reverse("live:renew", args=[session.pk]))
    assert renewed.status_code == 200 and renewed.json()["open"] is True
    assert 0 < renewed.json()["expires_in"] <= 60 and renewed.json()["max_in"] > 60

    stopped = client.post(reverse("live:end", args=[session.pk]))
    assert stopped.status_code == 302 and stopped.url == reverse("live:start")
    session.refresh_from_db()
    assert session.end_reason == LiveSession.EndReason.STOPPED
    assert str(session.pk) not in client.session[TOKENS_SESSION_KEY]
    after = client.post(reverse("live:renew", args=[session.pk]))
    assert after.status_code == 409 and after.json()["message"] == "Access has ended: stopped by the viewer."


def test_a_wall_shares_one_purpose_and_stops_at_once(shared, signed_in):
    operator, cameras, *_ = shared
    client = signed_in(operator)
    response = client.post(reverse("live:start"), start_data(cameras))
    sessions = list(LiveSession.objects.order_by("pk"))
    assert len(sessions) == 2 and sessions[0].wall and sessions[0].wall == sessions[1].wall
    assert response.url == reverse("live:wall", args=[sessions[0].wall])
    text = client.get(response.url).content.decode()
    assert text.count("data-playlist=") == 2 and "live-wall-4" in text
    client.post(reverse("live:wall_end", args=[sessions[0].wall]))
    assert not LiveSession.objects.filter(ended_at__isnull=True).exists()


def test_a_suspension_ends_the_session_and_the_heartbeat_says_why(shared, signed_in):
    operator, cameras, convention, provider_chief = shared
    client = signed_in(operator)
    client.post(reverse("live:start"), start_data(cameras[:1]))
    session = LiveSession.objects.get()
    services.convention_suspend(actor=provider_chief, convention=convention, reason="Retention dispute")
    answer = client.post(reverse("live:renew", args=[session.pk]))
    assert answer.status_code == 409
    assert answer.json() == {"open": False, "message": "Access has ended: access withdrawn.", "reason": "revoked"}
    page = client.get(reverse("live:watch", args=[session.pk])).content.decode()
    assert "Access has ended: access withdrawn." in page and "data-playlist" not in page


def test_a_refused_camera_is_explained_in_plain_words_and_nothing_starts(shared, signed_in):
    operator, cameras, convention, provider_chief = shared
    client = signed_in(operator)
    response = client.post(reverse("live:start"), start_data(cameras[:1], purpose=Purpose.CRISIS))
    assert response.status_code == 403
    text = response.content.decode()
    assert "Nothing was started" in text and "the purpose is not in the convention" in text
    # Once suspended, the camera is no longer offered at all.
    services.convention_suspend(actor=provider_chief, convention=convention, reason="Retention dispute")
    response = client.post(reverse("live:start"), start_data(cameras[:1]))
    assert response.status_code == 400 and "not one you may watch" in response.content.decode()
    assert not LiveSession.objects.exists()


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"justification": "look"}, "Say in a sentence why you need to watch"),
        ({"purpose": ""}, "This field is required."),
        ({"purpose": "spying"}, "Select a valid choice."),
        ({"cameras": []}, "Choose at least one camera."),
        ({"cameras": ["x"]}, "is not a valid value"),
        ({"layout": "7"}, "Select a valid choice."),
        ({"layout": "1", "two": True}, "choose a wall of 4 or 9"),
        ({"case_reference": "x" * 101}, "at most 100 characters"),
    ],
)
def test_bad_input_is_a_clear_message_never_a_500(shared, signed_in, changes, message):
    operator, cameras, *_ = shared
    client = signed_in(operator)
    data = start_data(cameras[:1])
    if changes.pop("two", False):
        data["cameras"] = [c.pk for c in cameras]
    data.update(changes)
    response = client.post(reverse("live:start"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not LiveSession.objects.exists()


def test_a_camera_of_an_unrelated_owner_is_refused_by_the_form(shared, signed_in):
    operator, cameras, *_ = shared
    stranger = CameraFactory()
    response = signed_in(operator).post(reverse("live:start"), start_data([stranger]))
    assert response.status_code == 400 and "not one you may watch" in response.content.decode()


def test_someone_elses_session_is_a_404_on_every_page(shared, signed_in, person):
    operator, cameras, *_ = shared
    grant = live.sessions_start(
        actor=actor_for(operator.user, operator.organisation_id),
        cameras=cameras[:1],
        purpose=Purpose.PUBLIC_ORDER,
        justification=WHY,
    )[0]
    colleague = signed_in(person(operator.organisation, "operator"))
    assert colleague.get(reverse("live:watch", args=[grant.session.pk])).status_code == 404
    assert colleague.post(reverse("live:renew", args=[grant.session.pk])).status_code == 404
    assert colleague.post(reverse("live:end", args=[grant.session.pk])).status_code == 404
    grant.session.refresh_from_db()
    assert grant.session.ended_at is None


def test_the_owner_sees_who_watches_and_ends_it_and_the_dpo_only_reads(shared, signed_in, person, client):
    operator, cameras, convention, provider_chief = shared
    viewer = signed_in(operator)
    viewer.post(reverse("live:start"), start_data(cameras[:1]))
    session = LiveSession.objects.get()
    client.logout()

    dpo = signed_in(person(cameras[0].owner, "dpo"))
    text = dpo.get(reverse("live:on_my_cameras")).content.decode()
    assert str(operator.user) in text and WHY in text and convention.reference in text
    assert reverse("live:owner_end", args=[session.pk]) not in text
    assert dpo.post(reverse("live:owner_end", args=[session.pk])).status_code == 403
    client.logout()

    owner_operator = signed_in(person(cameras[0].owner, "operator"))
    page = owner_operator.get(reverse("live:on_my_cameras")).content.decode()
    assert reverse("live:owner_end", args=[session.pk]) in page
    response = owner_operator.post(reverse("live:owner_end", args=[session.pk]), follow=True)
    assert "no longer watches" in response.content.decode()
    session.refresh_from_db()
    assert session.end_reason == LiveSession.EndReason.ENDED_BY_OWNER
    client.logout()

    # The consumer's side does not see sessions on the provider's cameras, and the mayor has no such page.
    assert signed_in(person(operator.organisation, "chief")).get(reverse("live:on_my_cameras")).status_code == 200
    client.logout()
    assert signed_in(person(cameras[0].owner, "mayor")).get(reverse("live:on_my_cameras")).status_code == 403


def test_the_owner_chief_is_notified_and_reads_marks_and_follows_it(shared, signed_in, person, client):
    operator, cameras, convention, provider_chief = shared
    chief = person(cameras[0].owner, "chief")
    signed_in(operator).post(reverse("live:start"), start_data(cameras[:1]))
    client.logout()
    chief_client = signed_in(chief)
    page = chief_client.get(reverse("live:on_my_cameras")).content.decode()
    assert re.search(r"data-unread=\"1\"", page)  # the header counts it
    listing = chief_client.get(reverse("zones:notifications")).content.decode()
    notification = Notification.objects.get(recipient=chief.user)
    assert notification.subject in listing
    opened = chief_client.post(reverse("zones:notification_read", args=[notification.pk]), {"open": "1"})
    assert opened.status_code == 302 and opened.url == "/live/on-my-cameras/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert "data-unread" not in chief_client.get(reverse("zones:notifications")).content.decode()
    # Another person's notification is a 404.
    other = Notification.objects.exclude(recipient=chief.user).first()
    assert chief_client.post(reverse("zones:notification_read", args=[other.pk])).status_code == 404


def test_mark_all_read(shared, signed_in, person):
    chief = person(shared[1][0].owner, "chief")
    for index in range(3):
        Notification.objects.create(
            recipient=chief.user, organisation=chief.organisation, kind="x", subject=f"S{index}"
        )
    client = signed_in(chief)
    assert 'data-unread="3"' in client.get(reverse("zones:notifications")).content.decode()
    client.post(reverse("zones:notifications_read_all"))
    assert not Notification.objects.filter(recipient=chief.user, read_at__isnull=True).exists()


def test_the_navigation_offers_live_to_operators_and_not_to_mayors(person, signed_in, client):
    signed_in(person(role="operator"))
    assert reverse("live:start") in client.get(reverse("zones:dashboard")).content.decode()
    client.logout()
    signed_in(person(role="mayor"))
    assert reverse("live:start") not in client.get(reverse("zones:dashboard")).content.decode()


def test_break_glass_through_the_page_opens_an_incident_only_convention(parties, make_convention, person, signed_in):
    provider, consumer, provider_chief, _ = parties
    camera = CameraFactory(owner=provider)
    make_convention(provider_chief, consumer, cameras=[camera], time_condition="incident", emergency_allowed=True)
    client = signed_in(person(consumer, "operator"))
    refused = client.post(reverse("live:start"), start_data([camera]))
    assert refused.status_code == 403
    started = client.post(reverse("live:start"), start_data([camera], break_glass="on"))
    assert started.status_code == 302
    session = LiveSession.objects.get()
    assert session.break_glass
    assert Notification.objects.filter(kind="break_glass", recipient=provider_chief.user).exists()
