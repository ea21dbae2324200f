"""Tenant-isolation registration of the footage API and pages: live sessions, footage requests, exports and
playback are seen only by the parties (see tests/tenancy/harness.py)."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from conventions import services
from conventions.models import Purpose
from footage import exports, live
from footage import requests as footage
from footage.holds import hold_place
from tests.factories import CameraFactory, MembershipFactory, OrganisationFactory
from tests.support.conventions import DEFAULTS, chief_of
from tests.tenancy.harness import Case, Page, register, register_pages
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


# --- Pages -------------------------------------------------------------------------------------------------------


def page_live_session(organisation):
    session, viewer = make_live_session(organisation)
    return Case(session, {"viewer": viewer, "chief": MembershipFactory(organisation=organisation, role="chief")})


def page_live_wall(organisation):
    viewer = MembershipFactory(organisation=organisation, role="operator")
    grants = live.sessions_start(
        actor=actor_for(viewer.user, organisation.pk),
        cameras=[CameraFactory(owner=organisation), CameraFactory(owner=organisation)],
        purpose=Purpose.INCIDENT_INTERVENTION,
        justification="Following a group across the square after an alarm call",
    )
    return Case(grants[0].session, {"viewer": viewer})


def page_footage_request(organisation):
    """A request of the organisation's operator to another owner, with the prosecutor's decision attached."""
    item, requester, provider = _shared_camera_request(organisation)
    item.prosecutor_document.save("decision.pdf", ContentFile(b"%PDF-1.4 the prosecutor's decision"), save=True)
    return Case(item, {"viewer": requester, "approver": MembershipFactory(organisation=provider, role="approver")})


def page_evidence_export(organisation):
    export, requester = make_evidence_export(organisation)
    return Case(export, {"viewer": requester})


def _wall(case):
    return [case.obj.wall]


register_pages(
    name="live-session",
    make=page_live_session,
    pages=[
        Page("live:watch"),
        Page("live:renew", method="POST"),
        Page("live:end", method="POST"),
        Page("live:owner_end", method="POST", person="chief"),
    ],
)
register_pages(
    name="live-wall",
    make=page_live_wall,
    pages=[Page("live:wall", args=_wall), Page("live:wall_end", args=_wall, method="POST")],
)
register_pages(
    name="footage-request",
    make=page_footage_request,
    pages=[
        Page("requests:detail"),
        Page("requests:document"),
        Page("playback:watch"),
        Page("requests:decide", method="POST", data={"decision": "approve", "reason": "Needed"}, person="approver"),
        Page("requests:review", method="POST", data={"note": "The emergency was real and the use proportionate"}),
        Page("requests:export", method="POST", data={"watermark": "on"}),
        Page("playback:start", method="POST"),
        Page("playback:renew", method="POST"),
        Page("playback:stop", method="POST"),
        Page("requests:withdraw", method="POST"),
    ],
)
register_pages(
    name="evidence-export",
    make=page_evidence_export,
    pages=[Page("requests:export_progress"), Page("requests:download", method="POST")],
)


def page_legal_hold(organisation):
    """A hold the organisation's DPO placed on one of its cameras."""
    dpo = MembershipFactory(organisation=organisation, role="dpo")
    end = timezone.now() - timedelta(days=2)
    (hold,) = hold_place(
        actor=actor_for(dpo.user, organisation.pk), cameras=[CameraFactory(owner=organisation)],
        window_start=end - timedelta(hours=1), window_end=end, case_reference="BR.12.LL.000123/26",
        reason="Footage of the assault needed by the investigating judge",
    )  # fmt: skip
    return Case(hold, {"viewer": dpo})


register_pages(
    name="legal-hold",
    make=page_legal_hold,
    pages=[Page("holds:release", method="POST", data={"reason": "The investigating judge released the footage"})],
)
