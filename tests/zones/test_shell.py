"""The signed-in shell: dashboards per role, navigation, languages, API schema and its local documentation."""

import pytest
from django.urls import reverse
from django.utils.translation import gettext, override
from rest_framework.test import APIClient

from tests.factories import OrganisationFactory
from zones.models import Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", Role.values)
def test_each_role_sees_its_dashboard_card_with_an_empty_state(role, client, person, signed_in):
    signed_in(person(role=role))
    page = client.get(reverse("zones:dashboard")).content.decode()
    assert f'data-role="{role}"' in page
    assert [r for r in Role.values if f'data-role="{r}"' in page] == [role]


def test_navigation_follows_the_role(client, person, signed_in):
    chief = person(role="chief")
    signed_in(chief)
    page = client.get(reverse("zones:dashboard")).content.decode()
    assert reverse("zones:members") in page and reverse("zones:status") not in page


def test_dashboard_in_dutch_and_french(client, person, signed_in):
    organisation = OrganisationFactory(name_fr="Zone Sud", name_nl="Zone Zuid")
    signed_in(person(organisation=organisation, role="approver"))
    client.post(reverse("set_language"), {"language": "nl", "next": "/"})
    dutch = client.get(reverse("zones:dashboard")).content.decode()
    with override("nl"):
        assert gettext("Approver: footage requests") in dutch
        assert gettext("Approver: footage requests") != "Approver: footage requests"
    assert "Zone Zuid" in dutch and '<html lang="nl">' in dutch
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    french = client.get(reverse("zones:dashboard")).content.decode()
    with override("fr"):
        assert gettext("Approver: footage requests") in french
    assert "Zone Sud" in french


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_catalogues_are_complete(language):
    from pathlib import Path

    from babel.messages.pofile import read_po

    path = Path(__file__).resolve().parents[2] / "locale" / language / "LC_MESSAGES" / "django.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    missing = [
        message.id
        for message in catalogue
        if message.id
        and (message.fuzzy or not all(message.string if isinstance(message.string, tuple) else [message.string]))
    ]
    assert missing == []


def test_pages_carry_a_strict_content_security_policy(client, person, signed_in):
    signed_in(person())
    response = client.get(reverse("zones:dashboard"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy


def test_openapi_schema_and_local_documentation_page(client, person, signed_in):
    schema = APIClient().get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/v1/organisations/", "/api/v1/municipalities/", "/api/v1/memberships/"} <= set(paths)
    signed_in(person())
    docs = client.get(reverse("api-docs")).content.decode()
    assert "swagger-ui" in docs and "//cdn" not in docs and "https://" not in docs.split("<body")[0]


def test_municipalities_are_reference_data_for_every_signed_in_person(person):
    from tests.factories import MunicipalityFactory, api_token_for

    municipality = MunicipalityFactory()
    _token, key = api_token_for(person())
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    listed = {m["nis_code"] for m in api.get(reverse("municipality-list")).json()["results"]}
    assert municipality.nis_code in listed
    assert APIClient().get(reverse("municipality-list")).status_code == 401


def test_admin_has_no_login_of_its_own(client, db):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("zones:login"))
