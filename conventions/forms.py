"""Forms of the convention pages.

Every camera, group and municipality offered to the provider's chief comes from the provider's own catalogue
(cameras.selectors); an id from anywhere else is refused by the form, before any service is called.
"""

from django import forms
from django.db.models import Count, Q
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from cameras.models import Camera
from cameras.selectors import camera_list, group_list
from conventions.models import PURPOSE_CATEGORY, ConventionVersion, Mode, Purpose, TimeCondition
from zones.models import Municipality, Organisation

__all__ = ["ReasonForm", "ScopeForm", "VersionForm", "own_cameras", "own_municipalities"]

WEEKDAY_CHOICES = [(number, WEEKDAYS[number]) for number in range(7)]
DATETIME_INPUT = "%Y-%m-%dT%H:%M"


def own_cameras(actor):
    """The cameras a provider's chief may put in a convention: those of their own organisation, nothing shared."""
    return camera_list(actor=actor, action="manage").filter(owner=actor.organisation)


def own_municipalities(actor, version=None):
    """Municipalities where the provider has cameras or that it polices (and those the version already names)."""
    with_cameras = own_cameras(actor).exclude(municipality=None).values("municipality_id")
    places = Q(pk__in=with_cameras) | Q(zone=actor.organisation)
    if version is not None and version.pk:
        places |= Q(pk__in=version.municipalities.values("pk"))
    return Municipality.objects.for_actor(actor, "view").filter(places)


class _DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_INPUT, **kwargs)


