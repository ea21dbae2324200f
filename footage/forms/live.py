"""The form that starts live viewing, and the plain words for what the access decision says about a camera.

The cameras offered are those the person may see in the catalogue (cameras.selectors: their organisation's own and
those shared with it); an id from anywhere else is refused by the form before the decision is asked.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cameras.selectors import camera_list
from conventions.models import Mode, Purpose
from conventions.policy import Reason, clean_justification, evaluate
from footage.live import MAX_WALL, VIEWER_LIMIT

__all__ = ["LAYOUTS", "LiveStartForm", "decision_text", "preview", "refusal_text"]

LAYOUTS = {1: _("One camera"), 4: _("Wall of 4"), 9: _("Wall of 9")}

_REFUSALS = {
    Reason.NO_ROLE: _("your role does not allow watching this camera"),
    Reason.NO_CONVENTION: _("no sharing convention gives your organisation this camera"),
    Reason.CONVENTION_SUSPENDED: _("the convention is suspended"),
    Reason.OUTSIDE_VALIDITY: _("the convention is not in force today"),
    Reason.CAMERA_OUT_OF_SCOPE: _("the convention does not cover this camera"),
    Reason.MODE_NOT_ALLOWED: _("the convention does not allow live viewing"),
    Reason.PURPOSE_NOT_ALLOWED: _("the purpose is not in the convention"),
    Reason.UNKNOWN_PURPOSE: _("choose a purpose from the list"),
    Reason.OUTSIDE_SCHEDULE: _("the convention does not allow access at this hour"),
    Reason.NO_DECLARED_INCIDENT: _("the convention allows access only during a declared incident"),
    Reason.BREAK_GLASS_NOT_ALLOWED: _("the convention has no emergency clause"),
    Reason.AUDIT_UNAVAILABLE: _("the access log cannot be written just now, so no access is given"),
    VIEWER_LIMIT: _("the convention's limit of people watching this camera at once is reached"),
    # Why a session in progress was cut (conventions.signals, the gate).
    "convention_stopped": _("the convention was suspended or terminated"),
    "membership_disabled": _("your role in the organisation was withdrawn"),
    "user_disabled": _("your account was disabled"),
    "organisation_disabled": _("the organisation was disabled"),
}


def refusal_text(reason):
    """A refusal in plain words (the reason code itself when it has none)."""
    text = _REFUSALS.get(reason)
    return str(text) if text is not None else str(reason)


def decision_text(decision):
    """What the decision says, for a person about to start watching."""
    if decision.allowed and decision.reason == Reason.OWN_CAMERA:
        return gettext("allowed: a camera of your organisation")
    if decision.allowed:
        return gettext("allowed under convention %(reference)s, version %(number)s") % {
            "reference": decision.convention_reference,
            "number": decision.convention_version_number,
        }
    return gettext("not allowed: %(reason)s") % {"reason": refusal_text(decision.reason)}


def preview(actor, cameras, purpose):
    """For each camera, what the decision would say now (evaluate: nothing is logged)."""
    rows = []
    for camera in cameras:
        if purpose in Purpose.values:
            decision = evaluate(actor=actor, camera=camera, mode=Mode.LIVE, purpose=purpose)
            rows.append({"camera": camera, "allowed": decision.allowed, "text": decision_text(decision)})
        else:
            rows.append({"camera": camera, "allowed": None, "text": gettext("choose a purpose to see the decision")})
    return rows


class LiveStartForm(forms.Form):
    layout = forms.TypedChoiceField(
        label=_("Show"), choices=list(LAYOUTS.items()), coerce=int, initial=1, widget=forms.RadioSelect
    )
    cameras = forms.ModelMultipleChoiceField(
        label=_("Cameras"),
        queryset=None,
        error_messages={
            "required": _("Choose at least one camera."),
            "invalid_choice": _("A camera chosen is not one you may watch (or no longer is): choose again."),
        },
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=[("", "—"), *Purpose.choices])
    justification = forms.CharField(
        label=_("Justification"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Say in a sentence why you need to watch. It is written in the access log and shown to the owner."),
    )
    case_reference = forms.CharField(label=_("Incident or case reference (optional)"), max_length=100, required=False)
    break_glass = forms.BooleanField(
        label=_("Break-glass: invoke the convention's emergency clause"),
        required=False,
        help_text=_(
            "Only in an emergency, where the convention has an emergency clause: it opens live viewing outside the "
            "convention's schedule or without a declared incident, for the clause's hours at most. The owner's "
            "chief and DPO are told at once and must review it."
        ),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["cameras"].queryset = camera_list(actor=actor)

    def clean_cameras(self):
        cameras = list(self.cleaned_data["cameras"])
        if len(cameras) > MAX_WALL:
            raise ValidationError(gettext("A wall shows at most %(count)d cameras.") % {"count": MAX_WALL})
        # Keep the order in which they were chosen: it is the order of the wall.
        order = {value: index for index, value in enumerate(self.data.getlist("cameras"))}
        return sorted(cameras, key=lambda camera: order.get(str(camera.pk), len(order)))

    def clean_justification(self):
        return clean_justification(self.cleaned_data["justification"])

    def clean(self):
        cleaned = super().clean()
        layout, cameras = cleaned.get("layout"), cleaned.get("cameras")
        if layout and cameras and len(cameras) > layout:
            if layout == 1:
                message = gettext("One camera is shown alone; choose a wall of 4 or 9 to watch several.")
            else:
                message = gettext("A wall of %(layout)d shows at most %(layout)d cameras.") % {"layout": layout}
            self.add_error("cameras", message)
        return cleaned
