"""Forms of the footage-request pages, and the plain words for what the access decision says about a request.

The cameras offered are other owners' cameras shared with the person's organisation (cameras.selectors); an id from
anywhere else is refused by the form before the decision is asked. The check (`request_check`) asks the decision
function through footage.requests.request_preview, which logs nothing; submitting asks it again and logs.
"""

import hashlib
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cameras.selectors import camera_list
from conventions.models import ConventionVersion, Mode, Purpose
from conventions.policy import Reason, clean_justification
from footage.forms.live import refusal_text as live_refusal_text
from footage.requests import REQUEST_MODES, request_preview

__all__ = [
    "DecisionForm",
    "ExportForm",
    "FootageRequestForm",
    "MAX_CAMERAS",
    "PREVIEW_FIELDS",
    "RequestCheck",
    "ReviewForm",
    "request_check",
    "request_refusal_text",
]

MAX_CAMERAS = 20
# The fields the decision depends on: changing one of them calls for a new check before submitting.
PREVIEW_FIELDS = ("cameras", "window_start", "window_end", "purpose", "mode", "prosecutor_reference", "break_glass")

_REFUSALS = {
    Reason.NO_ROLE: _("your role does not allow asking for footage of this camera"),
    Reason.MODE_NOT_ALLOWED: _("the convention does not allow this kind of access (playback or export)"),
    Reason.WINDOW_REQUIRED: _("give the start and the end of the footage window"),
    Reason.INVALID_WINDOW: _("the window must end after it starts, and not in the future"),
    Reason.RETENTION_EXCEEDED: _("footage that old no longer exists: it is past the camera's legal retention"),
    Reason.ADMINISTRATIVE_WINDOW_EXCEEDED: _(
        "an administrative-police purpose reaches only the first month of police footage"
    ),
    Reason.PROSECUTOR_DECISION_REQUIRED: _(
        "police footage older than one month needs the prosecutor's decision: give its reference and attach it"
    ),
    Reason.LOOKBACK_EXCEEDED: _("the convention does not reach that far back"),
    Reason.BREAK_GLASS_NOT_ALLOWED: _("the convention has no emergency clause, so break-glass is not possible"),
}


def request_refusal_text(reason):
    """A refusal of a footage request in plain words."""
    text = _REFUSALS.get(reason)
    return str(text) if text is not None else live_refusal_text(reason)


def decision_text(decision):
    if decision.allowed and decision.reason == Reason.BREAK_GLASS:
        return gettext("allowed at once under the emergency clause of convention %(reference)s, version %(number)s") % {
            "reference": decision.convention_reference,
            "number": decision.convention_version_number,
        }
    if decision.allowed:
        return gettext("allowed under convention %(reference)s, version %(number)s") % {
            "reference": decision.convention_reference,
            "number": decision.convention_version_number,
        }
    return gettext("refused: %(reason)s") % {"reason": request_refusal_text(decision.reason)}


@dataclass
class RequestCheck:
    """What the decision says for each camera of a would-be request, and what the form must then ask for."""

    rows: list = field(default_factory=list)  # {"camera", "allowed", "reason", "text"}
    missing: str = ""  # why nothing could be checked yet
    prosecutor_required: bool = False
    emergency: dict | None = None  # {"convention", "max_hours", "review_hours"} when break-glass is possible
    four_eyes: bool = False
    fingerprint: str = ""

    @property
    def all_allowed(self):
        return bool(self.rows) and all(row["allowed"] for row in self.rows)

    def as_json(self):
        return {
            "results": [
                {
                    "id": r["camera"].pk,
                    "name": r["camera"].name,
                    "owner": r["camera"].owner.code,
                    "allowed": r["allowed"],
                    "reason": r["reason"],
                    "text": r["text"],
                }
                for r in self.rows
            ],  # fmt: skip
            "missing": self.missing,
            "all_allowed": self.all_allowed,
            "prosecutor_required": self.prosecutor_required,
            "emergency": self.emergency,
            "four_eyes": self.four_eyes,
            "fingerprint": self.fingerprint if self.all_allowed else "",
        }


def _fingerprint(facts):
    """Names the checked facts, so that a submit after a change is sent back for a new check (not a secret: the
    submission asks the decision again anyway)."""
    cameras = ",".join(str(pk) for pk in sorted(camera.pk for camera in facts["cameras"]))
    text = "|".join([cameras, facts["window_start"].isoformat(), facts["window_end"].isoformat(), facts["purpose"],
                     facts["mode"], facts["prosecutor_reference"], "1" if facts["break_glass"] else "0"])  # fmt: skip
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _emergency(actor, facts):
    """The emergency clause, when every camera could be taken at once under it."""
    answers = request_preview(actor=actor, **{**facts, "break_glass": True})
    if not answers or not all(decision for _camera, decision in answers):
        return None
    versions = ConventionVersion.objects.for_actor(actor, "view").select_related("convention")
    version = versions.get(pk=answers[0][1].convention_version_id)
    return {
        "convention": version.convention.reference,
        "max_hours": version.emergency_max_hours,
        "review_hours": version.emergency_review_hours,
    }


