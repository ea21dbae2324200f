"""Anomaly flags of the DPO console, computed by queries over the entries a person may read, in a recent window.

(a) outside_hours: an allowed access under a convention whose version runs on a schedule (time condition
    "schedule"), at a Brussels local time outside every slot of that schedule. Break-glass accesses are
    excluded: they are allowed outside the schedule by design and have their own flag (d).
(b) volume: a user's count of entries today (Brussels day) is above 3 times their daily median over the
    previous 14 days (days without any entry count as 0) and at least 20.
(c) repeated_denials: at least 5 denied entries for the same actor within one hour (overlapping bursts are
    merged into one flag).
(d) break_glass_overdue / break_glass_due: an allowed break-glass access awaits review until the footage request
    it belongs to (details.footage_request) is reviewed by the owner's chief or DPO; once
    details.conditions.review_due_at has passed it is overdue (a flag), before that it is "due" (listed for
    information). An entry without a deadline counts as overdue.
(e) gateway_probing: at least 20 refusals of the media gateway's hook for one source address within one hour
    (media.gateway_guard writes them a minute at a time, each entry carrying its count; only the refusals that probe
    count: unknown tokens and paths, another camera, wrong control-API credentials, rate-limited requests, callers
    that are no media server; an ended session's player asking again does not).
(f) repeated_lockouts: at least 3 sign-in lock-outs (zones.lockout: a username locked at an address, or an address
    locked against spraying) of the same username within 24 hours; attempts while already locked do not count.
    A guesser trying one person's password from several addresses, or one address trying many, shows up here.
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from audit.models import AccessAction
from conventions.models import ConventionVersion, TimeCondition
from footage.models import FootageRequest
from media.gateway_guard import PROBE_REASONS
from oversight import selectors
from oversight.api.filters import BRUSSELS, local_day_start

__all__ = ["Anomaly", "find_anomalies"]

WINDOW_DAYS = 30
BASELINE_DAYS = 14
VOLUME_FACTOR = 3
VOLUME_MINIMUM = 20
DENIALS = 5
DENIAL_SPAN = timedelta(hours=1)
PROBES = 20
PROBE_SPAN = timedelta(hours=1)
LIMIT = 200  # flags per rule, newest first: enough to act on, bounded for very large logs
NOT_ACCESSES = [
    AccessAction.LOGIN_SUCCESS,
    AccessAction.LOGIN_FAILURE,
    AccessAction.MEMBERSHIP_CHANGE,
    AccessAction.LOCKOUT,
    AccessAction.UNLOCK,
]
LOCKOUTS = 3
LOCKOUT_SPAN = timedelta(hours=24)
NEW_LOCKS = ["locked_out", "address_locked"]  # zones.services.lockout_record's reasons, but attempt_while_locked

OUTSIDE_HOURS = "outside_hours"
VOLUME = "volume"
REPEATED_DENIALS = "repeated_denials"
BREAK_GLASS_OVERDUE = "break_glass_overdue"
BREAK_GLASS_DUE = "break_glass_due"
GATEWAY_PROBING = "gateway_probing"
REPEATED_LOCKOUTS = "repeated_lockouts"
# BREAK_GLASS_DUE is informational
FLAGS = [OUTSIDE_HOURS, VOLUME, REPEATED_DENIALS, BREAK_GLASS_OVERDUE, GATEWAY_PROBING, REPEATED_LOCKOUTS]


@dataclass
class Anomaly:
    kind: str
    title: str
    description: str
    occurred_at: datetime
    chain: str = ""
    actor_name: str = ""
    entry_ids: list = field(default_factory=list)
    filters: dict = field(default_factory=dict)  # console filters that show the entries concerned

    @property
    def is_flag(self):
        return self.kind in FLAGS


def _local(at):
    return at.astimezone(BRUSSELS)


def _day_filters(chain, actor_name, start, end=None, **extra):
    return {
        "organisation": chain,
        "user": actor_name,
        "date_from": _local(start).date().isoformat(),
        "date_to": _local(end or start).date().isoformat(),
        **extra,
    }


def in_schedule(slots, at):
    """Whether a UTC instant falls in one of a convention's schedule slots (Brussels local time, Monday 0)."""
    local = _local(at)
    clock = local.strftime("%H:%M")
    return any(local.weekday() in slot.get("days", range(7)) and slot["start"] <= clock < slot["end"] for slot in slots)


