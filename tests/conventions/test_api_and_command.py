"""The conventions API (actions with clear 4xx) and `verify_convention` from the command line."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from conventions.models import ConventionVersion, Signature
from tests.factories import MembershipFactory, api_token_for, give_totp, totp_code

pytestmark = pytest.mark.django_db


def _api_for(actor):
    membership = actor.memberships[0]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_for(membership)[1]}")
    return api


def test_consumer_chief_signs_through_the_api_with_a_current_code(parties, make_convention):
    provider, consumer, provider_chief, consumer_chief = parties
    convention = make_convention(provider_chief, consumer, sign="provider")
    device, _codes = give_totp(consumer_chief.user)
    api = _api_for(consumer_chief)
    url = reverse("convention-sign", args=[convention.pk])
    assert api.post(url, {"version": 1}, format="json").status_code == 403  # no X-OTP
    response = api.post(url, {"version": 1}, format="json", HTTP_X_OTP=totp_code(device))
    assert response.status_code == 200, response.content
    assert response.json()["versions"][0]["status"] == "signed"
    assert len(response.json()["versions"][0]["signatures"]) == 2


def test_a_wrong_code_does_not_sign(parties, make_convention):
    provider, consumer, provider_chief, consumer_chief = parties
    convention = make_convention(provider_chief, consumer, sign="provider")
    give_totp(consumer_chief.user)
    url = reverse("convention-sign", args=[convention.pk])
    response = _api_for(consumer_chief).post(url, {"version": 1}, format="json", HTTP_X_OTP="000000")
    assert response.status_code == 403
    assert ConventionVersion.objects.get(convention=convention).status == "provider_signed"


def test_suspend_resume_terminate_with_reasons(parties, make_convention):
    provider, consumer, provider_chief, consumer_chief = parties
    convention = make_convention(provider_chief, consumer)
    provider_api, consumer_api = _api_for(provider_chief), _api_for(consumer_chief)
    suspend = reverse("convention-suspend", args=[convention.pk])
    assert provider_api.post(suspend, {"reason": "no"}, format="json").status_code == 400
    assert consumer_api.post(suspend, {"reason": "Not ours to suspend"}, format="json").status_code == 403
    body = provider_api.post(suspend, {"reason": "Retention dispute"}, format="json").json()
    assert body["suspended_reason"] == "Retention dispute"
    again = provider_api.post(suspend, {"reason": "Retention dispute"}, format="json")
    assert again.status_code == 400 and "not in force" in str(again.json())
    resume = reverse("convention-resume", args=[convention.pk])
    assert provider_api.post(resume, {"reason": "Dispute settled"}, format="json").json()["suspended_at"] is None
    terminate = reverse("convention-terminate", args=[convention.pk])
    body = consumer_api.post(terminate, {"reason": "No longer needed"}, format="json").json()
    assert body["terminated_at"] and [e["action"] for e in body["events"]][-3:] == [
        "suspended",
        "resumed",
        "terminated",
    ]


def test_operators_read_but_cannot_act(parties, make_convention):
    provider, consumer, provider_chief, _ = parties
    convention = make_convention(provider_chief, consumer)
    operator = MembershipFactory(organisation=provider, role="operator")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_for(operator)[1]}")
    assert api.get(reverse("convention-detail", args=[convention.pk])).status_code == 200
    response = api.post(reverse("convention-suspend", args=[convention.pk]), {"reason": "I am no chief"}, format="json")
    assert response.status_code == 403


def test_verify_convention_passes_and_then_names_the_tampering(parties, make_convention, capsys):
    provider, consumer, provider_chief, _ = parties
    convention = make_convention(provider_chief, consumer)
    call_command("verify_convention", convention.reference)
    assert "v1: OK" in capsys.readouterr().out
    ConventionVersion.objects.filter(convention=convention).update(lookback_days=3650)  # behind the freeze
    with pytest.raises(CommandError) as failure:
        call_command("verify_convention", str(convention.pk))
    assert failure.value.returncode == 1
    assert "terms in the database differ from the signed document" in capsys.readouterr().out


def test_verify_convention_detects_a_forged_signature(parties, make_convention, capsys):
    provider, consumer, provider_chief, _ = parties
    convention = make_convention(provider_chief, consumer)
    signature = Signature.objects.get(version__convention=convention, party="consumer")
    Signature.objects.filter(pk=signature.pk).update(signature=signature.signature[:-4] + "AAA=")
    with pytest.raises(CommandError):
        call_command("verify_convention", convention.reference)
    assert "does not verify" in capsys.readouterr().out


def test_verify_convention_unknown_reference():
    with pytest.raises(CommandError, match="No convention"):
        call_command("verify_convention", "CONV-1999-0001")


def test_public_keys_are_published_with_fingerprints(parties, make_convention):
    provider, consumer, provider_chief, consumer_chief = parties
    make_convention(provider_chief, consumer, consumer_chief=consumer_chief)
    api = _api_for(consumer_chief)
    keys = api.get(reverse("signingkey-list")).json()["results"]
    assert {k["username"] for k in keys} == {provider_chief.user.username, consumer_chief.user.username}
    import base64
    import hashlib

    assert all(hashlib.sha256(base64.b64decode(k["public_key"])).hexdigest() == k["fingerprint"] for k in keys)
    assert "private" not in str(keys)
