"""In a real Chromium: two chiefs negotiate a convention in the UI, the consumer's operator sees the shared cameras,
and a suspension by the provider hides them at once."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, CameraFactory, CameraGroupFactory, OrganisationFactory, totp_code


@pytest.fixture
def open_page(browser):
    """open_page(): a page in a browser context of its own (its own cookies: one person each)."""
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


def sign_in(page, base_url, user):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Code from your authenticator app").fill(totp_code(user.totp_device))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()


@pytest.mark.browser
def test_chiefs_sign_a_convention_and_a_suspension_hides_the_shared_cameras(
    live_server, transactional_db, person, open_page
):
    provider, consumer = OrganisationFactory(), OrganisationFactory()
    provider_chief = person(provider, role="chief")
    consumer_chief = person(consumer, role="chief")
    operator = person(consumer, role="operator")
    group = CameraGroupFactory(owner=provider, name="Gare du Nord")
    shared = [CameraFactory(owner=provider, name=f"Nord quai {i}") for i in range(3)]
    group.cameras.add(*shared)
    CameraFactory(owner=provider, name="Maison communale")
    base = live_server.url

    # The provider's chief drafts: parties, purposes, a mode, the legal basis and one camera group.
    chief = open_page()
    sign_in(chief, base, provider_chief.user)
    chief.get_by_role("link", name="Conventions", exact=True).click()
    chief.get_by_role("link", name="New convention").click()
    chief.get_by_label("Title", exact=True).fill("Gare du Nord partagée")
    chief.get_by_label("Consumer", exact=True).select_option(str(consumer.pk))
    chief.get_by_label("Public order and events").check()
    chief.get_by_label("Live", exact=True).check()
    chief.get_by_label("Legal basis", exact=True).fill("Loi sur la fonction de police, art. 25/4.")
    chief.get_by_label("Gare du Nord").check()
    chief.get_by_role("button", name="Preview").click()

    # The preview counts with the saved draft; the picker's live count follows the ticks before saving.
    preview = chief.locator("#scope-preview")
    expect(preview).to_contain_text("3 cameras covered")
    expect(preview).not_to_contain_text("Maison communale")
    chief.locator("#scope-kinds").get_by_label(re.compile(r"^PTZ")).check()
    expect(chief.locator("#scope-live-count")).to_contain_text("0 cameras covered")
    chief.locator("#scope-kinds").get_by_label(re.compile(r"^PTZ")).uncheck()
    expect(chief.locator("#scope-live-count")).to_contain_text("3 cameras covered")
    chief.get_by_role("button", name="Save draft").click()

    # Review, propose, sign (the second factor of the sign-in is fresh: no step-up needed yet).
    expect(chief.locator("[data-scope-count]")).to_have_attribute("data-scope-count", "3")
    chief.get_by_role("button", name="Propose").click()
    expect(chief.locator("[data-document-hash]")).to_be_visible()
    chief.get_by_role("button", name="Sign this version").click()
    expect(chief.locator("[data-state]")).to_have_attribute("data-state", "awaiting_consumer")
    review_url = chief.url

    # The consumer's chief finds it waiting and counter-signs: the convention is active.
    counterpart = open_page()
    sign_in(counterpart, base, consumer_chief.user)
    counterpart.goto(f"{base}/conventions/")
    row = counterpart.locator("tr", has_text="Gare du Nord partagée")
    expect(row).to_contain_text("Your signature is awaited")
    row.get_by_role("link").first.click()
    counterpart.get_by_role("button", name="Sign this version").click()
    expect(counterpart.locator("[data-state]")).to_have_attribute("data-state", "active")
    expect(counterpart.locator("[data-signature]")).to_have_count(2)

    # The consumer's operator now sees the shared cameras in the catalogue, and only those.
    watcher = open_page()
    sign_in(watcher, base, operator.user)
    watcher.goto(f"{base}/cameras/")
    for camera in shared:
        expect(watcher.get_by_role("link", name=camera.name)).to_be_visible()
    expect(watcher.get_by_role("link", name="Maison communale")).to_have_count(0)

    # The provider's chief suspends it with a reason; the operator's next look shows nothing shared.
    chief.goto(review_url)
    chief.get_by_label("Reason for suspending").fill("Désaccord sur la conservation")
    chief.get_by_role("button", name="Suspend").click()
    expect(chief.locator("[data-state]")).to_have_attribute("data-state", "suspended")
    expect(chief.locator("main")).to_contain_text("Désaccord sur la conservation")
    watcher.reload()
    expect(watcher.get_by_role("link", name=shared[0].name)).to_have_count(0)
    expect(watcher.locator("main")).to_contain_text("No camera matches")
