"""Realistic access-log history at scale (demo and benchmarks), chained exactly as record_access chains it but
written in batches: COPY on PostgreSQL (millions of entries in minutes), bulk inserts elsewhere.

Where signed conventions exist (the demo seeds them first), an allowed access to another owner's camera names
the convention that allowed it, and an access between organisations without one is a denied attempt; without any
convention (the benchmarks' bare catalogue) the history is as it always was. `seed_demo_anomalies` then takes a few
real decisions today that the DPO console flags."""

import json
import random
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from audit.chain import canonical_body, link_digest
from audit.models import AccessAction, AccessLogEntry, ChainHead
from cameras.models import Camera
from conventions.models import ConventionVersion
from conventions.policy import decide
from zones.models import Membership, Organisation
from zones.tenancy import actor_for

PURPOSES = ["public_order", "incident_intervention", "criminal_investigation", "traffic_management", "crisis"]
MODES = ["live", "live", "live", "playback", "playback", "export"]
FIRST_NAMES = [
    "Amina", "Bart", "Chloé", "Dirk", "Elif", "Farid", "Greet", "Hugo", "Inès", "Jan", "Karim", "Lotte", "Marc",
    "Nadia", "Olivier", "Pieter", "Rachida", "Sofie", "Thomas", "Wout", "Yasmine", "Zoé",
]  # fmt: skip
LAST_NAMES = [
    "Peeters", "Janssens", "Maes", "Dubois", "Lambert", "El Amrani", "Claes", "Willems", "Goossens", "Martin",
    "Mertens", "Dupont", "Jacobs", "Wouters", "Benali", "De Smet", "Leclercq", "Vermeulen", "Simon", "Renard",
]  # fmt: skip
JUSTIFICATIONS = [
    "Fight reported near {place}", "Theft from a vehicle, {place}", "Missing person last seen at {place}",
    "Traffic accident at {place}", "Crowd management, event at {place}", "Burglary alarm, {place}",
    "Suspicious package reported at {place}", "Vandalism on public property, {place}",
    "Follow-up of complaint {number}", "Request of the public prosecutor, file {number}",
]  # fmt: skip
PLACES = [
    "Gare du Midi", "Place Flagey", "Rue Neuve", "Bourse", "Porte de Namur", "Parvis de Saint-Gilles",
    "Place Liedts", "Simonis", "Heysel", "Gare du Nord", "Merode", "Montgomery", "Place Meiser", "Ribaucourt",
]  # fmt: skip
BATCH = 20_000
COLUMNS = [
    "chain", "sequence", "previous_hash", "entry_hash", "occurred_at", "controller_id", "controller_code",
    "action", "actor_id", "actor_name", "actor_organisation_code", "camera_ids", "camera_names", "window_start",
    "window_end", "mode", "purpose", "justification", "case_reference", "prosecutor_reference", "recipient_code",
    "convention_reference", "convention_version", "decision", "reason", "request_id", "source_address",
    "user_agent", "details",
]  # fmt: skip
AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"


def _people(rng, consumers):
    """A stable roster of 10-60 named operators per consuming organisation: (id, name, organisation code)."""
    people, next_id = [], 1
    for consumer in consumers:
        for _ in range(rng.randrange(10, 61)):
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            people.append((next_id, name, consumer))
            next_id += 1
    return people


def _signed_conventions():
    """consumer id -> [(provider, reference, version number)] of the signed conventions."""
    shared = {}
    versions = ConventionVersion.objects.filter(status=ConventionVersion.Status.SIGNED).select_related(
        "convention__provider"
    )
    for version in versions:
        convention = version.convention
        shared.setdefault(convention.consumer_id, []).append(
            (convention.provider, convention.reference, version.number)
        )
    return shared


def _owner_and_basis(rng, owners, consumer, shared):
    """Whose camera the person used, and under which convention (None: their own camera, or a stray attempt)."""
    if not shared:
        return rng.choice(owners), None
    owner_ids = {o.pk for o in owners}
    mine = [o for o in owners if o.pk == consumer.pk]
    conventions = [c for c in shared.get(consumer.pk, []) if c[0].pk in owner_ids]
    roll = rng.random()
    if roll < 0.03 or (not mine and not conventions):
        return rng.choice(owners), None  # now and then, a camera nobody shared with them
    if conventions and (not mine or roll < 0.45):
        provider, reference, number = rng.choice(conventions)
        return provider, (reference, number)
    return mine[0], None


