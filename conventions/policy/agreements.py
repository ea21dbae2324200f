"""The life of a convention, answered once here for the services, the pages' buttons and the API:

- where a convention stands now (its state, computed from its versions and dates);
- which action each state allows and whose it is: the provider's chief drafts, edits, proposes, suspends, resumes
  and amends; the provider's chief signs first, then the consumer's; either party's chief terminates.

`convention_action_refusal` gives the exception a service raises (PermissionDenied for the wrong person,
ValidationError for the wrong moment); `ConventionActions` answers "may I?" for every action at once.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from conventions.models import ConventionVersion
from conventions.scope import in_force
from zones.models import Role

__all__ = [
    "CONVENTION_ACTIONS",
    "NEGOTIATING",
    "ConventionActions",
    "ConventionState",
    "convention_action_refusal",
    "convention_actions",
    "convention_state",
    "draft_refusal",
    "state_labels",
]

NEGOTIATING = frozenset(
    {ConventionVersion.Status.DRAFT, ConventionVersion.Status.PROPOSED, ConventionVersion.Status.PROVIDER_SIGNED}
)
# Actions on a version (given with `version=`) and on the convention as a whole.
VERSION_ACTIONS = ("edit", "propose", "sign")
CONVENTION_ACTIONS = ("suspend", "resume", "terminate", "amend")
# A signed convention can be suspended whether it is in force, starts later or has run out (an amendment may
# renew it); a negotiation is not suspended but left unsigned.
SUSPENDABLE = frozenset({"active", "scheduled", "expired"})


@dataclass
class ConventionState:
    """Where a convention stands now, for the reader: one code, its label and the version in force."""

    code: str
    label: str
    in_force: ConventionVersion | None
    latest: ConventionVersion | None
    pending: ConventionVersion | None = None  # an amendment being negotiated beside the version in force


def state_labels():
    return {
        "draft": _("Draft"),
        "proposed": _("Proposed, awaiting the provider's signature"),
        "awaiting_consumer": _("Awaiting the consumer's signature"),
        "active": _("Active"),
        "scheduled": _("Signed, starts later"),
        "suspended": _("Suspended"),
        "terminated": _("Terminated"),
        "expired": _("Expired"),
        "withdrawn": _("Withdrawn"),
    }


def convention_state(convention, at=None):
    """The state computed from the convention and its versions (prefetch them when reading many)."""
    at = at or timezone.now()
    versions = sorted(convention.versions.all(), key=lambda v: v.number)
    signed = [v for v in versions if v.status == ConventionVersion.Status.SIGNED]
    current = in_force(signed, at)
    latest = versions[-1] if versions else None
    if convention.terminated_at:
        code = "terminated"
    elif convention.suspended_at:
        code = "suspended"
    elif current is not None:
        code = "active"
    elif any(v.valid_from > at for v in signed):
        code = "scheduled"
    elif signed or convention.expired_at:
        code = "expired"
    else:
        code = {
            ConventionVersion.Status.DRAFT: "draft",
            ConventionVersion.Status.PROPOSED: "proposed",
            ConventionVersion.Status.PROVIDER_SIGNED: "awaiting_consumer",
        }.get(latest.status if latest else None, "withdrawn")
    pending = latest if latest and latest.status in NEGOTIATING and signed else None
    return ConventionState(code, state_labels()[code], current, latest, pending)


def _chief_of(actor, organisation_id):
    return actor is not None and actor.has_role(Role.CHIEF) and actor.organisation.pk == organisation_id


def _version_refusal(actor, convention, action, version):
    if action == "sign":
        if version.status == ConventionVersion.Status.PROPOSED:
            signer = convention.provider
        elif version.status == ConventionVersion.Status.PROVIDER_SIGNED:
            signer = convention.consumer
        else:
            return ValidationError(_("This version is not waiting for a signature."))
        if not _chief_of(actor, signer.pk):
            return PermissionDenied(_("Only the chief of %(code)s signs now.") % {"code": signer.code})
        return None
    if not _chief_of(actor, convention.provider_id):
        if action == "edit":
            return PermissionDenied(_("Only the provider's chief edits a draft."))
        return PermissionDenied(_("Only the provider's chief proposes a version."))
    if version.status != ConventionVersion.Status.DRAFT:
        if action == "edit":
            return ValidationError(_("A proposed version cannot be changed; draft an amendment instead."))
        return ValidationError(_("Only a draft can be proposed."))
    return None


def _convention_refusal(actor, convention, action, at):
    if action == "terminate":
        if not (_chief_of(actor, convention.provider_id) or _chief_of(actor, convention.consumer_id)):
            return PermissionDenied(_("Only the chief of one of the two parties terminates a convention."))
        if convention.terminated_at:
            return ValidationError(_("This convention is already terminated."))
        return None
    person = {
        "suspend": _("Only the provider's chief suspends a convention."),
        "resume": _("Only the provider's chief resumes a convention."),
        "amend": _("Only the provider's chief drafts an amendment."),
    }[action]
    if not _chief_of(actor, convention.provider_id):
        return PermissionDenied(person)
    state = convention_state(convention, at)
    if action == "suspend" and state.code not in SUSPENDABLE:
        return ValidationError(_("This convention is not in force."))
    if action == "resume" and state.code != "suspended":
        return ValidationError(_("This convention is not suspended."))
    if action == "amend":
        if state.code == "terminated":
            return ValidationError(_("A terminated convention cannot be amended."))
        if state.latest is not None and state.latest.status in NEGOTIATING:
            return ValidationError(_("Version %(number)d is still being negotiated.") % {"number": state.latest.number})
    return None


def draft_refusal(actor, consumer):
    """None when `actor` may draft a convention offering their organisation's cameras to `consumer`."""
    if not _chief_of(actor, actor.organisation.pk):
        return PermissionDenied(_("Only the chief of the camera owner drafts a convention."))
    if consumer.pk == actor.organisation.pk:
        return ValidationError(_("A convention is between two different organisations."))
    return None


def convention_action_refusal(actor, convention, action, *, version=None, at=None):
    """None when `actor` may take `action` on the convention (or on `version` of it) now; otherwise the exception
    to raise: PermissionDenied (not theirs to take) or ValidationError (not at this moment)."""
    if action in VERSION_ACTIONS:
        return _version_refusal(actor, convention, action, version)
    if action in CONVENTION_ACTIONS:
        return _convention_refusal(actor, convention, action, at or timezone.now())
    raise ValueError(f"unknown convention action {action!r}")


@dataclass
class ConventionActions:
    """What the acting person may do on one convention now: the pages' buttons and the API's answers."""

    actor: object
    convention: object
    at: object
    side: str  # "provider", "consumer", or "" for a reader who is not a party (the supervisor)

    def may(self, action, version=None):
        return convention_action_refusal(self.actor, self.convention, action, version=version, at=self.at) is None

    @property
    def is_provider_chief(self):
        return _chief_of(self.actor, self.convention.provider_id)


def convention_actions(actor, convention, *, at=None):
    side = {convention.provider_id: "provider", convention.consumer_id: "consumer"}.get(actor.organisation.pk, "")
    return ConventionActions(actor=actor, convention=convention, at=at or timezone.now(), side=side)
