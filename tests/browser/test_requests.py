"""In a real Chromium, on real recorded footage and a real Celery worker: an operator asks another zone for
footage of its camera (the check answers before Submit is enabled), two approvers of the owner approve, the
operator prepares the evidence package and watches its progress, downloads it (it verifies), and the owner's DPO
finds every step in the request's history and in the access-log console."""

import shutil
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from audit.models import AccessAction, AccessLogEntry
from footage.models import EvidenceExport, FootageRequest
from media.evidence import verify_package
from tests.browser.test_convention_flow import sign_in
from tests.factories import CameraFactory, OrganisationFactory
from tests.support.celery_worker import start_celery, worker_args
from tests.support.recordings import record_segments
from zones.tenancy import actor_for

WHY = "Handbag theft at the Midi tram stop, identifying the suspects"
LOCAL = "%Y-%m-%dT%H:%M:%S"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.celery_worker,
    pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg (make system-deps)"),
]


@pytest.fixture
def open_page(browser):
    contexts = []

    def make():
        context = browser.new_context(locale="en-GB", accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def export_worker(processes, celery_env, tmp_path, settings):
    """A real Celery worker on a queue of its own, seeing the same recordings and export folders as the portal."""
    settings.PORTAL_RECORDING_ROOT = tmp_path / "recordings"
    settings.PORTAL_EXPORT_ROOT = tmp_path / "exports"
    settings.PORTAL_EXPORT_QUEUE = celery_env["CELERY_TASK_DEFAULT_QUEUE"]
    celery_env.update(
        PORTAL_RECORDING_ROOT=str(settings.PORTAL_RECORDING_ROOT), PORTAL_EXPORT_ROOT=str(settings.PORTAL_EXPORT_ROOT)
    )
    started, folder = processes
    log = (folder / "worker.log").open("w")
    started.append(start_celery(worker_args(celery_env), celery_env, log))
    return folder / "worker.log"


def approve(page, base, user, reference, reason):
    sign_in(page, base, user)
    page.get_by_role("link", name="Footage requests", exact=True).click()
    page.get_by_role("link", name="To decide").click()
    page.get_by_role("link", name=reference).click()
    page.get_by_label("Reason for your decision").fill(reason)
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".messages")).to_be_visible()


def test_an_operator_gets_footage_of_another_zone_through_four_eyes_and_downloads_the_package(
    live_server,
    transactional_db,
    person,
    make_convention,
    open_page,
    export_worker,
    settings,
    tmp_path,  # noqa: F811
):
    provider, consumer = OrganisationFactory(), OrganisationFactory()
    chief = person(provider, role="chief")
    approvers = [person(provider, role="approver"), person(provider, role="approver")]
    dpo = person(provider, role="dpo")
    operator = person(consumer, role="operator")
    camera = CameraFactory(owner=provider, name="Midi tram stop", legal_regime="police")
    convention = make_convention(actor_for(chief.user, provider.pk), consumer, cameras=[camera], four_eyes_export=True)
    # Seconds that are not zero, so that the browser's date-time field keeps them as typed.
    recorded_from = (timezone.now() - timedelta(days=1)).replace(second=17, microsecond=0)
    record_segments(camera, settings.PORTAL_RECORDING_ROOT, recorded_from, count=3, seconds=4)
    window_start, window_end = recorded_from + timedelta(seconds=1), recorded_from + timedelta(seconds=9)
    base = live_server.url

    # The operator asks; the check answers for the camera before Submit is enabled.
    page = open_page()
    sign_in(page, base, operator.user)
    page.get_by_role("link", name="Footage requests", exact=True).click()
    page.get_by_role("link", name="New request").click()
    page.get_by_label("Search the cameras other organisations share with yours").fill("Midi")
    page.get_by_role("button", name="Search").click()
    page.get_by_label("Midi tram stop").check()
    page.get_by_label("Footage from").fill(timezone.localtime(window_start).strftime(LOCAL))
    page.get_by_label("Footage until").fill(timezone.localtime(window_end).strftime(LOCAL))
    page.get_by_label("Evidence package (export)").check()
    page.get_by_label("Purpose", exact=True).select_option("criminal_investigation")
    page.get_by_label("Justification", exact=True).fill(WHY)
    page.get_by_label("Case reference", exact=True).fill("PV 2026/7788")
    submit = page.get_by_role("button", name="Submit the request")
    expect(page.locator("#decision-list")).to_contain_text(
        f"allowed under convention {convention.reference}, version 1"
    )
    expect(page.locator("#four-eyes-note")).to_be_visible()
    expect(submit).to_be_enabled()
    submit.click()
    expect(page.locator(".messages")).to_contain_text("sent to")
    item = FootageRequest.objects.get()
    assert (item.window_start, item.window_end) == (window_start, window_end)
    expect(page.locator("#request-status")).to_have_text("Waiting for approval")

    # Two approvers of the owner, each in a browser of their own.
    approve(open_page(), base, approvers[0].user, item.reference, "Proportionate: the theft is on record")
    second = open_page()
    approve(second, base, approvers[1].user, item.reference, "Agreed, the case is opened")
    expect(second.locator("#request-status")).to_have_text("Approved")

    # The operator prepares the package and follows its progress on the page (no reload) until it is ready.
    page.reload()
    expect(page.locator("#request-status")).to_have_text("Approved")
    page.get_by_role("button", name="Prepare the evidence package").click()
    panel = page.locator(".export")
    expect(panel.locator("progress")).to_be_visible()
    expect(panel).to_have_attribute("data-done", "false")
    try:
        expect(panel.locator("[data-export-status]")).to_have_text("Ready to download", timeout=90_000)
    except AssertionError:
        pytest.fail(f"The export did not finish; the worker said:\n{export_worker.read_text()[-3000:]}")
    expect(panel.locator("[data-export-percent]")).to_have_text("100 %")
    expect(panel).to_have_attribute("data-done", "true")
    export = EvidenceExport.objects.get()
    assert export.status == EvidenceExport.Status.READY and export.attempts == 1

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the evidence package").click()
    download = download_info.value
    assert download.suggested_filename == f"{item.reference}.zip"
    package = tmp_path / "package.zip"
    download.save_as(package)
    report = verify_package(package)
    assert report.ok, report.problems
    assert report.manifest["request"] == item.reference and len(report.manifest["approvers"]) == 2

    # The owner's DPO sees every step: on the request, and in the access log.
    reader = open_page()
    sign_in(reader, base, dpo.user)
    reader.goto(f"{base}/requests/{item.pk}/")
    history = reader.locator("#history")
    for text in ("Submitted by", "Approved by", "Request approved", "Evidence package asked for",
                 "Evidence package ready"):  # fmt: skip
        expect(history).to_contain_text(text)
    expect(reader.get_by_role("button", name="Download the evidence package")).to_have_count(0)
    reader.get_by_role("link", name="Access log").click()
    log_table = reader.locator("table.access-log")
    for reason in ("(approval_1_of_2)", "(approved)", "(export_download)"):
        expect(log_table).to_contain_text(reason)
    expect(log_table).to_contain_text("Midi tram stop")
    actions = set(AccessLogEntry.objects.filter(controller_code=provider.code).values_list("action", flat=True))
    assert {AccessAction.APPROVAL, AccessAction.DISCLOSURE} <= actions
