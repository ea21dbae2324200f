from django import forms
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app, or a backup code"),
        min_length=6,
        max_length=16,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "autofocus": True,
                "spellcheck": "false",
            }
        ),
        error_messages={
            "required": _("Enter the code shown in your authenticator app."),
            "min_length": _("A code has at least 6 characters."),
            "max_length": _("A code has at most 16 characters."),
        },
    )

    def clean_code(self):
        code = self.cleaned_data["code"].replace(" ", "").replace("-", "").lower()
        if not code.isalnum():
            raise forms.ValidationError(_("A code contains only digits and letters."))
        return code


class EnrolForm(SecondFactorForm):
    code = forms.RegexField(
        label=_("The 6-digit code your app now shows"),
        regex=r"^\s*\d{6}\s*$",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        error_messages={
            "invalid": _("Enter the 6 digits your authenticator app shows."),
            "required": _("Enter the 6 digits your authenticator app shows."),
        },
    )


class ApiTokenForm(forms.Form):
    EXPIRY_CHOICES = [(30, _("30 days")), (90, _("90 days")), (180, _("180 days")), (365, _("One year"))]

    name = forms.CharField(
        label=_("What is this token for?"),
        max_length=100,
        help_text=_("For example: the name of the script or system."),
    )
    days = forms.TypedChoiceField(label=_("Valid for"), choices=EXPIRY_CHOICES, coerce=int, initial=90)


class MembershipDisableForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        min_length=5,
        help_text=_("Kept in the change log; the person is signed out at once."),
        error_messages={
            "required": _("Say why this role is withdrawn."),
            "min_length": _("Say why in a few words."),
        },
    )
