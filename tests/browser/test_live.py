"""In a real Chromium with real video: an operator finds a shared camera, sees what the decision says, starts
watching; the video element plays (hls.js served by the portal, the built-in relay fed by a real RTSP test camera);
the owner suspends the convention and the player says the access has ended within seconds."""

import time
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from conventions import services
from demo.streams import RtspTestStream, missing_tools
from footage.models import LiveSession
from tests.browser.test_convention_flow import sign_in
from tests.factories import CameraFactory, OrganisationFactory
from tests.support.relay import running_relay, stream_camera
from zones.tenancy import actor_for

WHY = "Checking the crowd at the station entrance during the event"
HLS = Path(settings.BASE_DIR) / "static" / "vendor" / "hls.min.js"
# The issue allows 5 s for a cut to reach the stream; the player then needs a playlist reload (about one segment)
# and one question to the portal to say why.
ENDED_WITHIN_SECONDS = 8

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(bool(missing_tools()), reason="needs rtsp-server-perl and ffmpeg (make system-deps)"),
]


@pytest.fixture
def open_page(browser):
    contexts = []

    def make():
        context = browser.new_context(locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in contexts:
        context.close()


def current_time(page):
    return page.evaluate("() => document.querySelector('.live-tile video').currentTime")


def test_an_operator_watches_a_shared_camera_until_the_owner_suspends(
    live_server,
    transactional_db,
    person,
    make_convention,
    open_page,
    tmp_path,
):
    assert HLS.exists(), "hls.js is installed at set-up: run `make setup` (npm ci, copied to static/vendor)"
    provider, consumer = OrganisationFactory(), OrganisationFactory()
    provider_chief = person(provider, role="chief")
    operator = person(consumer, role="operator")
    chief_actor = actor_for(provider_chief.user, provider.pk)

    with RtspTestStream() as stream, running_relay(tmp_path / "relay", grace=2):
        camera = stream_camera(provider, stream, name="Gare du Midi entrance")
        convention = make_convention(chief_actor, consumer, cameras=[camera])

        page = open_page()
        sign_in(page, live_server.url, operator.user)
        page.get_by_role("link", name="Live", exact=True).click()
        page.get_by_label("Search your organisation's cameras").fill("Midi")
        page.get_by_role("button", name="Search").click()
        page.get_by_label("Gare du Midi entrance").check()
        page.get_by_label("Purpose", exact=True).select_option("public_order")
        expect(page.locator("#decision-list")).to_contain_text(
            f"allowed under convention {convention.reference}, version 1"
        )
        page.get_by_label("Justification", exact=True).fill(WHY)
        page.get_by_role("button", name="Start watching").click()

        # The watch page: camera, owner, purpose, time left; no token in its address.
        tile = page.locator(".live-tile")
        expect(tile).to_contain_text("Gare du Midi entrance")
        expect(tile).to_contain_text(provider.code)
        expect(page.locator(".purpose-banner")).to_contain_text("Public order and events")
        session = LiveSession.objects.get()
        assert page.url.endswith(f"/live/sessions/{session.pk}/")

        # It plays: the video element's clock advances.
        page.wait_for_function("() => document.querySelector('.live-tile video').currentTime > 1", timeout=30_000)
        before = current_time(page)
        page.wait_for_timeout(1500)
        assert current_time(page) > before

        # The owner suspends: the player says the access has ended, and stops.
        suspended_at = time.monotonic()
        services.convention_suspend(actor=chief_actor, convention=convention, reason="Retention dispute")
        expect(tile.locator("[data-state]")).to_contain_text("Access has ended", timeout=ENDED_WITHIN_SECONDS * 1000)
        assert time.monotonic() - suspended_at < ENDED_WITHIN_SECONDS
        expect(tile).to_have_attribute("data-ended", "true")
        frozen = current_time(page)
        page.wait_for_timeout(1500)
        assert current_time(page) == frozen
        session.refresh_from_db()
        assert session.end_reason == LiveSession.EndReason.REVOKED


def test_a_camera_that_cannot_be_relayed_shows_the_relays_message_and_keeps_trying(
    live_server,
    transactional_db,
    person,
    make_convention,
    open_page,
    tmp_path,  # noqa: F811 - fixture
):
    provider, consumer = OrganisationFactory(), OrganisationFactory()
    chief_actor = actor_for(person(provider, role="chief").user, provider.pk)
    operator = person(consumer, role="operator")
    camera = CameraFactory(owner=provider, name="Porte de Hal", rtsp_main_uri="")
    make_convention(chief_actor, consumer, cameras=[camera])

    with running_relay(tmp_path / "relay", grace=2):
        page = open_page()
        sign_in(page, live_server.url, operator.user)
        page.goto(f"{live_server.url}/live/?camera={camera.pk}&purpose=public_order")
        page.get_by_label("Justification", exact=True).fill(WHY)
        page.get_by_role("button", name="Start watching").click()
        state = page.locator(".live-tile [data-state]")
        expect(state).to_contain_text("no stream address", timeout=15_000)
        expect(state).to_contain_text("Trying again shortly.")
        expect(page.locator(".live-tile")).not_to_have_attribute("data-ended", "true")


def test_a_wall_of_two_cameras_plays_both_and_stops_at_once(
    live_server, transactional_db, person, make_convention, open_page, tmp_path
):
    provider, consumer = OrganisationFactory(), OrganisationFactory()
    chief_actor = actor_for(person(provider, role="chief").user, provider.pk)
    operator = person(consumer, role="operator")

    with RtspTestStream(paths=("cam1", "cam2")) as stream, running_relay(tmp_path / "relay", grace=2):
        cameras = [
            stream_camera(provider, stream, "cam1", name="Bourse north"),
            stream_camera(provider, stream, "cam2", name="Bourse south"),
        ]
        make_convention(chief_actor, consumer, cameras=cameras)
        page = open_page()
        sign_in(page, live_server.url, operator.user)
        page.goto(f"{live_server.url}/live/")
        page.get_by_label("Search your organisation's cameras").fill("Bourse")
        page.get_by_role("button", name="Search").click()
        page.get_by_label("Bourse north").check()
        page.get_by_label("Bourse south").check()
        expect(page.get_by_label("Wall of 4")).to_be_checked()  # the layout follows the cameras ticked
        page.get_by_label("Purpose", exact=True).select_option("public_order")
        page.get_by_label("Justification", exact=True).fill(WHY)
        page.get_by_role("button", name="Start watching").click()

        expect(page.locator(".live-tile")).to_have_count(2)
        page.wait_for_function(
            "() => [...document.querySelectorAll('.live-tile video')].every(v => v.currentTime > 1)", timeout=30_000
        )
        page.get_by_role("button", name="Stop watching all").click()
        expect(page.locator(".messages")).to_contain_text("Live viewing of 2 cameras stopped.")
        assert not LiveSession.objects.filter(ended_at__isnull=True).exists()
