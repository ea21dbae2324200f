"""The catalogue: restricted lists, filters, credentials that never leave, legal defaults, groups, delegation."""

import json

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from cameras import selectors, services
from cameras.crypto import decrypt_credentials, encrypt_credentials
from cameras.models import Camera
from tests.factories import CameraFactory, CameraGroupFactory, OrganisationFactory, api_token_for
from zones.models import LegalRegime
from zones.tenancy import actor_for

pytestmark = pytest.mark.django_db


def _api(membership):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_for(membership)[1]}")
    return api


def test_regime_defaults_from_the_owner_and_sets_the_legal_retention():
    zone = OrganisationFactory(legal_regime=LegalRegime.POLICE)
    transport = OrganisationFactory(regional=True)
    assert CameraFactory(owner=zone).retention_days == 365
    assert CameraFactory(owner=transport).retention_days == 30
    assert CameraFactory(owner=transport, special_risk=True).retention_days == 90


def test_position_outside_the_region_is_refused_with_a_hint():
    camera = CameraFactory.build(owner=OrganisationFactory(), latitude="4.35", longitude="50.85")
    with pytest.raises(ValidationError, match="swapped"):
        camera.full_clean()


def test_credentials_are_encrypted_at_rest_and_never_in_api_responses(person):
    membership = person(role="operator")
    camera = CameraFactory(owner=membership.organisation)
    services.camera_set_credentials(camera=camera, username="admin", password="Sup3r-s3cret!")
    camera.refresh_from_db()
    assert "Sup3r-s3cret!" not in camera.credentials_encrypted
    assert decrypt_credentials(camera.credentials_encrypted) == ("admin", "Sup3r-s3cret!")
    api = _api(membership)
    for url in (reverse("camera-list"), reverse("camera-detail", args=[camera.pk])):
        body = api.get(url).content.decode()
        assert "Sup3r-s3cret!" not in body and camera.credentials_encrypted not in body
    assert api.get(reverse("camera-detail", args=[camera.pk])).json()["has_credentials"] is True
    assert all("Sup3r-s3cret!" not in json.dumps(e.changes) for e in LogEntry.objects.all())


def test_api_filters_combine(person):
    membership = person()
    org = membership.organisation
    CameraFactory(owner=org, kind="ptz", status="offline", name="Gare du Midi PTZ")
    CameraFactory(owner=org, kind="ptz", status="online")
    CameraFactory(owner=org, kind="fixed", status="offline")
    api = _api(membership)
    rows = api.get(reverse("camera-list"), {"kind": "ptz", "status": "offline"}).json()["results"]
    assert [r["name"] for r in rows] == ["Gare du Midi PTZ"]
    assert api.get(reverse("camera-list"), {"q": "midi"}).json()["count"] == 1
    assert api.get(reverse("camera-list"), {"kind": "nonsense"}).status_code == 400
    assert api.get(reverse("camera-list"), {"shared": "yes"}).json()["count"] == 0  # no convention yet


def test_catalogue_pages_list_filter_detail_and_map(client, person, signed_in):
    membership = person(role="operator")
    camera = CameraFactory(owner=membership.organisation, name="Bourse 1", status="offline")
    foreign = CameraFactory(name="Not ours")
    signed_in(membership)
    listing = client.get(reverse("cameras:list"), {"status": "offline"}).content.decode()
    assert "Bourse 1" in listing and "Not ours" not in listing
    assert client.get(reverse("cameras:detail", args=[camera.pk])).status_code == 200
    assert client.get(reverse("cameras:detail", args=[foreign.pk])).status_code == 404
    map_page = client.get(reverse("cameras:map")).content.decode()
    assert "<svg" in map_page and "Bourse 1" in map_page and "Not ours" not in map_page
    assert "tile" not in map_page.lower()


def test_delegated_camera_administrator_manages_only_their_group(person):
    chief = person(role="chief")
    operator = person(organisation=chief.organisation, role="operator")
    group, other_group = CameraGroupFactory(owner=chief.organisation), CameraGroupFactory(owner=chief.organisation)
    inside, outside = CameraFactory(owner=chief.organisation), CameraFactory(owner=chief.organisation)
    inside.groups.add(group)
    outside.groups.add(other_group)
    chief_actor = actor_for(chief.user, chief.organisation_id)
    operator_actor = actor_for(operator.user, operator.organisation_id)
    assert list(selectors.camera_list(actor=operator_actor, action="manage")) == []

    delegation = services.delegation_grant(
        actor=chief_actor, group=group, user=operator.user, codename=selectors.MANAGE_GROUP
    )
    assert list(selectors.camera_list(actor=operator_actor, action="manage")) == [inside]
    assert delegation in selectors.delegation_list(actor=chief_actor)
    assert LogEntry.objects.get_for_object(delegation).filter(action=LogEntry.Action.CREATE).exists()
    assert not operator.user.has_perm("cameras.manage_group_cameras")  # never a global permission

    services.delegation_revoke(actor=chief_actor, delegation=delegation)
    assert list(selectors.camera_list(actor=operator_actor, action="manage")) == []


