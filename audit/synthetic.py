"""Realistic access-log history at scale (demo and benchmarks), chained exactly as record_access would chain it
but written in batches."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cameras.models import Camera
from zones.models import Organisation

from .chain import entry_digest
from .models import AccessAction, AccessLogEntry, ChainHead

PURPOSES = ["public_order", "incident_intervention", "criminal_investigation", "traffic_management", "crisis"]
MODES = ["live", "live", "live", "playback", "playback", "export"]
BATCH = 5000


def seed_audit_events(n, *, seed=5, days=90):
    """Append n entries spread over the last `days` days across the camera owners' chains."""
    rng = random.Random(seed)  # noqa: S311 - synthetic history, not secrets
    owners = list(Organisation.objects.filter(cameras__isnull=False).distinct())
    if not owners:
        return 0
    consumers = list(Organisation.objects.exclude(kind=Organisation.Kind.SUPERVISOR))
    cameras = {o.pk: list(Camera.objects.filter(owner=o).values_list("pk", "name")[:500]) for o in owners}
    now = timezone.now()
    written = 0
    while written < n:
        size = min(BATCH, n - written)
        with transaction.atomic():
            heads = {
                h.chain: h for h in ChainHead.objects.select_for_update().filter(chain__in=[o.code for o in owners])
            }
            for owner in owners:
                heads.setdefault(owner.code, ChainHead.objects.get_or_create(chain=owner.code)[0])
            moments = sorted(now - timedelta(seconds=rng.randrange(days * 86400)) for _ in range(size))
            entries = []
            for moment in moments:
                owner = rng.choice(owners)
                consumer = rng.choice(consumers)
                camera = rng.choice(cameras[owner.pk])
                denied = rng.random() < 0.04
                own = consumer.pk == owner.pk
                reason = "camera_out_of_scope" if denied else ("own_camera" if own else "convention")
                head = heads[owner.code]
                entry = AccessLogEntry(
                    chain=owner.code, sequence=head.sequence + 1, previous_hash=head.head_hash,
                    occurred_at=moment, controller=owner, controller_code=owner.code,
                    action=AccessAction.DENIED if denied else AccessAction.DECISION,
                    actor_id=rng.randrange(1, 400), actor_name=f"Operator {rng.randrange(1, 400)}",
                    actor_organisation_code=consumer.code, camera_ids=[camera[0]], camera_names=[camera[1]],
                    mode=rng.choice(MODES), purpose=rng.choice(PURPOSES),
                    justification=f"Intervention {rng.randrange(10**6)}", case_reference=f"PV {rng.randrange(10**6)}",
                    recipient_code="" if consumer.pk == owner.pk else consumer.code,
                    decision="deny" if denied else "allow",
                    reason=reason,
                    source_address=f"10.20.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                )  # fmt: skip
                entry.entry_hash = entry_digest(entry, head.head_hash)
                head.sequence, head.head_hash = entry.sequence, entry.entry_hash
                entries.append(entry)
            AccessLogEntry.objects.bulk_create(entries, batch_size=1000)
            for head in heads.values():
                ChainHead.objects.filter(pk=head.pk).update(sequence=head.sequence, head_hash=head.head_hash)
        written += size
    return written
