"""The legal rules every access obeys whatever the conventions say (DESIGN.md §3):

- footage exists only for its camera's legal retention (Camera.retention_days: 12 months under the Police Function
  Act; one month under the Camera Law, three for a designated special-risk place); nothing older is granted;
- police footage older than its first month (ADMINISTRATIVE_REACH_DAYS) is out of reach of administrative-police
  purposes, and reachable for judicial purposes only with the reference of a prosecutor's decision;
- every access is justified in a sentence of the person's own.
"""

import re
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from conventions.models import PURPOSE_CATEGORY, PurposeCategory
from conventions.policy.reasons import Reason
from zones.models import LegalRegime

__all__ = ["ADMINISTRATIVE_REACH_DAYS", "clean_justification", "regime_check"]


ADMINISTRATIVE_REACH_DAYS = 30  # police footage: administrative purposes reach only its first month


def regime_check(camera, purpose, window_start, prosecutor_reference, at):
    """The reason the camera's legal regime refuses footage starting at `window_start`, or None."""
    age = at - window_start
    if age > timedelta(days=camera.retention_days):
        return Reason.RETENTION_EXCEEDED
    if camera.legal_regime == LegalRegime.POLICE and age > timedelta(days=ADMINISTRATIVE_REACH_DAYS):
        if PURPOSE_CATEGORY[purpose] == PurposeCategory.ADMINISTRATIVE:
            return Reason.ADMINISTRATIVE_WINDOW_EXCEEDED
        if not prosecutor_reference.strip():
            return Reason.PROSECUTOR_DECISION_REQUIRED
    return None


MIN_JUSTIFICATION_WORDS = 3
MIN_JUSTIFICATION_CHARS = 15


def clean_justification(text):
    """Every access to footage is justified in a sentence of the person's own (at least three words); the text
    as it will be logged, or ValidationError."""
    text = " ".join((text or "").split())
    if len(text) < MIN_JUSTIFICATION_CHARS or len(re.findall(r"\w+", text)) < MIN_JUSTIFICATION_WORDS:
        raise ValidationError(_("Say in a sentence why you need to watch (at least three words)."))
    return text
