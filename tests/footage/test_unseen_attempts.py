"""Every refused attempt is logged, also on cameras that are not shared any more: a live start or a footage request
naming a camera whose convention was suspended, expired or terminated (or that was never shared) still answers
as if the camera did not exist, and leaves one denied entry, with the policy's reason, in the owner's chain."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AccessAction, AccessLogEntry
from conventions import services
from conventions.models import Convention, Purpose
from tests.factories import CameraFactory, api_token_for

pytestmark = pytest.mark.django_db
WHY = "Robbery at the metro exit, following the suspects"


def stop_suspended(convention, chief, consumer_chief):
    services.convention_suspend(actor=chief, convention=convention, reason="Dispute over the retention clause")
    return "convention_suspended"


def stop_terminated(convention, chief, consumer_chief):
    services.convention_terminate(actor=consumer_chief, convention=convention, reason="No longer needed by us")
    return "no_convention"


def stop_expired(convention, chief, consumer_chief):
    convention.versions.update(valid_until=timezone.now() - timedelta(minutes=1))
    services.convention_expire_due()
    assert Convention.objects.get(pk=convention.pk).expired_at is not None
    return "outside_validity"


STOPS = {"suspended": stop_suspended, "terminated": stop_terminated, "expired": stop_expired}


@pytest.fixture
def stopped(request, parties, make_convention, person):
    provider, consumer, provider_chief, consumer_chief = parties
    camera = CameraFactory(owner=provider)
    convention = make_convention(provider_chief, consumer, consumer_chief=consumer_chief, cameras=[camera])
    reason = STOPS[request.param](convention, provider_chief, consumer_chief)
    operator = person(organisation=consumer, role="operator")
    return camera, operator, reason


def api_for(membership):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_for(membership)[1]}")
    return api


def denied_entries(camera):
    return list(AccessLogEntry.objects.filter(action=AccessAction.DENIED, controller_code=camera.owner.code))


@pytest.mark.parametrize("stopped", list(STOPS), indirect=True)
def test_a_live_start_on_a_camera_no_longer_shared_is_logged(stopped):
    camera, operator, reason = stopped
    body = {"cameras": [camera.pk], "purpose": Purpose.PUBLIC_ORDER, "justification": WHY}
    answer = api_for(operator).post(reverse("livesession-list"), body, format="json")
    assert answer.status_code == 400 and "No camera you may see" in answer.json()["cameras"][0]
    (entry,) = denied_entries(camera)
    assert entry.reason == reason and entry.mode == "live" and entry.actor_id == operator.user_id
    assert entry.camera_ids == [camera.pk] and entry.justification == WHY


@pytest.mark.parametrize("stopped", ["suspended"], indirect=True)
def test_a_footage_request_on_a_camera_no_longer_shared_is_logged(stopped):
    camera, operator, reason = stopped
    start = timezone.now() - timedelta(days=2)
    body = {
        "cameras": [camera.pk], "window_start": start.isoformat(),
        "window_end": (start + timedelta(minutes=10)).isoformat(), "purpose": Purpose.CRIMINAL_INVESTIGATION,
        "mode": "playback", "justification": WHY, "case_reference": "PV 2026/0042",
    }  # fmt: skip
    api = api_for(operator)
    preview = api.post(reverse("footagerequest-preview"), body, format="json")
    assert preview.status_code == 400 and not denied_entries(camera)  # a preview logs nothing
    answer = api.post(reverse("footagerequest-list"), body, format="json")
    assert answer.status_code == 400
    (entry,) = denied_entries(camera)
    assert entry.reason == reason and entry.mode == "playback" and entry.case_reference == "PV 2026/0042"


@pytest.mark.parametrize("stopped", ["terminated"], indirect=True)
def test_the_live_page_logs_the_attempt_too(stopped, signed_in):
    camera, operator, reason = stopped
    client = signed_in(operator)
    answer = client.post(reverse("live:start"), {
        "action": "start", "cameras": [camera.pk], "purpose": Purpose.PUBLIC_ORDER, "justification": WHY,
        "layout": 1,
    })  # fmt: skip
    assert answer.status_code == 400
    (entry,) = denied_entries(camera)
    assert entry.reason == reason


def test_a_camera_never_shared_is_logged_in_its_owner_s_chain_and_stays_unknown(person):
    operator = person(role="operator")
    foreign = CameraFactory()
    body = {"cameras": [foreign.pk, 999_999], "purpose": Purpose.PUBLIC_ORDER, "justification": WHY}
    answer = api_for(operator).post(reverse("livesession-list"), body, format="json")
    assert answer.status_code == 400
    (entry,) = denied_entries(foreign)
    assert entry.reason == "no_convention"
    assert AccessLogEntry.objects.filter(action=AccessAction.DENIED).count() == 1  # the missing id: nothing to log
