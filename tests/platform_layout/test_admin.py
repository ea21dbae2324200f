"""The admin, for the platform administrator's rare tasks: every model of our apps is there, every page answers
for a superuser signed in with the second factor, the logs and the rows carrying evidence are read-only, and no
secret reaches a page."""

import time
import uuid
from datetime import timedelta

import pytest
from auditlog import get_logentry_model
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken

from audit.access import AccessRecord, record_access
from audit.chain import sign_heads, verify_chain
from audit.models import AccessAction, AccessLogEntry, ChainHead, ChainVerification, SignedHead
from cameras.models import CameraGroupGroupObjectPermission
from cameras.services import camera_set_credentials, delegation_grant
from common.admin import CappedCountPaginator
from conventions.models import DeclaredIncident, SigningKey
from footage.models import Approval, EvidenceExport, FootageRequest, GatewayConnection, LiveSession, PlaybackToken
from media.models import LegalHold, MediaServer, RecordingSegment, RecordingStream, RelayStream
from tests.factories import CameraFactory, CameraGroupFactory, MembershipFactory, MunicipalityFactory, api_token_for
from zones.models import ApiToken, Membership, Notification, User, UserSession, WorkerHeartbeat

OUR_APPS = ("zones", "cameras", "conventions", "media", "footage", "audit", "oversight", "demo")
OUR_MODELS = [model for label in OUR_APPS for model in apps.get_app_config(label).get_models()]
LOG_MODELS = [AccessLogEntry, ChainHead, SignedHead, ChainVerification, get_logentry_model()]
EVIDENCE_MODELS = [
    LiveSession,
    FootageRequest,
    Approval,
    EvidenceExport,
    PlaybackToken,
    GatewayConnection,
    RecordingSegment,
]

CAMERA_PASSWORD = "Cam-Pw-7f3e-unique-91ab"  # distinctive, so that a plain substring search finds any leak
LIVE_DIGEST = "a1" * 32
PLAYBACK_DIGEST = "b2" * 32
MEDIA_SERVER_DIGEST = "c3" * 32


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _request(client):
    """A request as the admin sees it, for asking a ModelAdmin about its permissions."""
    request = RequestFactory().get("/admin/")
    request.user = client.user
    return request


@pytest.fixture
def administrator(person, signed_in):
    """A platform administrator, superuser, signed in through the portal with the second factor."""
    membership = person(role="platform_admin")
    User.objects.filter(pk=membership.user_id).update(is_staff=True, is_superuser=True)
    client = signed_in(membership)
    membership.user.refresh_from_db()
    client.user = membership.user
    return client


@pytest.fixture
def one_of_each(administrator, parties, make_convention):
    """At least one row of every model of our apps, made as the services make them where they can."""
    provider, consumer, provider_chief, consumer_chief = parties
    now = timezone.now()
    MunicipalityFactory(zone=provider)
    camera = CameraFactory(owner=provider)
    camera_set_credentials(camera=camera, username="camera-user", password=CAMERA_PASSWORD)
    convention = make_convention(provider_chief, consumer, consumer_chief=consumer_chief, cameras=[camera])
    version = convention.versions.get()
    DeclaredIncident.objects.create(organisation=provider, title="Demonstration", declared_by=provider_chief.user)

    group = CameraGroupFactory(owner=provider)
    delegate = MembershipFactory(organisation=provider, role="operator").user
    delegation_grant(actor=provider_chief, group=group, user=delegate, codename="manage_group_cameras")
    CameraGroupGroupObjectPermission.objects.create(
        group=Group.objects.create(name="Night shift"),
        permission=Permission.objects.get(codename="approve_group_requests"),
        content_object=group,
    )

    viewer_membership = MembershipFactory(organisation=consumer, role="operator")
    viewer = viewer_membership.user
    token, key = api_token_for(viewer_membership)
    Notification.objects.create(recipient=viewer, organisation=consumer, kind="live", subject="Live viewing")
    WorkerHeartbeat.objects.create(name="beat", beat_at=now, hostname="worker-1")

    session = LiveSession.objects.create(
        token_digest=LIVE_DIGEST, user=viewer, organisation=consumer, camera=camera, convention_version=version,
        purpose="public_order", justification="Match at the stadium", expires_at=now + timedelta(minutes=1),
        max_until=now + timedelta(hours=1),
    )  # fmt: skip
    GatewayConnection.objects.create(session=session, gateway_id="conn-1", protocol="rtsp")
    request = FootageRequest.objects.create(
        reference="REQ-2026-0001", requester=viewer, organisation=consumer, owner=provider, convention_version=version,
        window_start=now - timedelta(hours=2), window_end=now - timedelta(hours=1), mode="export",
        purpose="public_order", justification="Theft", case_reference="PV.12.34", due_at=now + timedelta(days=1),
    )  # fmt: skip
    request.cameras.add(camera)
    Approval.objects.create(
        request=request, approver=provider_chief.user, approver_name="Chief", decision="approve", reason="Fine"
    )
    EvidenceExport.objects.create(request=request, package_id=uuid.uuid4(), created_by=viewer)
    PlaybackToken.objects.create(
        token_digest=PLAYBACK_DIGEST, request=request, user=viewer, organisation=consumer,
        expires_at=now + timedelta(minutes=5),
    )  # fmt: skip

    RelayStream.objects.create(camera=camera)
    RecordingStream.objects.create(camera=camera)
    MediaServer.objects.create(name="gw-north", secret_digest=MEDIA_SERVER_DIGEST)
    RecordingSegment.objects.create(
        camera=camera, started_at=now - timedelta(minutes=1), ended_at=now, file_name="1/segment.ts"
    )
    LegalHold.objects.create(
        camera=camera, window_start=now - timedelta(days=1), window_end=now, case_reference="PV.12.34",
        reason="Prosecutor's order", created_by=provider_chief.user,
    )  # fmt: skip

    for reason in ("no_convention", "outside_schedule", "no_convention"):
        record_access(
            AccessRecord(
                action=AccessAction.DENIED, controller=provider, actor=viewer, actor_organisation=consumer,
                cameras=[camera], mode="live", purpose="public_order", case_reference="PV.12.34", decision="deny",
                reason=reason,
            )
        )  # fmt: skip
    sign_heads()
    for chain in ChainHead.objects.values_list("chain", flat=True):
        verify_chain(chain)
    return {"camera": camera, "token": token, "key": key, "session": session, "request": request}


