"""Dashboards are to-do lists: each role sees what waits for it, each item linking to its page; nothing claims
"nothing yet" while something waits."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conventions.models import Purpose
from footage import live
from footage import requests as footage
from tests.conftest import sign_in
from tests.factories import CameraFactory
from zones.tenancy import actor_for

pytestmark = pytest.mark.django_db
WHY = "Robbery at the metro exit, following the suspects"


def actor(membership):
    return actor_for(membership.user, membership.organisation_id)


@pytest.fixture
def two_zones(person):
    provider_chief, consumer_chief = person(role="chief"), person(role="chief")
    return provider_chief, consumer_chief


def dashboard(signed_in, membership):
    """The dashboard as this person sees it, in a browser session of their own."""
    client = Client()
    assert sign_in(client, membership.user).status_code == 302
    session = client.session
    session["active_organisation_id"] = membership.organisation_id
    session.save()
    return client.get(reverse("zones:dashboard")).content.decode()


def test_a_chief_sees_the_convention_awaiting_their_signature_and_those_ending(two_zones, make_convention, signed_in):
    provider_chief, consumer_chief = two_zones
    waiting = make_convention(actor(provider_chief), consumer_chief.organisation, sign="provider", title="Metro")
    ending = make_convention(
        actor(provider_chief), consumer_chief.organisation, consumer_chief=actor(consumer_chief), title="Tunnels",
        valid_until=timezone.now() + timedelta(days=10),
    )  # fmt: skip
    page = dashboard(signed_in, consumer_chief)
    assert "1 convention awaits your signature" in page
    assert reverse("conventions:detail", args=[waiting.pk]) in page.split('data-todo="to-sign"')[1].split("</ul>")[0]
    assert reverse("conventions:detail", args=[ending.pk]) in page.split('data-todo="expiring"')[1].split("</ul>")[0]
    assert "1 convention in force" in page and "No sharing convention yet" not in page


def test_an_approver_sees_the_request_waiting_and_an_operator_their_session_and_request(
    two_zones, make_convention, person, signed_in
):
    provider_chief, consumer_chief = two_zones
    camera = CameraFactory(owner=provider_chief.organisation)
    make_convention(actor(provider_chief), consumer_chief.organisation, consumer_chief=actor(consumer_chief),
                    cameras=[camera])  # fmt: skip
    operator = person(organisation=consumer_chief.organisation, role="operator")
    start = timezone.now() - timedelta(days=1)
    item = footage.request_submit(
        actor=actor(operator), cameras=[camera], window_start=start, window_end=start + timedelta(minutes=10),
        purpose=Purpose.CRIMINAL_INVESTIGATION, mode="playback", justification=WHY, case_reference="PV 1/26",
    )  # fmt: skip
    (grant,) = live.sessions_start(actor=actor(operator), cameras=[camera], purpose=Purpose.PUBLIC_ORDER,
                                   justification=WHY)  # fmt: skip
    approver = person(organisation=provider_chief.organisation, role="approver")
    page = dashboard(signed_in, approver)
    assert "1 footage request waits for your decision" in page
    assert reverse("requests:detail", args=[item.pk]) in page and "No request is waiting for you" not in page

    page = dashboard(signed_in, operator)
    mine = page.split('data-card="my-footage"')[1]
    assert reverse("live:watch", args=[grant.session.pk]) in mine
    assert item.reference in mine and "Waiting for approval" in mine


def test_a_dpo_sees_anomalies_and_the_log_s_integrity(person, signed_in):
    dpo = person(role="dpo")
    page = dashboard(signed_in, dpo)
    assert 'data-card="access-log"' in page and "No anomaly in the last 30 days" in page
    assert "not verified yet" in page


def test_a_mayor_sees_the_reports(person, signed_in):
    mayor = person(role="mayor")
    page = dashboard(signed_in, mayor)
    last = (timezone.localdate().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    assert f"{reverse('oversight:report')}?month={last}" in page


def test_an_operator_with_nothing_waiting_is_told_so(person, signed_in):
    page = dashboard(signed_in, person(role="operator"))
    assert "No live session, open request or package waits for you" in page
    assert 'data-card="conventions"' not in page and 'data-card="access-log"' not in page