def _entries(rng, owners, people, cameras, moments, heads, shared):
    """Yield (values, body) for each moment, linked to the heads (updated in place: chain -> [sequence, hash])."""
    for moment in moments:
        actor_id, actor_name, consumer = rng.choice(people)
        owner, basis = _owner_and_basis(rng, owners, consumer, shared)
        camera = rng.choice(cameras[owner.pk])
        own = consumer.pk == owner.pk
        # With conventions in place, another organisation's camera without one is always refused.
        unfounded = bool(shared) and not own and basis is None
        denied = unfounded or rng.random() < 0.04
        mode = rng.choice(MODES)
        purpose = rng.choice(PURPOSES)
        window_start = moment - timedelta(minutes=rng.randrange(5, 240)) if mode != "live" else None
        case = f"BR.{rng.randrange(10, 99)}.LL.{rng.randrange(10**6):06d}/{moment:%y}" if rng.random() < 0.6 else ""
        justification = rng.choice(JUSTIFICATIONS).format(place=rng.choice(PLACES), number=rng.randrange(10**6))
        values = {
            "chain": owner.code, "occurred_at": moment, "controller_id": owner.pk, "controller_code": owner.code,
            "action": AccessAction.DENIED.value if denied else AccessAction.DECISION.value,
            "actor_id": actor_id, "actor_name": actor_name, "actor_organisation_code": consumer.code,
            "camera_ids": [camera[0]], "camera_names": [camera[1]],
            "window_start": window_start, "window_end": moment if window_start else None,
            "mode": mode, "purpose": purpose, "justification": justification, "case_reference": case,
            "prosecutor_reference": "", "recipient_code": "" if own else consumer.code,
            "convention_reference": basis[0] if basis else "", "convention_version": basis[1] if basis else None,
            "decision": "deny" if denied else "allow",
            "reason": ("no_convention" if unfounded else "camera_out_of_scope") if denied else (
                "own_camera" if own else "convention"),
            "request_id": f"{rng.getrandbits(64):016x}",
            "source_address": f"10.20.{rng.randrange(256)}.{rng.randrange(1, 255)}",
            "user_agent": AGENT, "details": {},
        }  # fmt: skip
        head = heads[owner.code]
        body = canonical_body(values)
        head[0] += 1
        values["sequence"], values["previous_hash"] = head[0], head[1]
        head[1] = values["entry_hash"] = link_digest(head[1], head[0], body)
        yield values


def _copy(cursor, batch):
    with cursor.copy(f"COPY {AccessLogEntry._meta.db_table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
        for values in batch:
            copy.write_row(
                [json.dumps(values[name]) if name in ("camera_ids", "camera_names", "details") else values[name]
                 for name in COLUMNS]
            )  # fmt: skip


def seed_audit_events(n, *, seed=5, days=90, progress=None):
    """Append n entries spread over the last `days` days (in time order) across the camera owners' chains."""
    rng = random.Random(seed)  # noqa: S311 - synthetic history, not secrets
    owners = list(Organisation.objects.filter(cameras__isnull=False).distinct().order_by("code"))
    if not owners or n <= 0:
        return 0
    consumers = list(Organisation.objects.exclude(kind=Organisation.Kind.SUPERVISOR).order_by("code"))
    people = _people(rng, consumers)
    shared = _signed_conventions()
    cameras = {o.pk: list(Camera.objects.filter(owner=o).order_by("pk").values_list("pk", "name")[:500])
               for o in owners}  # fmt: skip
    end = timezone.now()
    start = end - timedelta(days=days)
    step = (end - start) / n
    written = 0
    while written < n:
        size = min(BATCH, n - written)
        slice_start = start + step * written
        moments = sorted(slice_start + step * size * rng.random() for _ in range(size))
        with transaction.atomic():
            for owner in owners:
                ChainHead.objects.get_or_create(chain=owner.code)
            heads = {
                h.chain: [h.sequence, h.head_hash]
                for h in ChainHead.objects.select_for_update().filter(chain__in=[o.code for o in owners])
            }
            batch = list(_entries(rng, owners, people, cameras, moments, heads, shared))
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    _copy(cursor.cursor, batch)
            else:
                AccessLogEntry.objects.bulk_create(
                    [AccessLogEntry(**{name: values[name] for name in COLUMNS}) for values in batch], batch_size=500
                )
            for chain, (sequence, head_hash) in heads.items():
                ChainHead.objects.filter(chain=chain).update(sequence=sequence, head_hash=head_hash)
        written += size
        if progress:
            progress(written)
    return written


DEMO_BURST = "Demo: following a pickpocket gang along metro line 1"
DEMO_PROBE = "Demo: looking for a stolen scooter"


def _demo_actor(username):
    membership = Membership.objects.filter(user__username=username, is_active=True).first()
    return actor_for(membership.user, membership.organisation_id) if membership else None


def seed_demo_anomalies():
    """Real decisions today that the DPO console flags: 5339's operator opens the STIB metro cameras 25 times (a
    volume spike) and 5340's operator tries them 6 times in a few minutes without a convention (repeated denials).
    Idempotent: nothing is added if today's burst is in the log. Returns how many decisions were taken."""
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    if AccessLogEntry.objects.filter(justification=DEMO_BURST, occurred_at__gte=today).exists():
        return 0
    metro = list(Camera.objects.filter(owner__code="STIB", groups__name="Metro line 1").order_by("pk")[:25])
    operator, outsider = _demo_actor("5339-operator"), _demo_actor("5340-operator")
    if not metro or operator is None or outsider is None:
        return 0
    taken = 0
    with transaction.atomic():
        for index in range(25):
            decide(actor=operator, camera=metro[index % len(metro)], mode="live", purpose="public_order",
                   justification=DEMO_BURST)  # fmt: skip
            taken += 1
        for index in range(6):
            decide(actor=outsider, camera=metro[index % len(metro)], mode="live", purpose="criminal_investigation",
                   justification=DEMO_PROBE)  # fmt: skip
            taken += 1
    return taken
