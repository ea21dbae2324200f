"""Realistic access-log history at scale (demo and benchmarks), chained exactly as record_access chains it but
written in batches: COPY on PostgreSQL (millions of entries in minutes), bulk inserts elsewhere."""

import json
import random
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from audit.chain import canonical_body, link_digest
from audit.models import AccessAction, AccessLogEntry, ChainHead
from cameras.models import Camera
from zones.models import Organisation

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


def _entries(rng, owners, people, cameras, moments, heads):
    """Yield (values, body) for each moment, linked to the heads (updated in place: chain -> [sequence, hash])."""
    for moment in moments:
        owner = rng.choice(owners)
        actor_id, actor_name, consumer = rng.choice(people)
        camera = rng.choice(cameras[owner.pk])
        denied = rng.random() < 0.04
        own = consumer.pk == owner.pk
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
            "convention_reference": "", "convention_version": None,
            "decision": "deny" if denied else "allow",
            "reason": "camera_out_of_scope" if denied else ("own_camera" if own else "convention"),
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
            batch = list(_entries(rng, owners, people, cameras, moments, heads))
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
