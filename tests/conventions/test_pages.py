"""The convention pages: who sees what, the provider chief's editor and its scope picker, the review actions with
step-up signing, the history diff, the PDF and the published keys."""

import io
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time
from pypdf import PdfReader

from conventions import services, terms
from conventions.models import Convention, ConventionEvent, ConventionVersion, Purpose
from conventions.policy import convention_state
from tests.factories import CameraFactory, CameraGroupFactory, MunicipalityFactory, OrganisationFactory, totp_code
from zones.models import Organisation
from zones.tenancy import actor_for

pytestmark = pytest.mark.django_db


def at(seconds):
    return freeze_time(datetime.fromtimestamp(seconds, tz=UTC))


@pytest.fixture
def setting(person):
    """A provider zone and a consumer zone, their chiefs (with authenticators) and the provider's cameras."""

    provider, consumer = OrganisationFactory(), OrganisationFactory()
    group = CameraGroupFactory(owner=provider, name="Gare du Nord")
    grouped = [CameraFactory(owner=provider, name=f"North station {i}") for i in range(3)]
    group.cameras.add(*grouped)
    return SimpleNamespace(
        provider=provider,
        consumer=consumer,
        provider_chief=person(provider, role="chief"),
        consumer_chief=person(consumer, role="chief"),
        group=group,
        grouped=grouped,
        other=CameraFactory(owner=provider, name="Town hall"),
    )


def actor(membership):
    return actor_for(membership.user, membership.organisation_id)


def draft_data(setting, **overrides):
    data = {
        "title": "Nord station",
        "consumer": setting.consumer.pk,
        "purposes": ["public_order"],
        "modes": ["live", "playback"],
        "lookback_days": 30,
        "export_retention_days": 30,
        "time_condition": "always",
        "four_eyes_export": "on",
        "notify_owner_on_live": "on",
        "max_session_minutes": 60,
        "max_concurrent_viewers": 4,
        "emergency_max_hours": 4,
        "emergency_review_hours": 24,
        "legal_basis": "Loi sur la fonction de police, art. 25/4; Camera Law art. 9.",
        "valid_from": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "valid_until": "",
        "groups": [setting.group.pk],
        "action": "save",
    }
    data.update(overrides)
    return data


@pytest.fixture
def active(setting, make_convention):
    """An active convention sharing the provider's group with the consumer."""
    return make_convention(
        actor(setting.provider_chief),
        setting.consumer,
        consumer_chief=actor(setting.consumer_chief),
        groups=[setting.group],
        title="Gare du Nord",
    )


# --- Who sees what -----------------------------------------------------------------------------------------------


def test_provider_chief_lists_conventions_with_state_counterpart_and_a_new_link(setting, active, signed_in):
    client = signed_in(setting.provider_chief)
    page = client.get(reverse("conventions:list"))
    text = page.content.decode()
    assert page.status_code == 200
    assert active.reference in text and "state-active" in text
    assert setting.consumer.code in text
    assert reverse("conventions:create") in text
    assert reverse("conventions:version", args=[active.pk, 1]) in text  # the version in force


