"""A convention version in plain words, for its page, its PDF and its history: the terms, the scope covered today,
and what changed between two versions."""

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cameras.models import Camera
from conventions.models import PURPOSE_CATEGORY, Mode, Purpose, TimeCondition
from conventions.selectors import cameras_in_scope

PREVIEW_LIMIT = 20


# --- Reading a convention -------------------------------------------------------------------------------------


def _when(moment):
    return date_format(timezone.localtime(moment), "Y-m-d H:i") if moment else ""


def _names(items):
    return ", ".join(str(item) for item in items)


def _purpose_label(value):
    category = PURPOSE_CATEGORY.get(value)
    label = Purpose(value).label if value in Purpose.values else value
    return f"{label} ({category.label.lower()})" if category else label


def _mode_labels(values):
    return [Mode(value).label if value in Mode.values else value for value in values]


def _kind_labels(values):
    return [Camera.Kind(value).label if value in Camera.Kind.values else value for value in values]


def _schedule_text(schedule):
    slots = []
    for slot in schedule:
        days = ", ".join(str(WEEKDAYS[day]) for day in sorted(slot.get("days", range(7))))
        slots.append(
            _("%(days)s from %(start)s to %(end)s") % {"days": days, "start": slot["start"], "end": slot["end"]}
        )
    return "; ".join(slots)


def version_terms(version):
    """The terms of a version in plain words, as (heading, sentences): the review page and the PDF both read it."""
    convention = version.convention
    if version.time_condition == TimeCondition.SCHEDULE:
        when = _("Only on a schedule (Brussels time): %(slots)s.") % {"slots": _schedule_text(version.schedule)}
    elif version.time_condition == TimeCondition.INCIDENT:
        when = _("Only while one of the two parties has declared an incident.")
    else:
        when = _("At any time.")
    if version.emergency_allowed:
        emergency = _(
            "In an emergency an operator of %(consumer)s may take access without approval for at most %(hours)d "
            "hours; the owner's chief and DPO are told at once and the access is reviewed within %(review)d hours."
        ) % {
            "consumer": convention.consumer.name,
            "hours": version.emergency_max_hours,
            "review": version.emergency_review_hours,
        }
    else:
        emergency = _("No emergency access without approval (no break-glass).")
    if version.valid_until:
        validity = _("From %(start)s until %(end)s (Brussels time).") % {
            "start": _when(version.valid_from),
            "end": _when(version.valid_until),
        }
    else:
        validity = _("From %(start)s (Brussels time), until terminated.") % {"start": _when(version.valid_from)}
    return [
        (
            _("Parties"),
            [
                _("%(provider)s, owner of the cameras, shares them with %(consumer)s.")
                % {"provider": convention.provider.name, "consumer": convention.consumer.name}
            ],
        ),
        (_("Purposes"), [_purpose_label(value) for value in version.purposes]),
        (
            _("What the consumer may do"),
            [
                _("Access modes: %(modes)s.") % {"modes": _names(_mode_labels(version.modes))},
                ngettext(
                    "Recorded footage may be reached up to %(days)d day back.",
                    "Recorded footage may be reached up to %(days)d days back.",
                    version.lookback_days,
                )
                % {"days": version.lookback_days},
                ngettext(
                    "Exported copies are kept at most %(days)d day.",
                    "Exported copies are kept at most %(days)d days.",
                    version.export_retention_days,
                )
                % {"days": version.export_retention_days},
            ],
        ),
        (_("When"), [when]),
        (
            _("Conditions"),
            [
                _("Every export needs the approval of a second person at the owner (four-eyes).")
                if version.four_eyes_export
                else _("Exports need no second approval."),
                _("The owner is notified when live viewing starts.")
                if version.notify_owner_on_live
                else _("The owner is not notified when live viewing starts."),
                ngettext(
                    "A live session lasts at most %(minutes)d minute.",
                    "A live session lasts at most %(minutes)d minutes.",
                    version.max_session_minutes,
                )
                % {"minutes": version.max_session_minutes},
                ngettext(
                    "At most %(viewers)d person watches at the same time.",
                    "At most %(viewers)d people watch at the same time.",
                    version.max_concurrent_viewers,
                )
                % {"viewers": version.max_concurrent_viewers},
            ],
        ),
        (_("Emergency clause"), [emergency]),
        (_("Legal basis"), [version.legal_basis]),
        (_("Validity"), [validity]),
    ]