class ScopeForm(forms.Form):
    """Which of the provider's cameras a version covers: groups, municipalities, kinds and explicit cameras."""

    groups = forms.ModelMultipleChoiceField(
        label=_("Camera groups"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    municipalities = forms.ModelMultipleChoiceField(
        label=_("Municipalities"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    kinds = forms.MultipleChoiceField(
        label=_("Camera kinds"), choices=Camera.Kind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    cameras = forms.ModelMultipleChoiceField(
        label=_("Individual cameras"), queryset=None, required=False, widget=forms.MultipleHiddenInput
    )

    error_messages = {"foreign": _("Choose only your own organisation's cameras, groups and municipalities.")}

    def __init__(self, *args, actor, version=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.version = version
        message = {"invalid_choice": self.error_messages["foreign"], "invalid_pk_value": self.error_messages["foreign"]}
        self.fields["groups"].queryset = group_list(actor=actor).order_by("name")
        self.fields["municipalities"].queryset = own_municipalities(actor, version).order_by("name_fr")
        self.fields["cameras"].queryset = own_cameras(actor)
        for name in ("groups", "municipalities", "cameras"):
            self.fields[name].error_messages.update(message)
        self.fields["kinds"].error_messages["invalid_choice"] = self.error_messages["foreign"]

    def _chosen(self, name):
        """The values currently ticked, as strings: the submitted ones, or the version's own."""
        if self.is_bound:
            return {str(value) for value in self.data.getlist(name)} if hasattr(self.data, "getlist") else set()
        if self.version is None or not self.version.pk:
            return set()
        if name == "kinds":
            return set(self.version.kinds)
        return {str(pk) for pk in getattr(self.version, name).values_list("pk", flat=True)}

    def group_options(self):
        """Each group with the number of the provider's cameras in it (counted in one query)."""
        chosen = self._chosen("groups")
        owner = self.actor.organisation
        groups = self.fields["groups"].queryset.annotate(
            camera_count=Count("cameras", filter=Q(cameras__owner=owner), distinct=True)
        )
        return [
            {
                "value": g.pk,
                "label": g.name,
                "help": g.description,
                "count": g.camera_count,
                "checked": str(g.pk) in chosen,
            }
            for g in groups
        ]

    def municipality_options(self):
        chosen = self._chosen("municipalities")
        counts = dict(
            own_cameras(self.actor).exclude(municipality=None).values_list("municipality_id").annotate(n=Count("id"))
        )
        places = sorted(self.fields["municipalities"].queryset, key=lambda m: m.name)
        return [
            {"value": m.pk, "label": m.name, "count": counts.get(m.pk, 0), "checked": str(m.pk) in chosen}
            for m in places
        ]

    def kind_options(self):
        chosen = self._chosen("kinds")
        counts = dict(own_cameras(self.actor).values_list("kind").annotate(n=Count("id")))
        return [
            {"value": value, "label": label, "count": counts.get(value, 0), "checked": value in chosen}
            for value, label in Camera.Kind.choices
        ]

    def chosen_cameras(self):
        """The explicit cameras to show as ticked: the submitted ones that are the provider's own, or the version's."""
        ids = [value for value in self._chosen("cameras") if value.isdigit()]
        return list(own_cameras(self.actor).filter(pk__in=ids).order_by("name"))

    def scope(self):
        data = self.cleaned_data
        return {
            "cameras": list(data["cameras"]),
            "groups": list(data["groups"]),
            "municipalities": list(data["municipalities"]),
        }


class VersionForm(ScopeForm):
    """The provider chief's editor: the parties (when drafting) and every term of a version."""

    title = forms.CharField(label=_("Title"), max_length=200)
    consumer = forms.ModelChoiceField(
        label=_("Consumer"),
        queryset=None,
        help_text=_("The organisation that will use your cameras."),
        error_messages={"invalid_choice": _("Choose an organisation from the list.")},
    )
    purposes = forms.MultipleChoiceField(
        label=_("Purposes"),
        choices=Purpose.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one purpose.")},
    )
    modes = forms.MultipleChoiceField(
        label=_("Access modes"),
        choices=Mode.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one access mode.")},
    )
    lookback_days = forms.IntegerField(
        label=_("Look-back limit for recorded footage (days)"),
        min_value=0,
        max_value=365,
        help_text=_("How old recorded footage may be; the legal retention of each camera still applies."),
    )
    export_retention_days = forms.IntegerField(
        label=_("Retention of exported copies (days)"), min_value=1, max_value=3650
    )
    time_condition = forms.ChoiceField(label=_("When"), choices=TimeCondition.choices, widget=forms.RadioSelect)
    schedule_days = forms.TypedMultipleChoiceField(
        label=_("Days"), choices=WEEKDAY_CHOICES, coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    schedule_start = forms.TimeField(
        label=_("From"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    schedule_end = forms.TimeField(
        label=_("Until"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    four_eyes_export = forms.BooleanField(label=_("Four-eyes approval for exports"), required=False)
    notify_owner_on_live = forms.BooleanField(label=_("Notify the owner when live viewing starts"), required=False)
    max_session_minutes = forms.IntegerField(label=_("Maximum live session (minutes)"), min_value=1, max_value=1440)
    max_concurrent_viewers = forms.IntegerField(label=_("Maximum concurrent viewers"), min_value=1, max_value=100)
    emergency_allowed = forms.BooleanField(
        label=_("Break-glass allowed"),
        required=False,
        help_text=_("In an emergency an operator may take access without approval; both chiefs and the DPO are told."),
    )
    emergency_max_hours = forms.IntegerField(label=_("Break-glass maximum (hours)"), min_value=1, max_value=72)
    emergency_review_hours = forms.IntegerField(
        label=_("Break-glass review deadline (hours)"), min_value=1, max_value=720
    )
    legal_basis = forms.CharField(
        label=_("Legal basis"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text=_("The articles of law and the decisions this sharing rests on."),
    )
    valid_from = forms.DateTimeField(
        label=_("Valid from"), widget=_DateTimeInput(), input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M"]
    )
    valid_until = forms.DateTimeField(
        label=_("Valid until"),
        required=False,
        widget=_DateTimeInput(),
        input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M"],
        help_text=_("Empty: until terminated."),
    )

    TERMS = (
        "purposes", "modes", "lookback_days", "export_retention_days", "time_condition", "four_eyes_export",
        "notify_owner_on_live", "max_session_minutes", "max_concurrent_viewers", "emergency_allowed",
        "emergency_max_hours", "emergency_review_hours", "legal_basis", "valid_from", "valid_until",
    )  # fmt: skip

    def __init__(self, *args, actor, version=None, **kwargs):
        """With a version: edit its draft (the parties are fixed). Without: draft a new convention."""
        if version is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(version)
        super().__init__(*args, actor=actor, version=version, **kwargs)
        if version is not None:
            del self.fields["title"], self.fields["consumer"]
        else:
            self.fields["consumer"].queryset = Organisation.objects.for_actor(actor, "counterpart").order_by("code")
            self.fields["consumer"].label_from_instance = lambda o: f"{o.code} · {o.name}"
        self.fields["purposes"].choices = [
            (value, f"{label} ({PURPOSE_CATEGORY[value].label.lower()})") for value, label in Purpose.choices
        ]

    @classmethod
    def initial_from(cls, version):
        initial = {name: getattr(version, name) for name in cls.TERMS}
        slot = version.schedule[0] if version.schedule else {}
        initial.update(
            schedule_days=slot.get("days", []), schedule_start=slot.get("start"), schedule_end=slot.get("end")
        )
        return initial

    @classmethod
    def defaults(cls, now):
        """What a new draft starts from: the model's defaults, valid from this minute."""
        fields = ConventionVersion._meta
        initial = {
            name: fields.get_field(name).default
            for name in cls.TERMS
            if name not in {"purposes", "legal_basis", "valid_from", "valid_until"}
        }
        initial.update(modes=[Mode.LIVE], valid_from=now.replace(second=0, microsecond=0))
        return initial

    def clean(self):
        data = super().clean()
        if data.get("time_condition") == TimeCondition.SCHEDULE:
            days, start, end = data.get("schedule_days"), data.get("schedule_start"), data.get("schedule_end")
            if not days:
                self.add_error("schedule_days", _("Choose the days of the schedule."))
            if start is None or end is None:
                self.add_error("schedule_start", _("Give the start and end time of the schedule."))
            elif start >= end:
                self.add_error("schedule_end", _("The schedule must end after it starts, on the same day."))
        start, until = data.get("valid_from"), data.get("valid_until")
        if start and until and until <= start:
            self.add_error("valid_until", _("The end of validity must come after its start."))
        return data

    def terms(self):
        """The version's terms as the services take them."""
        data = self.cleaned_data
        terms = {name: data[name] for name in self.TERMS}
        terms["kinds"] = list(data["kinds"])
        if data["time_condition"] == TimeCondition.SCHEDULE:
            terms["schedule"] = [
                {
                    "days": sorted(data["schedule_days"]),
                    "start": data["schedule_start"].strftime("%H:%M"),
                    "end": data["schedule_end"].strftime("%H:%M"),
                }
            ]
        else:
            terms["schedule"] = []
        return terms


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        min_length=5,
        help_text=_("Kept in the convention's history and the change log; the other party reads it."),
        error_messages={
            "required": _("Give the reason in a few words."),
            "min_length": _("Give the reason in a few words."),
        },
    )

    def __init__(self, *args, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["reason"].label = label
