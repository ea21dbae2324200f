"""Tenant-isolation registration of the footage API: live sessions, footage requests and exports are seen only by
the parties (see tests/tenancy/harness.py)."""

from datetime import timedelta

from django.utils import timezone

from conventions import services
from conventions.models import Purpose
from footage import exports, live
from footage import requests as footage
from tests.factories import CameraFactory, MembershipFactory, OrganisationFactory
from tests.support.conventions import DEFAULTS, chief_of
from tests.tenancy.harness import register
from zones.tenancy import actor_for


def make_live_session(organisation):
    """An operator watching one of the organisation's own cameras (no convention needed)."""
    viewer = MembershipFactory(organisation=organisation, role="operator")
    grant = live.sessions_start(
        actor=actor_for(viewer.user, organisation.pk),
        cameras=[CameraFactory(owner=organisation)],
        purpose=Purpose.INCIDENT_INTERVENTION,
        justification="Checking the square after an alarm call",
    )[0]
    return grant.session, viewer


register(name="live-sessions", list_route="livesession-list", detail_route="livesession-detail", make=make_live_session)


def _shared_camera_request(organisation, *, mode="playback"):
    """A footage request made by an operator of `organisation` to another owner sharing one camera with it."""
    provider = OrganisationFactory()
    camera = CameraFactory(owner=provider, legal_regime="police")
    provider_chief = chief_of(provider)
    start = timezone.now() - timedelta(days=400)
    convention = services.convention_create(
        actor=provider_chief, consumer=organisation, title="Footage", valid_from=start, cameras=[camera],
        **{**DEFAULTS, "four_eyes_export": False},
    )  # fmt: skip
    version = convention.versions.get()
    services.version_propose(actor=provider_chief, version=version)
    services.version_sign(actor=provider_chief, version=version, recent_second_factor=True)
    services.version_sign(actor=chief_of(organisation), version=version, recent_second_factor=True)
    requester = MembershipFactory(organisation=organisation, role="operator")
    window = timezone.now() - timedelta(days=1)
    item = footage.request_submit(
        actor=actor_for(requester.user, organisation.pk), cameras=[camera], window_start=window,
        window_end=window + timedelta(minutes=5), purpose=Purpose.CRIMINAL_INVESTIGATION, mode=mode,
        justification="Robbery at the station, identifying the suspects", case_reference="PV 1/2",
    )  # fmt: skip
    return item, requester, provider


def make_footage_request(organisation):
    item, requester, _provider = _shared_camera_request(organisation)
    return item, requester


register(
    name="footage-requests",
    list_route="footagerequest-list",
    detail_route="footagerequest-detail",
    make=make_footage_request,
)


def make_evidence_export(organisation):
    """An approved export request of the organisation and its (queued) evidence package."""
    item, requester, provider = _shared_camera_request(organisation, mode="export")
    approver = MembershipFactory(organisation=provider, role="approver")
    footage.request_decide(
        actor=actor_for(approver.user, provider.pk), footage=item, approve=True, reason="Needed for the case"
    )
    item.refresh_from_db()
    export = exports.export_request(actor=actor_for(requester.user, organisation.pk), footage=item)
    return export, requester


register(
    name="exports", list_route="evidenceexport-list", detail_route="evidenceexport-detail", make=make_evidence_export
)