def test_every_model_of_our_apps_is_registered():
    missing = [model._meta.label for model in OUR_MODELS if not admin.site.is_registered(model)]
    assert missing == []


def test_every_page_of_ours_answers_for_a_platform_administrator(administrator, one_of_each):
    failures = []
    for model in OUR_MODELS:
        model_admin = admin.site.get_model_admin(model)
        row = model._default_manager.order_by("pk").first()
        if row is None:
            failures.append(f"{model._meta.label}: no row to show")
            continue
        expected_add = 200 if model_admin.has_add_permission(_request(administrator)) else 403
        pages = [
            (url(model, "changelist"), 200),
            (url(model, "changelist") + "?q=PV.12.34", 200),
            (url(model, "add"), expected_add),
            (url(model, "change", row.pk), 200),
        ]
        for page, expected in pages:
            status = administrator.get(page).status_code
            if status != expected:
                failures.append(f"{model._meta.label}: {page} answered {status}, not {expected}")
    assert failures == []


@pytest.mark.parametrize("model", LOG_MODELS + EVIDENCE_MODELS, ids=lambda model: model._meta.label)
def test_logs_and_evidence_refuse_add_change_and_delete(administrator, one_of_each, model):
    model_admin = admin.site.get_model_admin(model)
    request = _request(administrator)
    row = model._default_manager.order_by("pk").first()
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, row)
    assert not model_admin.has_delete_permission(request, row)

    assert administrator.post(url(model, "add"), {}).status_code == 403
    assert administrator.post(url(model, "change", row.pk), {}).status_code == 403
    assert administrator.post(url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    bulk = administrator.post(url(model, "changelist"), {"action": "delete_selected", "_selected_action": [row.pk]})
    assert bulk.status_code in (200, 302)  # no such action: the list comes back, nothing is deleted
    assert model._default_manager.filter(pk=row.pk).exists()

    page = administrator.get(url(model, "change", row.pk))
    assert page.status_code == 200 and b'name="_save"' not in page.content


def test_the_view_page_of_an_access_log_entry_shows_its_chain_fields(administrator, one_of_each):
    entry = AccessLogEntry.objects.order_by("pk").first()
    page = administrator.get(url(AccessLogEntry, "change", entry.pk)).content.decode()
    assert entry.entry_hash in page and entry.previous_hash in page and entry.actor_name in page


def test_a_legal_hold_is_placed_by_the_administrator_and_never_deleted(administrator, one_of_each):
    camera = one_of_each["camera"]
    response = administrator.post(
        url(LegalHold, "add"),
        {
            "camera": camera.pk,
            "window_start_0": "2026-03-01",
            "window_start_1": "10:00:00",
            "window_end_0": "2026-03-01",
            "window_end_1": "12:00:00",
            "case_reference": "BR.99.11",
            "reason": "Court order",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    hold = LegalHold.objects.get(case_reference="BR.99.11")
    assert hold.created_by == administrator.user
    assert administrator.post(url(LegalHold, "delete", hold.pk), {"post": "yes"}).status_code == 403
    assert LegalHold.objects.filter(pk=hold.pk).exists()


def test_secrets_never_reach_a_page(administrator, one_of_each):
    camera, token = one_of_each["camera"], one_of_each["token"]
    camera.refresh_from_db()
    user = administrator.user
    session_keys = list(UserSession.objects.values_list("session_key", flat=True))
    secrets = {
        "camera password": CAMERA_PASSWORD,
        "encrypted credentials": camera.credentials_encrypted,
        "API key": one_of_each["key"],
        "API key hash": token.key_hash,
        "live token digest": LIVE_DIGEST,
        "playback token digest": PLAYBACK_DIGEST,
        "media server's secret digest": MEDIA_SERVER_DIGEST,
        "signing key (encrypted)": SigningKey.objects.first().private_key_encrypted,
        "authenticator key": user.totp_device.key,
        **{f"backup code {code}": code for code in StaticToken.objects.values_list("token", flat=True)},
        **{f"session key {n}": key for n, key in enumerate(session_keys)},
    }
    pages = [
        url(model, "changelist")
        for model in [*OUR_MODELS, *(type(device) for device in (user.totp_device,))]
        if admin.site.is_registered(model)
    ]
    pages += [
        url(type(camera), "change", camera.pk),
        url(ApiToken, "change", token.pk),
        url(LiveSession, "change", one_of_each["session"].pk),
        url(PlaybackToken, "change", PlaybackToken.objects.get().pk),
        url(SigningKey, "change", SigningKey.objects.first().pk),
        url(MediaServer, "change", MediaServer.objects.get().pk),
        url(UserSession, "change", UserSession.objects.first().pk),
        url(User, "change", user.pk),
        url(type(user.totp_device), "change", user.totp_device.pk),
        url(StaticToken.device.field.related_model, "changelist"),
        url(StaticToken.device.field.related_model, "change", StaticToken.objects.first().device_id),
    ]
    leaks = []
    for page in pages:
        response = administrator.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        leaks += [f"{name} on {page}" for name, secret in secrets.items() if secret and secret in html]
    assert leaks == []


def test_the_authenticator_pages_that_show_its_key_are_gone(administrator, one_of_each):
    device = administrator.user.totp_device
    with pytest.raises(NoReverseMatch):
        reverse("admin:otp_totp_totpdevice_config", args=[device.pk])
    assert administrator.get(f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/").status_code in (302, 404)


def test_the_admin_needs_the_second_factor(client, db):
    superuser = User.objects.create_superuser("root", "root@example.org", "a long test password 42")
    MembershipFactory(user=superuser, role="platform_admin")
    client.force_login(superuser)  # signed in, but not with a second factor
    session = client.session
    session["auth_started_at"] = time.time()  # as the portal's sign-in sets it; else the session ends at once
    session.save()
    response = client.get(reverse("admin:index"), follow=True)
    assert response.status_code == 403 and response.redirect_chain[0][0].startswith(reverse("admin:login"))


def test_a_person_who_is_not_staff_is_refused_not_sent_round_in_circles(person, signed_in):
    client = signed_in(person(role="chief"))
    assert client.get(reverse("admin:index"), follow=True).status_code == 403


def test_signing_in_for_the_admin_is_the_portals_sign_in(client, db):
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("zones:login"))
    assert response.status_code == 200


def test_withdrawing_a_role_in_the_admin_ends_it_through_the_service(administrator, one_of_each):
    membership = MembershipFactory(role="approver")
    token, _ = api_token_for(membership)
    response = administrator.post(
        url(Membership, "changelist"), {"action": "withdraw", "_selected_action": [membership.pk]}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    token.refresh_from_db()
    assert not membership.is_active and membership.disabled_reason
    assert token.revoked_at is not None
    assert AccessLogEntry.objects.filter(action=AccessAction.MEMBERSHIP_CHANGE, reason="membership_disabled").exists()
    assert administrator.post(url(Membership, "delete", membership.pk), {"post": "yes"}).status_code == 403


def test_revoking_a_token_in_the_admin(administrator, one_of_each):
    token = one_of_each["token"]
    response = administrator.post(url(ApiToken, "changelist"), {"action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_access_log_list_stops_counting_at_its_cap(administrator, one_of_each, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "cap", 2)
    assert AccessLogEntry.objects.count() > 2
    page = administrator.get(url(AccessLogEntry, "changelist")).content.decode()
    assert "2+ access log entries" in page
    assert admin.site.get_model_admin(AccessLogEntry).show_full_result_count is False


def _queries(client, page):
    with CaptureQueriesContext(connection) as context:
        assert client.get(page).status_code == 200
    return len(context.captured_queries)


def test_changelists_make_no_query_per_row(administrator, one_of_each):
    camera, request = one_of_each["camera"], one_of_each["request"]
    pages = {model: url(model, "changelist") for model in (type(camera), LiveSession, LegalHold, FootageRequest)}
    before = {model: _queries(administrator, page) for model, page in pages.items()}
    now = timezone.now()
    for _ in range(3):
        other = CameraFactory(owner=CameraFactory().owner)
        LiveSession.objects.create(
            token_digest=uuid.uuid4().hex * 2, user=administrator.user, organisation=other.owner, camera=other,
            purpose="public_order", justification="x", expires_at=now, max_until=now,
        )  # fmt: skip
        LegalHold.objects.create(
            camera=other, window_start=now - timedelta(hours=1), window_end=now, case_reference="x", reason="x",
            created_by=administrator.user,
        )  # fmt: skip
        copy = FootageRequest.objects.get(pk=request.pk)
        copy.pk, copy.reference = None, f"REQ-{uuid.uuid4().hex[:8]}"
        copy.save()
    after = {model: _queries(administrator, page) for model, page in pages.items()}
    assert after == before