def test_consumer_operator_reads_the_convention_but_has_no_action(setting, active, person, signed_in):
    client = signed_in(person(setting.consumer, role="operator"))
    listing = client.get(reverse("conventions:list")).content.decode()
    assert active.reference in listing and reverse("conventions:create") not in listing
    page = client.get(reverse("conventions:detail", args=[active.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Gare du Nord" in text and "3 cameras covered today" in text
    assert 'id="h-actions"' not in text
    assert client.get(reverse("conventions:create")).status_code == 403


def test_mayor_of_the_provider_zone_reads_the_convention_read_only(setting, active, person, signed_in):
    municipality = MunicipalityFactory(zone=setting.provider)
    client = signed_in(person(setting.provider, role="mayor", municipality=municipality))
    assert active.reference in client.get(reverse("conventions:list")).content.decode()
    text = client.get(reverse("conventions:detail", args=[active.pk])).content.decode()
    assert "Suspend" not in text and 'id="h-actions"' not in text
    assert client.get(reverse("conventions:history", args=[active.pk])).status_code == 200
    reason = {"reason": "The mayor disagrees"}
    assert client.post(reverse("conventions:suspend", args=[active.pk]), reason).status_code == 403
    active.refresh_from_db()
    assert active.suspended_at is None


def test_supervisor_reads_every_convention(setting, active, person, signed_in):
    body = OrganisationFactory(kind=Organisation.Kind.SUPERVISOR)
    client = signed_in(person(body, role="supervisor"))
    assert active.reference in client.get(reverse("conventions:list")).content.decode()
    assert client.get(reverse("conventions:detail", args=[active.pk])).status_code == 200


def test_another_organisations_convention_is_a_404_everywhere(setting, active, person, signed_in):
    client = signed_in(person(OrganisationFactory(), role="chief"))
    assert active.reference not in client.get(reverse("conventions:list")).content.decode()
    pk = active.pk
    for name, args in [
        ("detail", [pk]), ("version", [pk, 1]), ("history", [pk]), ("pdf", [pk, 1]), ("document", [pk, 1]),
        ("edit", [pk, 1]), ("scope_count", [pk]),
    ]:  # fmt: skip
        assert client.get(reverse(f"conventions:{name}", args=args)).status_code == 404, name
    for name, args in [
        ("suspend", [pk]),
        ("terminate", [pk]),
        ("amend", [pk]),
        ("sign", [pk, 1]),
        ("propose", [pk, 1]),
    ]:
        assert client.post(reverse(f"conventions:{name}", args=args), {"reason": "Not mine"}).status_code == 404, name
    active.refresh_from_db()
    assert active.suspended_at is None and active.terminated_at is None


# --- The editor ----------------------------------------------------------------------------------------------------


def test_editor_shows_live_counts_per_group_municipality_and_kind(setting, signed_in):
    place = MunicipalityFactory(zone=setting.provider, name_fr="Schaerbeek")
    CameraFactory(owner=setting.provider, municipality=place, kind="ptz", name="Place Liedts")
    client = signed_in(setting.provider_chief)
    text = client.get(reverse("conventions:create")).content.decode()
    assert f'name="groups" value="{setting.group.pk}"' in text
    assert 'Gare du Nord <span class="count">(3 cameras)</span>' in text
    assert 'Schaerbeek <span class="count">(1 camera)</span>' in text
    assert 'PTZ <span class="count">(1 camera)</span>' in text
    assert "(judicial police)" in text
    consumers = text.split('id="id_consumer"')[1].split("</select>")[0]
    assert setting.consumer.code in consumers and setting.provider.code not in consumers


def test_chief_drafts_a_convention_choosing_a_group(setting, signed_in):
    client = signed_in(setting.provider_chief)
    response = client.post(reverse("conventions:create"), draft_data(setting))
    convention = Convention.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("conventions:version", args=[convention.pk, 1])
    version = convention.versions.get()
    assert list(version.groups.all()) == [setting.group]
    assert convention.consumer == setting.consumer and version.status == ConventionVersion.Status.DRAFT
    assert "Loi sur la fonction de police" in version.legal_basis


def test_preview_saves_the_draft_and_counts_with_the_scope_rule(setting, signed_in):
    client = signed_in(setting.provider_chief)
    response = client.post(reverse("conventions:create"), draft_data(setting, action="preview"))
    convention = Convention.objects.get()
    assert response["Location"].startswith(reverse("conventions:edit", args=[convention.pk, 1]))
    page = client.get(response["Location"]).content.decode()
    preview = page.split('id="scope-preview"')[1]
    assert "3 cameras covered" in preview and "North station 0" in preview and "Town hall" not in preview


def test_schedule_is_stored_as_days_and_times(setting, signed_in):
    client = signed_in(setting.provider_chief)
    data = draft_data(
        setting, time_condition="schedule", schedule_days=["0", "4"], schedule_start="07:00", schedule_end="19:00"
    )
    assert client.post(reverse("conventions:create"), data).status_code == 302
    version = ConventionVersion.objects.get()
    assert version.schedule == [{"days": [0, 4], "start": "07:00", "end": "19:00"}]
    bad = draft_data(setting, time_condition="schedule", schedule_days=[], schedule_start="19:00", schedule_end="07:00")
    assert client.post(reverse("conventions:create"), bad).status_code == 400


@pytest.mark.parametrize("field", ["cameras", "groups"])
def test_editor_refuses_a_foreign_camera_or_group_with_400_and_writes_nothing(setting, signed_in, field):
    foreign_camera = CameraFactory(owner=setting.consumer)
    foreign_group = CameraGroupFactory(owner=setting.consumer)
    foreign = {"cameras": foreign_camera.pk, "groups": foreign_group.pk}[field]
    client = signed_in(setting.provider_chief)
    response = client.post(reverse("conventions:create"), draft_data(setting, **{field: [foreign]}))
    assert response.status_code == 400
    assert "your own organisation" in response.content.decode()
    assert not Convention.objects.exists()


@pytest.mark.parametrize("field", ["cameras", "groups"])
def test_editing_a_draft_with_a_foreign_id_is_refused_and_the_draft_is_unchanged(
    setting, make_convention, signed_in, field
):
    convention = make_convention(actor(setting.provider_chief), setting.consumer, sign="draft", groups=[setting.group])
    version = convention.versions.get()
    foreign = {
        "cameras": CameraFactory(owner=setting.consumer).pk,
        "groups": CameraGroupFactory(owner=setting.consumer).pk,
    }
    client = signed_in(setting.provider_chief)
    data = draft_data(setting, **{field: [foreign[field]], "lookback_days": 7})
    response = client.post(reverse("conventions:edit", args=[convention.pk, 1]), data)
    assert response.status_code == 400
    version.refresh_from_db()
    assert version.lookback_days == 365 and list(version.groups.all()) == [setting.group]
    assert not version.cameras.exists()


def test_draft_edit_saves_explicit_cameras_found_by_the_search(setting, make_convention, signed_in):
    convention = make_convention(actor(setting.provider_chief), setting.consumer, sign="draft")
    client = signed_in(setting.provider_chief)
    edit = reverse("conventions:edit", args=[convention.pk, 1])
    found = client.get(edit, {"camera_q": "town"}).content.decode()
    assert f'value="{setting.other.pk}"' in found
    data = draft_data(setting, groups=[], cameras=[setting.other.pk], action="preview")
    response = client.post(edit, data)
    assert response.status_code == 302
    assert list(convention.versions.get().cameras.all()) == [setting.other]
    assert "1 camera covered" in client.get(edit).content.decode()


def test_search_button_without_javascript_saves_the_draft_and_shows_matches(setting, signed_in):
    client = signed_in(setting.provider_chief)
    response = client.post(reverse("conventions:create"), draft_data(setting, action="search", camera_q="town"))
    convention = Convention.objects.get()
    assert response["Location"] == reverse("conventions:edit", args=[convention.pk, 1]) + "?camera_q=town#scope-cameras"
    page = client.get(response["Location"]).content.decode()
    assert f'name="cameras" value="{setting.other.pk}"' in page


def test_camera_search_returns_at_most_50_of_the_chiefs_own_cameras(setting, signed_in):
    for index in range(60):
        CameraFactory(owner=setting.provider, name=f"Boulevard {index}")
    CameraFactory(owner=setting.consumer, name="Boulevard foreign")
    client = signed_in(setting.provider_chief)
    payload = client.get(reverse("conventions:camera_search"), {"q": "boulevard"}).json()
    assert len(payload["results"]) == 50 and payload["truncated"]
    assert all(item["name"] != "Boulevard foreign" for item in payload["results"])


def test_scope_count_answers_the_count_and_writes_nothing(setting, make_convention, signed_in):
    convention = make_convention(actor(setting.provider_chief), setting.consumer, sign="draft", groups=[setting.group])
    client = signed_in(setting.provider_chief)
    url = reverse("conventions:scope_count", args=[convention.pk])
    assert client.get(url, {"groups": setting.group.pk}).json()["count"] == 3
    both = client.get(url, {"groups": setting.group.pk, "cameras": setting.other.pk}).json()
    assert both["count"] == 4 and both["label"] == "4 cameras covered"
    assert client.get(url, {"groups": setting.group.pk, "kinds": "ptz"}).json()["count"] == 0
    assert client.get(url, {"cameras": CameraFactory(owner=setting.consumer).pk}).status_code == 400
    version = convention.versions.get()
    assert list(version.groups.all()) == [setting.group] and not version.cameras.exists()


@pytest.mark.parametrize(
    ("starts", "ends", "state"),
    [(-10, None, "active"), (3, None, "scheduled"), (-10, -1, "expired")],
)
def test_list_computes_the_state_from_the_signed_versions(setting, make_convention, signed_in, starts, ends, state):
    now = timezone.now()
    make_convention(
        actor(setting.provider_chief),
        setting.consumer,
        consumer_chief=actor(setting.consumer_chief),
        valid_from=now + timedelta(days=starts),
        valid_until=now + timedelta(days=ends) if ends else None,
    )
    text = signed_in(setting.consumer_chief).get(reverse("conventions:list")).content.decode()
    assert f"state-{state}" in text


# --- Review and actions --------------------------------------------------------------------------------------------


def test_propose_shows_the_hash_and_signing_needs_a_fresh_second_factor(setting, make_convention, signed_in):
    convention = make_convention(actor(setting.provider_chief), setting.consumer, sign="draft", groups=[setting.group])
    client = signed_in(setting.provider_chief)
    review = reverse("conventions:version", args=[convention.pk, 1])
    assert client.post(reverse("conventions:propose", args=[convention.pk, 1])).status_code == 302
    version = convention.versions.get()
    assert version.document_hash in client.get(review).content.decode()
    sign = reverse("conventions:sign", args=[convention.pk, 1])
    with at(time.time() + 6 * 60):
        asked = client.post(sign, {"next": review})
        assert asked.status_code == 200  # the code form, carrying the action
        assert f'action="{sign}"' in asked.content.decode() and 'name="step_up-code"' in asked.content.decode()
    version.refresh_from_db()
    assert version.status == ConventionVersion.Status.PROPOSED
    with at(time.time() + 6 * 60 + 5):
        # One confirmation signs: the chief does not click Sign again.
        code = totp_code(setting.provider_chief.user.totp_device)
        assert client.post(sign, {"next": review, "step_up-code": code})["Location"] == review
    version.refresh_from_db()
    assert version.status == ConventionVersion.Status.PROVIDER_SIGNED
    text = client.get(review).content.decode()
    assert version.signatures.get().key.fingerprint in text


def test_consumer_chief_countersigns_and_the_convention_becomes_active(setting, make_convention, client, signed_in):
    convention = make_convention(actor(setting.provider_chief), setting.consumer, sign="provider")
    signed_in(setting.consumer_chief)
    assert client.post(reverse("conventions:sign", args=[convention.pk, 1])).status_code == 302
    text = client.get(reverse("conventions:detail", args=[convention.pk])).content.decode()
    assert 'data-state="active"' in text
    assert text.count("data-signature=") == 2


def test_an_operator_cannot_sign(setting, make_convention, person, signed_in):
    convention = make_convention(actor(setting.provider_chief), setting.consumer, sign="provider")
    client = signed_in(person(setting.consumer, role="operator"))
    response = client.post(reverse("conventions:sign", args=[convention.pk, 1]))
    assert response.status_code == 403
    assert "Only the chief" in response.content.decode()
    assert convention.versions.get().status == ConventionVersion.Status.PROVIDER_SIGNED


def test_suspend_needs_a_reason_then_takes_effect_and_resumes(setting, active, signed_in):
    client = signed_in(setting.provider_chief)
    url = reverse("conventions:suspend", args=[active.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400
    assert "Give the reason in a few words." in response.content.decode()
    active.refresh_from_db()
    assert active.suspended_at is None
    assert client.post(url, {"reason": "Retention dispute"}).status_code == 302
    active.refresh_from_db()
    assert active.suspended_reason == "Retention dispute"
    text = client.get(reverse("conventions:detail", args=[active.pk])).content.decode()
    assert 'data-state="suspended"' in text and "Retention dispute" in text
    assert (
        client.post(reverse("conventions:resume", args=[active.pk]), {"reason": "Dispute settled"}).status_code == 302
    )
    active.refresh_from_db()
    assert active.suspended_at is None


def test_consumer_chief_cannot_suspend_but_can_terminate(setting, active, signed_in):
    client = signed_in(setting.consumer_chief)
    refused = client.post(reverse("conventions:suspend", args=[active.pk]), {"reason": "We want to stop"})
    assert refused.status_code == 403
    assert client.post(reverse("conventions:terminate", args=[active.pk]), {"reason": "We stop"}).status_code == 302
    active.refresh_from_db()
    assert active.terminated_reason == "We stop"


def test_amendment_is_drafted_and_the_diff_shows_an_added_purpose(setting, active, signed_in):
    client = signed_in(setting.provider_chief)
    response = client.post(reverse("conventions:amend", args=[active.pk]))
    assert response["Location"] == reverse("conventions:edit", args=[active.pk, 2])
    amendment = active.versions.get(number=2)
    services.version_update(
        actor=actor(setting.provider_chief),
        version=amendment,
        purposes=[Purpose.PUBLIC_ORDER, Purpose.CRIMINAL_INVESTIGATION, Purpose.MISSING_PERSON],
        lookback_days=90,
    )
    page = client.get(reverse("conventions:history", args=[active.pk]), {"a": 1, "b": 2})
    text = page.content.decode()
    purposes_row = text.split('data-diff="purposes"')[1].split("</tr>")[0]
    assert "Added: Missing person (judicial police)" in purposes_row
    lookback_row = text.split('data-diff="lookback_days"')[1].split("</tr>")[0]
    assert "365" in lookback_row and "90" in lookback_row
    assert 'data-event="amended"' in text and 'data-event="signed_consumer"' in text
    listing = client.get(reverse("conventions:list")).content.decode()
    assert "state-active" in listing and "Amendment v2" in listing


def test_history_timeline_names_who_suspended_and_why(setting, active, signed_in):
    services.convention_suspend(actor=actor(setting.provider_chief), convention=active, reason="Audit under way")
    client = signed_in(setting.consumer_chief)
    text = client.get(reverse("conventions:history", args=[active.pk])).content.decode()
    event = text.split('data-event="suspended"')[1].split("</li>")[0]
    assert str(setting.provider_chief.user) in event and "Audit under way" in event
    assert ConventionEvent.objects.filter(convention=active, action="suspended").exists()


# --- Documents ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "fr", "nl"])
def test_pdf_is_a_pdf_carrying_the_document_hash(setting, active, signed_in, language):
    client = signed_in(setting.consumer_chief)
    client.cookies["portal_language"] = language
    response = client.get(reverse("conventions:pdf", args=[active.pk, 1]))
    version = active.versions.get()
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert version.document_hash.encode() in response.content


def test_pdf_prints_names_as_written_with_an_embedded_unicode_font(setting, make_convention):
    from conventions import pdf

    written = "Arrêté royal — Yılmaz Łukasz Đorđe, ï ë ç é"
    convention = make_convention(actor(setting.provider_chief), setting.consumer, legal_basis=written)
    version = convention.versions.get()
    content = pdf.render_version(
        version=version,
        state=convention_state(convention),
        terms=terms.version_terms(version),
        scope=terms.scope_summary(version),
        signatures=list(version.signatures.all()),
    )
    assert content.startswith(b"%PDF") and b"FontFile2" in content  # a TrueType font travels in the file
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "Yılmaz Łukasz Đorđe" in text and "Arrêté royal" in text
    assert "Y?lmaz" not in text


def test_signed_document_is_offered_as_json(setting, active, signed_in):
    client = signed_in(setting.provider_chief)
    response = client.get(reverse("conventions:document", args=[active.pk, 1]))
    assert response.content == active.versions.get().canonical_document.encode()


def test_published_keys_are_readable_by_anyone_signed_in(setting, active, person, signed_in):
    client = signed_in(person(OrganisationFactory(), role="dpo"))
    text = client.get(reverse("conventions:keys")).content.decode()
    for signature in active.versions.get().signatures.select_related("key"):
        assert signature.key.fingerprint in text and signature.key.public_key in text
        assert signature.organisation.code in text
    assert "private" not in text.lower().replace("private half never leaves", "")