@dataclass
class ScopeSummary:
    count: int
    first: list
    groups: list = field(default_factory=list)
    municipalities: list = field(default_factory=list)
    kinds: list = field(default_factory=list)
    cameras: list = field(default_factory=list)

    @property
    def more(self):
        return max(self.count - len(self.first), 0)


def scope_summary(version, limit=PREVIEW_LIMIT):
    """How many of the provider's cameras the version covers today (the scope rule of conventions.scope)."""
    covered = cameras_in_scope(version).select_related("municipality")
    return ScopeSummary(
        count=covered.count(),
        first=list(covered.order_by("name")[:limit]),
        groups=[g.name for g in version.groups.order_by("name")],
        municipalities=sorted(m.name for m in version.municipalities.all()),
        kinds=_kind_labels(version.kinds),
        cameras=[c.name for c in version.cameras.order_by("name")],
    )


# --- List -------------------------------------------------------------------------------------------------------


# --- Editor -----------------------------------------------------------------------------------------------------


# --- Review and actions -----------------------------------------------------------------------------------------


# --- History and diff -------------------------------------------------------------------------------------------


def _scalar(version, name):
    value = getattr(version, name)
    if name in {"valid_from", "valid_until"}:
        return _when(value) or _("no end")
    if name == "time_condition":
        return TimeCondition(value).label
    if name == "schedule":
        return _schedule_text(value) or "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def version_diff(old, new):
    """Field by field, what changed from one version to another, in the reader's words."""
    rows = []

    def sets(key, label, before, after, show):
        added, removed = sorted(set(after) - set(before)), sorted(set(before) - set(after))
        if added or removed:
            rows.append(
                {"key": key, "label": label, "added": [show(a) for a in added], "removed": [show(r) for r in removed]}
            )

    sets("purposes", _("Purposes"), old.purposes, new.purposes, _purpose_label)
    sets("modes", _("Access modes"), old.modes, new.modes, lambda v: _mode_labels([v])[0])
    sets("kinds", _("Camera kinds"), old.kinds, new.kinds, lambda v: _kind_labels([v])[0])
    for key, label in (
        ("groups", _("Camera groups")),
        ("municipalities", _("Municipalities")),
        ("cameras", _("Cameras")),
    ):
        before = {item.pk: str(getattr(item, "name", item)) for item in getattr(old, key).all()}
        after = {item.pk: str(getattr(item, "name", item)) for item in getattr(new, key).all()}
        names = {**before, **after}
        sets(key, label, before, after, lambda pk, names=names: names[pk])
    scalars = [
        ("lookback_days", _("Look-back limit (days)")),
        ("export_retention_days", _("Retention of exported copies (days)")),
        ("time_condition", _("When")),
        ("schedule", _("Schedule")),
        ("four_eyes_export", _("Four-eyes approval for exports")),
        ("notify_owner_on_live", _("Notify the owner when live viewing starts")),
        ("max_session_minutes", _("Maximum live session (minutes)")),
        ("max_concurrent_viewers", _("Maximum concurrent viewers")),
        ("emergency_allowed", _("Break-glass allowed")),
        ("emergency_max_hours", _("Break-glass maximum (hours)")),
        ("emergency_review_hours", _("Break-glass review deadline (hours)")),
        ("legal_basis", _("Legal basis")),
        ("valid_from", _("Valid from")),
        ("valid_until", _("Valid until")),
    ]
    for key, label in scalars:
        if getattr(old, key) != getattr(new, key):
            rows.append({"key": key, "label": label, "before": _scalar(old, key), "after": _scalar(new, key)})
    return rows


# --- Documents ----------------------------------------------------------------------------------------------------


__all__ = ["ScopeSummary", "scope_summary", "version_diff", "version_terms"]