def outside_hours(entries, since):
    candidates = (
        entries.filter(occurred_at__gte=since, decision="allow", convention_version__isnull=False)
        .exclude(convention_reference="")
        .exclude(reason="break_glass")
    )
    pairs = set(candidates.values_list("convention_reference", "convention_version").distinct())
    if not pairs:
        return []
    wanted = Q(pk__in=[])
    for reference, number in pairs:
        wanted |= Q(convention__reference=reference, number=number)
    schedules = {
        (version.convention.reference, version.number): version.schedule
        for version in ConventionVersion.objects.filter(wanted, time_condition=TimeCondition.SCHEDULE)
        .select_related("convention")
        .only("number", "schedule", "convention__reference")
    }
    if not schedules:
        return []
    scheduled = Q(pk__in=[])
    for reference, number in schedules:
        scheduled |= Q(convention_reference=reference, convention_version=number)
    found = []
    for entry in candidates.filter(scheduled).order_by("-occurred_at", "-id").iterator(chunk_size=2000):
        if in_schedule(schedules[(entry.convention_reference, entry.convention_version)], entry.occurred_at):
            continue
        found.append(
            Anomaly(
                kind=OUTSIDE_HOURS,
                title=_("Access outside the convention's hours"),
                description=_(
                    "%(actor)s was allowed access at %(time)s under %(convention)s v%(version)s, outside its schedule."
                )
                % {
                    "actor": entry.actor_name or _("an unknown person"),
                    "time": _local(entry.occurred_at).strftime("%Y-%m-%d %H:%M"),
                    "convention": entry.convention_reference,
                    "version": entry.convention_version,
                },
                occurred_at=entry.occurred_at,
                chain=entry.chain,
                actor_name=entry.actor_name,
                entry_ids=[entry.pk],
                filters=_day_filters(entry.chain, entry.actor_name, entry.occurred_at, decision="allow"),
            )
        )
        if len(found) >= LIMIT:
            break
    return found


def volume(entries, now):
    today = _local(now).date()
    first = today - timedelta(days=BASELINE_DAYS)
    rows = (
        entries.filter(
            occurred_at__gte=local_day_start(first),
            occurred_at__lt=local_day_start(today + timedelta(days=1)),
            actor_id__isnull=False,
        )
        .exclude(action__in=NOT_ACCESSES)
        .annotate(day=TruncDate("occurred_at", tzinfo=BRUSSELS))
        .values("actor_id", "day")
        .annotate(n=Count("id"))
        .order_by()
    )
    per_actor = defaultdict(dict)
    for row in rows:
        per_actor[row["actor_id"]][row["day"]] = row["n"]
    found = []
    for actor_id, days in per_actor.items():
        count = days.get(today, 0)
        if count < VOLUME_MINIMUM:
            continue
        baseline = statistics.median(days.get(first + timedelta(days=i), 0) for i in range(BASELINE_DAYS))
        if count <= VOLUME_FACTOR * baseline:
            continue
        latest = (
            entries.filter(actor_id=actor_id, occurred_at__gte=local_day_start(today))
            .order_by("-occurred_at", "-id")
            .only("occurred_at", "actor_name", "chain")
            .first()
        )
        chains = set(
            entries.filter(actor_id=actor_id, occurred_at__gte=local_day_start(today))
            .values_list("chain", flat=True)
            .distinct()
        )
        found.append(
            Anomaly(
                kind=VOLUME,
                title=_("Volume far above the user's baseline"),
                description=_(
                    "%(actor)s has %(count)s entries today; their daily median over the previous %(days)s days "
                    "is %(median)s."
                )
                % {"actor": latest.actor_name, "count": count, "days": BASELINE_DAYS, "median": baseline},
                occurred_at=latest.occurred_at,
                chain=latest.chain if len(chains) == 1 else "",
                actor_name=latest.actor_name,
                filters=_day_filters(latest.chain if len(chains) == 1 else "", latest.actor_name, now),
            )
        )
    return found


