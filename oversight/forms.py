"""Form pieces of the access-log console (the filters themselves are the FilterSet in api/filters.py)."""

from django import forms


class DateInput(forms.DateInput):
    """A native date picker; the value is a calendar day in Brussels."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class VerifyForm(forms.Form):
    """The "Verify now" button: no fields, only the CSRF token."""
