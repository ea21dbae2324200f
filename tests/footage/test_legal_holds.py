"""Legal holds in people's hands: the camera owner's chief, approvers and DPO place a hold for a case, see it, and
release it; each step is logged in the owner's chain; the purge keeps what an active hold covers; nobody else sees
or touches the holds."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessAction, AccessLogEntry
from footage.holds import hold_place
from media.models import LegalHold
from tests.factories import CameraFactory
from zones.tenancy import actor_for

pytestmark = pytest.mark.django_db
CASE = "BR.12.LL.004711/26"
WHY = "The investigating judge asked to keep the footage of the robbery"


def brussels(at):
    return timezone.localtime(at).strftime("%Y-%m-%dT%H:%M:%S")


@pytest.fixture
def owner(person):
    dpo = person(role="dpo")
    return dpo.organisation, dpo


def test_a_dpo_places_a_hold_in_the_portal_and_it_is_logged(owner, person, signed_in):
    organisation, dpo = owner
    cameras = [CameraFactory(owner=organisation), CameraFactory(owner=organisation)]
    client = signed_in(dpo)
    assert "Legal holds" in client.get(reverse("zones:dashboard")).content.decode()  # in the navigation
    end = timezone.now() - timedelta(days=1)
    answer = client.post(reverse("holds:new"), {
        "cameras": [c.pk for c in cameras], "window_start": brussels(end - timedelta(hours=2)),
        "window_end": brussels(end), "case_reference": CASE, "reason": WHY,
    })  # fmt: skip
    assert answer.status_code == 302, answer.content.decode()[:2000]
    holds = LegalHold.objects.filter(case_reference=CASE, released_at__isnull=True)
    assert {hold.camera_id for hold in holds} == {c.pk for c in cameras}
    assert all(hold.window_end - hold.window_start == timedelta(hours=2) for hold in holds)
    entry = AccessLogEntry.objects.get(action=AccessAction.LEGAL_HOLD)
    assert entry.controller_code == organisation.code and entry.details["step"] == "placed"
    assert sorted(entry.camera_ids) == sorted(c.pk for c in cameras) and entry.case_reference == CASE
    page = client.get(reverse("holds:list")).content.decode()
    assert CASE in page and cameras[0].name in page


def test_a_chief_releases_a_hold_with_a_reason_and_it_is_logged(owner, person, signed_in):
    organisation, dpo = owner
    end = timezone.now() - timedelta(days=1)
    (hold,) = hold_place(
        actor=actor_for(dpo.user, organisation.pk), cameras=[CameraFactory(owner=organisation)],
        window_start=end - timedelta(hours=1), window_end=end, case_reference=CASE, reason=WHY,
    )  # fmt: skip
    client = signed_in(person(organisation=organisation, role="chief"))
    release = reverse("holds:release", args=[hold.pk])
    assert client.post(release, {"reason": ""}).status_code == 302
    hold.refresh_from_db()
    assert hold.released_at is None  # no reason, no release
    assert client.post(release, {"reason": "The case was closed by the prosecutor"}).status_code == 302
    hold.refresh_from_db()
    assert hold.released_at is not None and hold.release_reason == "The case was closed by the prosecutor"
    steps = list(AccessLogEntry.objects.filter(action=AccessAction.LEGAL_HOLD).order_by("sequence"))
    assert [entry.details["step"] for entry in steps] == ["placed", "released"]
    client.post(release, {"reason": "Releasing it a second time"})
    assert AccessLogEntry.objects.filter(action=AccessAction.LEGAL_HOLD).count() == 2


@pytest.mark.parametrize("role", ["operator", "mayor"])
def test_other_roles_neither_see_nor_place_holds(person, signed_in, role):
    membership = person(role=role)
    client = signed_in(membership)
    assert "Legal holds" not in client.get(reverse("zones:dashboard")).content.decode()
    assert client.get(reverse("holds:list")).status_code == 403
    assert client.post(reverse("holds:new"), {"case_reference": CASE}).status_code == 403


def test_another_organisations_camera_cannot_be_held(owner, signed_in):
    organisation, dpo = owner
    foreign = CameraFactory()
    end = timezone.now() - timedelta(days=1)
    answer = signed_in(dpo).post(reverse("holds:new"), {
        "cameras": [foreign.pk], "window_start": brussels(end - timedelta(hours=1)), "window_end": brussels(end),
        "case_reference": CASE, "reason": WHY,
    })  # fmt: skip
    assert answer.status_code == 400
    assert "is not one of your organisation" in answer.content.decode()
    assert not LegalHold.objects.exists() and not AccessLogEntry.objects.filter(action=AccessAction.LEGAL_HOLD).exists()


@pytest.mark.parametrize(
    ("hours", "case", "reason", "message"),
    [
        (-1, CASE, WHY, "must come after its start"),
        (24 * 400, CASE, WHY, "at most 366 days"),
        (1, "   ", WHY, "This field is required"),
        (1, CASE, "keep", "10 characters or more"),
    ],
)
def test_a_bad_hold_is_refused_with_a_reason_and_nothing_is_written(owner, signed_in, hours, case, reason, message):
    organisation, dpo = owner
    end = timezone.now() - timedelta(days=1)
    answer = signed_in(dpo).post(reverse("holds:new"), {
        "cameras": [CameraFactory(owner=organisation).pk], "window_start": brussels(end - timedelta(hours=hours)),
        "window_end": brussels(end), "case_reference": case, "reason": reason,
    })  # fmt: skip
    assert answer.status_code == 400 and message in answer.content.decode()
    assert not LegalHold.objects.exists()
