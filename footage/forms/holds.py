"""Forms of the legal-hold pages: place a hold on the organisation's own cameras, release one."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cameras.models import Camera
from footage.forms.requests import LocalDateTimeInput

__all__ = ["HoldForm", "ReleaseForm"]


class HoldForm(forms.Form):
    cameras = forms.ModelMultipleChoiceField(
        label=_("Cameras"),
        queryset=Camera.objects.none(),
        error_messages={
            "required": _("Choose at least one camera."),
            "invalid_choice": _("A camera chosen is not one of your organisation's cameras."),
        },
        widget=forms.SelectMultiple(attrs={"size": 12}),
    )
    window_start = forms.DateTimeField(
        label=_("Footage from"), widget=LocalDateTimeInput(), help_text=_("Brussels time, to the second.")
    )
    window_end = forms.DateTimeField(
        label=_("Footage until"), widget=LocalDateTimeInput(), help_text=_("Brussels time, to the second.")
    )
    case_reference = forms.CharField(
        label=_("Case reference"), max_length=100, help_text=_("The report (PV), case or court reference.")
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the footage must be kept past its retention, in a sentence. It is logged."),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cameras"].queryset = (
            Camera.objects.for_actor(actor, "view").filter(owner=actor.organisation).order_by("name", "pk")
        )


class ReleaseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the hold ends"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: the case was closed, or the court released the footage. It is logged."),
    )
