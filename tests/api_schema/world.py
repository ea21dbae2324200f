"""The data the schema fuzzing runs against: one police zone whose four people call the API (chief, operator,
approver, DPO), another zone it shares cameras with both ways, and every kind of object the API serves on both sides
(live sessions, footage requests to and from the zone, an evidence export, access-log entries, signing keys), so that
generated ids reach real objects of the caller's organisation and of another."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from audit.models import AccessLogEntry
from cameras.models import Camera
from conventions import services as conventions
from conventions.models import Convention, Purpose, SigningKey
from footage import exports, live
from footage import requests as footage
from footage.models import EvidenceExport, FootageRequest, LiveSession
from tests.factories import (
    CameraFactory,
    MembershipFactory,
    MunicipalityFactory,
    OrganisationFactory,
    api_token_for,
    give_totp,
)
from tests.support.conventions import DEFAULTS, chief_of
from zones.models import ApiToken, Membership, Municipality, Organisation
from zones.tenancy import actor_for

ROLES = ("chief", "operator", "approver", "dpo")

# The first segment of each API path and the objects whose ids its operations take.
RESOURCES = {
    "organisations": Organisation,
    "municipalities": Municipality,
    "memberships": Membership,
    "tokens": ApiToken,
    "cameras": Camera,
    "conventions": Convention,
    "signing-keys": SigningKey,
    "access-log": AccessLogEntry,
    "live-sessions": LiveSession,
    "footage-requests": FootageRequest,
    "exports": EvidenceExport,
}


@dataclass
class World:
    tokens: dict = field(default_factory=dict)  # role -> the bearer key of that person's API token
    ids: dict = field(default_factory=dict)  # resource -> every id the database holds for it


def _share(provider_chief, consumer, cameras):
    start = timezone.now() - timedelta(days=400)
    convention = conventions.convention_create(
        actor=provider_chief, consumer=consumer, title="Fuzzing", valid_from=start, cameras=cameras,
        **{**DEFAULTS, "four_eyes_export": False},
    )  # fmt: skip
    version = convention.versions.get()
    conventions.version_propose(actor=provider_chief, version=version)
    conventions.version_sign(actor=provider_chief, version=version, recent_second_factor=True)
    conventions.version_sign(actor=chief_of(consumer), version=version, recent_second_factor=True)
    return convention


def _request(requester, camera, mode):
    window = timezone.now() - timedelta(days=1)
    return footage.request_submit(
        actor=requester, cameras=[camera], window_start=window, window_end=window + timedelta(minutes=5),
        purpose=Purpose.CRIMINAL_INVESTIGATION, mode=mode, case_reference="PV 1/2",
        justification="Robbery at the station, identifying the suspects",
    )  # fmt: skip


def build():
    zone, other = OrganisationFactory(), OrganisationFactory()
    people = {role: MembershipFactory(organisation=zone, role=role) for role in ROLES}
    for membership in people.values():
        give_totp(membership.user)
    actors = {role: actor_for(m.user, zone.pk) for role, m in people.items()}
    other_operator = MembershipFactory(organisation=other, role="operator")
    other_actor = actor_for(other_operator.user, other.pk)
    place = MunicipalityFactory(zone=zone)
    MunicipalityFactory(zone=other)
    MembershipFactory(organisation=zone, role="mayor", municipality=place)
    own, theirs = CameraFactory(owner=zone, municipality=place), CameraFactory(owner=other)
    _share(actors["chief"], other, [own])
    _share(chief_of(other), zone, [theirs])
    live.sessions_start(
        actor=actors["operator"], cameras=[own], purpose=Purpose.INCIDENT_INTERVENTION,
        justification="Checking the square after an alarm call",
    )  # fmt: skip
    live.sessions_start(
        actor=other_actor, cameras=[theirs], purpose=Purpose.INCIDENT_INTERVENTION,
        justification="Checking the square after an alarm call",
    )  # fmt: skip
    _request(actors["operator"], theirs, "playback")
    _request(other_actor, own, "playback")
    export_request = _request(actors["operator"], theirs, "export")
    approver = MembershipFactory(organisation=other, role="approver")
    footage.request_decide(
        actor=actor_for(approver.user, other.pk), footage=export_request, approve=True, reason="Needed for the case"
    )
    export_request.refresh_from_db()
    exports.export_request(actor=actors["operator"], footage=export_request)
    api_token_for(other_operator)
    world = World(tokens={role: api_token_for(m)[1] for role, m in people.items()})
    world.ids = {name: sorted(model.objects.values_list("pk", flat=True)) for name, model in RESOURCES.items()}
    return world
