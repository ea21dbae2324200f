"""In a real Chromium: a DPO signs in with password and authenticator code, then reads the dashboard in Dutch."""

from pathlib import Path

import pytest
from django.utils.translation import gettext, override
from playwright.sync_api import expect

from tests.factories import PASSWORD, OrganisationFactory, totp_code

SCREENSHOT = Path(__file__).resolve().parents[2] / "data" / "browser-dashboard-nl.png"


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _dutch(message):
    with override("nl"):
        return gettext(message)


@pytest.mark.browser
def test_dpo_signs_in_and_reads_the_dashboard_in_dutch(live_server, transactional_db, person, page):
    organisation = OrganisationFactory(name_fr="Zone Test FR", name_nl="Zone Test NL")
    membership = person(organisation, role="dpo")
    user = membership.user

    # Step 1: username and password.
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()

    # Step 2: the code from the authenticator app.
    code_field = page.get_by_label("Code from your authenticator app")
    expect(code_field).to_be_visible()
    code_field.fill(totp_code(user.totp_device))
    page.get_by_role("button", name="Sign in").click()

    # The dashboard, in English, with the DPO card.
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    expect(page.locator('[data-role="dpo"]')).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # Switch to Dutch with the language form of the top bar.
    page.get_by_label("Language").select_option("nl")
    page.get_by_role("button", name="Change").click()

    expect(page.locator('html[lang="nl"]')).to_have_count(1)
    expect(page.locator("main")).to_contain_text("Zone Test NL")
    expect(page.locator("main")).not_to_contain_text("Zone Test FR")
    expect(page.locator("h1")).to_have_text(_dutch("Dashboard"))
    dpo_card = page.locator('[data-role="dpo"]')
    expect(dpo_card).to_be_visible()
    expect(dpo_card.get_by_role("heading", level=3)).to_have_text(_dutch("Data protection officer: access log"))

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