def test_delegation_only_to_members_and_only_by_the_owners_chief(person):
    chief = person(role="chief")
    stranger = person()
    group = CameraGroupFactory(owner=chief.organisation)
    chief_actor = actor_for(chief.user, chief.organisation_id)
    with pytest.raises(ValidationError, match="active role"):
        services.delegation_grant(actor=chief_actor, group=group, user=stranger.user, codename=selectors.MANAGE_GROUP)
    other_chief = person(role="chief")
    with pytest.raises(PermissionDenied):
        services.delegation_grant(
            actor=actor_for(other_chief.user, other_chief.organisation_id),
            group=group,
            user=other_chief.user,
            codename=selectors.MANAGE_GROUP,
        )


def test_group_pages_grant_and_revoke(client, person, signed_in):
    chief = person(role="chief")
    operator = person(organisation=chief.organisation, role="operator")
    signed_in(chief)
    client.post(reverse("cameras:group_create"), {"name": "Metro line 1", "description": "Stations"})
    group = chief.organisation.camera_groups.get(name="Metro line 1")
    client.post(
        reverse("cameras:delegation_grant"),
        {"group": group.pk, "user": operator.user.pk, "right": selectors.APPROVE_GROUP},
    )
    page = client.get(reverse("cameras:groups")).content.decode()
    assert "Metro line 1" in page and str(operator.user) in page
    delegation = selectors.delegation_list(actor=actor_for(chief.user, chief.organisation_id)).get()
    client.post(reverse("cameras:delegation_revoke", args=[delegation.pk]))
    assert not selectors.delegation_list(actor=actor_for(chief.user, chief.organisation_id)).exists()


def test_a_chief_cannot_delegate_on_another_organisations_group(client, person, signed_in):
    chief = person(role="chief")
    foreign_group = CameraGroupFactory()
    signed_in(chief)
    client.post(
        reverse("cameras:delegation_grant"),
        {"group": foreign_group.pk, "user": chief.user.pk, "right": selectors.MANAGE_GROUP},
    )
    assert not foreign_group.cameragroupuserobjectpermission_set.exists()


def test_key_rotation_re_encrypts_without_losing_access(settings):
    from django.core.management import call_command

    camera = CameraFactory(credentials_encrypted=encrypt_credentials("u", "p"))
    settings.PORTAL_ENCRYPTION_KEYS = ["new-secret", *settings.PORTAL_ENCRYPTION_KEYS]
    assert decrypt_credentials(camera.credentials_encrypted) == ("u", "p")  # old key still opens it
    call_command("rotate_camera_keys")
    camera.refresh_from_db()
    settings.PORTAL_ENCRYPTION_KEYS = ["new-secret"]  # the old secret is gone
    assert decrypt_credentials(camera.credentials_encrypted) == ("u", "p")


def test_seed_spreads_synthetic_cameras_over_owners_and_is_idempotent():
    from django.core.management import call_command

    call_command("seed_brussels", "--cameras", "300")
    call_command("seed_brussels", "--cameras", "300")
    assert Camera.objects.count() == 300
    owners = set(Camera.objects.values_list("owner__code", flat=True))
    assert {"5339", "5344", "STIB", "BMOB"} <= owners
    police = Camera.objects.filter(owner__code="5339")
    assert set(police.values_list("legal_regime", flat=True)) == {LegalRegime.POLICE}
    assert all(c.municipality.zone.code == "5339" for c in police.select_related("municipality__zone"))


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
def test_list_detail_and_map_in_each_language(language, client, person, signed_in):
    from django.utils.translation import gettext, override

    membership = person(role="operator")
    camera = CameraFactory(owner=membership.organisation, kind="ptz", status="offline")
    signed_in(membership)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    with override(language):
        expected = {
            "cameras:list": [gettext("Cameras"), gettext("Offline"), gettext("Filter")],
            "cameras:map": [gettext("Camera map"), gettext("Owners")],
        }
        detail_words = [gettext("Legal and privacy"), gettext("Maximum retention of footage"), gettext("PTZ")]
    if language != "en":
        assert detail_words[0] != "Legal and privacy"  # the catalogue really is translated
    for name, words in expected.items():
        page = client.get(reverse(name)).content.decode()
        assert f'<html lang="{language}">' in page
        assert all(word in page for word in words), (name, words)
    page = client.get(reverse("cameras:detail", args=[camera.pk])).content.decode()
    assert all(word in page for word in detail_words)


def test_the_owners_chief_decides_whether_the_platform_records_a_camera(person, signed_in, client):
    from django.urls import reverse

    from tests.factories import CameraFactory

    chief = person(role="chief")
    camera = CameraFactory(owner=chief.organisation)
    signed_in(chief)
    page = client.get(reverse("cameras:detail", args=[camera.pk])).content.decode()
    assert "Record it on the platform" in page
    assert client.post(reverse("cameras:recording", args=[camera.pk]), {"recorded": "on"}).status_code == 302
    camera.refresh_from_db()
    assert camera.recorded_centrally
    operator = person(chief.organisation, role="operator")
    client.logout()
    signed_in(operator)
    assert "Record it on the platform" not in client.get(reverse("cameras:detail", args=[camera.pk])).content.decode()
    assert client.post(reverse("cameras:recording", args=[camera.pk]), {"recorded": "off"}).status_code == 403
    camera.refresh_from_db()
    assert camera.recorded_centrally