def request_check(actor, facts):
    """Ask the decision function (without logging) about the facts gathered by FootageRequestForm.facts()."""
    check = RequestCheck()
    if not facts.get("cameras"):
        check.missing = gettext("Choose the cameras to see the answer for each of them.")
    elif not facts.get("window_start") or not facts.get("window_end"):
        check.missing = gettext("Give the start and end of the footage window.")
    elif not facts.get("purpose"):
        check.missing = gettext("Choose a purpose.")
    elif facts.get("mode") not in REQUEST_MODES:
        check.missing = gettext("Choose playback or export.")
    if check.missing:
        return check
    answers = request_preview(actor=actor, **facts)
    check.rows = [
        {"camera": camera, "allowed": decision.allowed, "reason": decision.reason, "text": decision_text(decision)}
        for camera, decision in answers
    ]
    check.prosecutor_required = any(row["reason"] == Reason.PROSECUTOR_DECISION_REQUIRED for row in check.rows)
    if not check.prosecutor_required and facts["prosecutor_reference"]:
        without = request_preview(actor=actor, **{**facts, "prosecutor_reference": ""})
        check.prosecutor_required = any(d.reason == Reason.PROSECUTOR_DECISION_REQUIRED for _c, d in without)
    if check.all_allowed:
        check.four_eyes = facts["mode"] == Mode.EXPORT and any(
            d.conditions.get("four_eyes_export") for _c, d in answers
        )
        check.fingerprint = _fingerprint(facts)
    check.emergency = _emergency(actor, facts)
    return check


class LocalDateTimeInput(forms.DateTimeInput):
    """A date-time picker in Brussels time, to the second (recorded footage is cut to the second)."""

    input_type = "datetime-local"

    def __init__(self):
        super().__init__(attrs={"step": "1"}, format="%Y-%m-%dT%H:%M:%S")


class FootageRequestForm(forms.Form):
    cameras = forms.ModelMultipleChoiceField(
        label=_("Cameras"),
        queryset=None,
        error_messages={
            "required": _("Choose at least one camera."),
            "invalid_choice": _("A camera chosen is not shared with your organisation (or no longer is)."),
        },
    )
    window_start = forms.DateTimeField(
        label=_("Footage from"), widget=LocalDateTimeInput(), help_text=_("Brussels time, to the second.")
    )
    window_end = forms.DateTimeField(
        label=_("Footage until"), widget=LocalDateTimeInput(), help_text=_("Brussels time, to the second.")
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=[("", "—"), *Purpose.choices])
    mode = forms.ChoiceField(
        label=_("Access asked"),
        choices=[(Mode.PLAYBACK, _("Playback in the portal")), (Mode.EXPORT, _("Evidence package (export)"))],
        initial=Mode.PLAYBACK,
        widget=forms.RadioSelect,
    )
    justification = forms.CharField(
        label=_("Justification"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why this footage is needed, in a sentence. The owner's approvers read it; it is logged."),
    )
    case_reference = forms.CharField(
        label=_("Case reference"), max_length=100, help_text=_("The report (PV) or case number.")
    )
    prosecutor_reference = forms.CharField(
        label=_("Prosecutor's decision (reference)"),
        max_length=100,
        required=False,
        help_text=_("Required for police footage older than one month asked for a judicial purpose."),
    )
    prosecutor_document = forms.FileField(
        label=_("Prosecutor's decision (document)"),
        required=False,
        help_text=_("The signed decision, as a PDF or an image."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,image/*"}),
    )
    break_glass = forms.BooleanField(label=_("Take the footage now under the emergency clause"), required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        # Only other owners' cameras shared with the organisation: own cameras need no request.
        self.fields["cameras"].queryset = camera_list(actor=actor).exclude(owner=actor.organisation)

    def clean_cameras(self):
        cameras = list(self.cleaned_data["cameras"])
        if len(cameras) > MAX_CAMERAS:
            raise ValidationError(gettext("A request covers at most %(count)d cameras.") % {"count": MAX_CAMERAS})
        if len({camera.owner_id for camera in cameras}) > 1:
            raise ValidationError(gettext("A request goes to one camera owner: choose cameras of one owner only."))
        return sorted(cameras, key=lambda camera: (camera.name, camera.pk))

    def clean_justification(self):
        return clean_justification(self.cleaned_data["justification"])

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("window_start"), cleaned.get("window_end")
        if start and end and end <= start:
            self.add_error("window_end", gettext("The end of the window must come after its start."))
        if cleaned.get("prosecutor_reference") and not cleaned.get("prosecutor_document"):
            self.add_error("prosecutor_document", gettext("Attach the prosecutor's decision with its reference."))
        return cleaned

    def facts(self):
        """What the decision depends on, as far as the form could read it (for a check before every field is
        filled in)."""
        data = getattr(self, "cleaned_data", {})
        return {
            "cameras": data.get("cameras") or [],
            "window_start": data.get("window_start"),
            "window_end": data.get("window_end"),
            "purpose": data.get("purpose") or "",
            "mode": data.get("mode") or "",
            "prosecutor_reference": (data.get("prosecutor_reference") or "").strip(),
            "break_glass": bool(data.get("break_glass")),
        }


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    reason = forms.CharField(
        label=_("Reason for your decision"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required. The requester reads it and it is written in the access log."),
    )


class ReviewForm(forms.Form):
    note = forms.CharField(
        label=_("Review"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Was the emergency real and the use proportionate? Your review is kept with the request."),
    )


class ExportForm(forms.Form):
    exact = forms.BooleanField(
        label=_("Frame-exact cut"),
        required=False,
        help_text=_("Re-encodes the clips so they start on the exact second (slower); otherwise the cut starts at "
                    "the key frame just before."),
    )  # fmt: skip
    watermark = forms.BooleanField(
        label=_("Burn in a watermark"),
        required=False,
        initial=True,
        help_text=_("Names your organisation, the request and the time on every frame (re-encodes)."),
    )