def repeated_denials(entries, since):
    rows = (
        entries.filter(occurred_at__gte=since, actor_id__isnull=False)
        .filter(Q(decision="deny") | Q(action=AccessAction.DENIED))
        .exclude(action=AccessAction.APPROVAL)  # an approver's rejection is not a refused attempt
        .order_by("actor_id", "occurred_at", "id")
        .values_list("actor_id", "actor_name", "occurred_at", "chain", "id")
    )
    per_actor = defaultdict(list)
    for row in rows.iterator(chunk_size=5000):
        per_actor[row[0]].append(row)
    found = []
    for denials in per_actor.values():
        bursts = []  # [first index, last index], merged when they overlap
        start = 0
        for end in range(len(denials)):
            while denials[end][2] - denials[start][2] > DENIAL_SPAN:
                start += 1
            if end - start + 1 >= DENIALS:
                if bursts and start <= bursts[-1][1]:
                    bursts[-1][1] = end
                else:
                    bursts.append([start, end])
        for first, last in bursts:
            burst = denials[first : last + 1]
            chains = {row[3] for row in burst}
            chain = burst[0][3] if len(chains) == 1 else ""
            found.append(
                Anomaly(
                    kind=REPEATED_DENIALS,
                    title=_("Repeated denials"),
                    description=_("%(actor)s was denied %(count)s times between %(start)s and %(end)s.")
                    % {
                        "actor": burst[0][1] or _("an unknown person"),
                        "count": len(burst),
                        "start": _local(burst[0][2]).strftime("%Y-%m-%d %H:%M"),
                        "end": _local(burst[-1][2]).strftime("%H:%M"),
                    },
                    occurred_at=burst[-1][2],
                    chain=chain,
                    actor_name=burst[0][1],
                    entry_ids=[row[4] for row in burst],
                    filters=_day_filters(chain, burst[0][1], burst[0][2], burst[-1][2], decision="deny"),
                )
            )
    return found


def _refusals(details):
    count = details.get("count") if isinstance(details, dict) else None
    return count if isinstance(count, int) and count > 0 else 1


def gateway_probing(entries, since):
    rows = (
        entries.filter(occurred_at__gte=since, action=AccessAction.DENIED, reason__in=sorted(PROBE_REASONS))
        .exclude(source_address=None)
        .order_by("source_address", "occurred_at", "id")
        .values_list("source_address", "occurred_at", "details", "chain", "id")
    )
    per_source = defaultdict(list)
    for row in rows.iterator(chunk_size=5000):
        per_source[row[0]].append((*row[:2], _refusals(row[2]), *row[3:]))
    found = []
    for source, refusals in per_source.items():
        bursts = []  # [first index, last index], merged when they overlap
        start, total = 0, 0
        for end in range(len(refusals)):
            total += refusals[end][2]
            while refusals[end][1] - refusals[start][1] > PROBE_SPAN:
                total -= refusals[start][2]
                start += 1
            if total >= PROBES:
                if bursts and start <= bursts[-1][1]:
                    bursts[-1][1] = end
                else:
                    bursts.append([start, end])
        for first, last in bursts:
            burst = refusals[first : last + 1]
            chains = {row[3] for row in burst}
            chain = burst[0][3] if len(chains) == 1 else ""
            found.append(
                Anomaly(
                    kind=GATEWAY_PROBING,
                    title=_("Probing of the media gateway"),
                    description=_(
                        "The media gateway refused %(count)s requests from %(source)s between %(start)s and %(end)s."
                    )
                    % {
                        "count": sum(row[2] for row in burst),
                        "source": source,
                        "start": _local(burst[0][1]).strftime("%Y-%m-%d %H:%M"),
                        "end": _local(burst[-1][1]).strftime("%H:%M"),
                    },
                    occurred_at=burst[-1][1],
                    chain=chain,
                    entry_ids=[row[4] for row in burst],
                    filters=_day_filters(chain, "", burst[0][1], burst[-1][1], action=AccessAction.DENIED),
                )
            )
    return found


