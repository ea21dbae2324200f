from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from cameras.models import CameraGroup
from cameras.region import validate_position
from cameras.selectors import APPROVE_GROUP, MANAGE_GROUP


class OnboardForm(forms.Form):
    onvif_address = forms.CharField(
        label=_("ONVIF address"), max_length=300, help_text=_("For example http://10.1.2.3:80 — the device service.")
    )
    username = forms.CharField(label=_("Camera username"), max_length=100)
    password = forms.CharField(
        label=_("Camera password"), max_length=200, strip=False, widget=forms.PasswordInput(render_value=False)
    )
    name = forms.CharField(label=_("Name"), max_length=200, required=False, help_text=_("Empty: the device's model."))
    latitude = forms.DecimalField(label=_("Latitude"), max_digits=9, decimal_places=6)
    longitude = forms.DecimalField(label=_("Longitude"), max_digits=9, decimal_places=6)
    address = forms.CharField(label=_("Street address"), max_length=300, required=False)
    group = forms.ModelChoiceField(label=_("Group"), queryset=CameraGroup.objects.none(), required=False)

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups  # restricted by the caller: never trust an id from the client

    def clean_onvif_address(self):
        value = self.cleaned_data["onvif_address"].strip()
        if not value.startswith(("http://", "https://")):
            raise forms.ValidationError(_("An ONVIF address starts with http:// or https://."))
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("latitude") is not None and cleaned.get("longitude") is not None:
            validate_position(cleaned["latitude"], cleaned["longitude"])
        return cleaned


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File (CSV in UTF-8, or XLSX)"))
    dry_run = forms.BooleanField(label=_("Check only, write nothing"), required=False, initial=True)
    partial = forms.BooleanField(label=_("Write the valid rows even if some rows fail"), required=False)


class GroupForm(forms.ModelForm):
    class Meta:
        model = CameraGroup
        fields = ["name", "description"]


class DelegationForm(forms.Form):
    RIGHTS = [(MANAGE_GROUP, _("Manage the group's cameras")), (APPROVE_GROUP, _("Approve footage requests"))]

    group = forms.ModelChoiceField(label=_("Group"), queryset=CameraGroup.objects.none())
    user = forms.ModelChoiceField(label=_("Person"), queryset=get_user_model().objects.none())
    right = forms.ChoiceField(label=_("Right"), choices=RIGHTS)

    def __init__(self, *args, groups, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        self.fields["user"].queryset = people