def repeated_lockouts(entries, since):
    rows = (
        entries.filter(occurred_at__gte=since, action=AccessAction.LOCKOUT, reason__in=NEW_LOCKS)
        .order_by("occurred_at", "id")
        .values_list("details", "actor_name", "occurred_at", "chain", "id")
    )
    per_username = defaultdict(list)
    for row in rows.iterator(chunk_size=5000):
        username = row[0].get("username", "") if isinstance(row[0], dict) else ""
        per_username[(username, row[3])].append(row)
    found = []
    for (username, chain), lockouts in per_username.items():
        bursts = []  # [first index, last index], merged when they overlap
        start = 0
        for end in range(len(lockouts)):
            while lockouts[end][2] - lockouts[start][2] > LOCKOUT_SPAN:
                start += 1
            if end - start + 1 >= LOCKOUTS:
                if bursts and start <= bursts[-1][1]:
                    bursts[-1][1] = end
                else:
                    bursts.append([start, end])
        for first, last in bursts:
            burst = lockouts[first : last + 1]
            found.append(
                Anomaly(
                    kind=REPEATED_LOCKOUTS,
                    title=_("Repeated sign-in lock-outs"),
                    description=_(
                        "Signing in as %(username)s was locked out %(count)s times between %(start)s and %(end)s."
                    )
                    % {
                        "username": username or _("an unknown person"),
                        "count": len(burst),
                        "start": _local(burst[0][2]).strftime("%Y-%m-%d %H:%M"),
                        "end": _local(burst[-1][2]).strftime("%Y-%m-%d %H:%M"),
                    },
                    occurred_at=burst[-1][2],
                    chain=chain,
                    actor_name=burst[0][1],
                    entry_ids=[row[4] for row in burst],
                    filters=_day_filters(chain, burst[0][1], burst[0][2], burst[-1][2], action=AccessAction.LOCKOUT),
                )
            )
    return found[:LIMIT]


def break_glass(entries, since, now):
    found = []
    rows = list(
        entries.filter(occurred_at__gte=since, decision="allow", reason="break_glass").order_by("-occurred_at")[
            : LIMIT * 5
        ]
    )
    references = {e.details.get("footage_request") for e in rows if isinstance(e.details, dict)} - {None}
    reviewed = set(
        FootageRequest.objects.filter(reference__in=references, reviewed_at__isnull=False).values_list(
            "reference", flat=True
        )
    )
    for entry in rows:
        if isinstance(entry.details, dict) and entry.details.get("footage_request") in reviewed:
            continue  # the owner's chief or DPO has reviewed this use
        conditions = entry.details.get("conditions") if isinstance(entry.details, dict) else None
        raw = conditions.get("review_due_at") if isinstance(conditions, dict) else None
        due = parse_datetime(raw) if isinstance(raw, str) else None
        if due is not None and timezone.is_naive(due):
            due = timezone.make_aware(due, BRUSSELS)
        overdue = due is None or due <= now
        values = {
            "actor": entry.actor_name or _("an unknown person"),
            "time": _local(entry.occurred_at).strftime("%Y-%m-%d %H:%M"),
            "cameras": ", ".join(entry.camera_names) or "—",
            "due": _local(due).strftime("%Y-%m-%d %H:%M") if due else "—",
        }
        found.append(
            Anomaly(
                kind=BREAK_GLASS_OVERDUE if overdue else BREAK_GLASS_DUE,
                title=_("Break-glass access awaiting review") if overdue else _("Break-glass access: review due"),
                description=(
                    _("%(actor)s used break-glass at %(time)s on %(cameras)s; the review deadline (%(due)s) passed.")
                    if overdue
                    else _("%(actor)s used break-glass at %(time)s on %(cameras)s; review due by %(due)s.")
                )
                % values,
                occurred_at=entry.occurred_at,
                chain=entry.chain,
                actor_name=entry.actor_name,
                entry_ids=[entry.pk],
                filters=_day_filters(entry.chain, entry.actor_name, entry.occurred_at, decision="allow"),
            )
        )
    return found


def find_anomalies(*, actor, now=None, days=WINDOW_DAYS):
    """Every anomaly over the entries this actor reads in the last `days` days, newest first."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    entries = selectors.entry_list(actor=actor)
    found = outside_hours(entries, since) + volume(entries, now) + repeated_denials(entries, since)
    found += break_glass(entries, since, now) + gateway_probing(entries, since) + repeated_lockouts(entries, since)
    return sorted(found, key=lambda anomaly: anomaly.occurred_at, reverse=True)
