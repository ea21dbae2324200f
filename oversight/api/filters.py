import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import django_filters
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from audit.models import AccessAction, AccessLogEntry
from conventions.models import Purpose
from oversight import selectors
from oversight.forms import DateInput
from zones.api.fields import MAX_ID

BRUSSELS = ZoneInfo("Europe/Brussels")
DECISION_CHOICES = [("allow", _("Allowed")), ("deny", _("Denied"))]


def local_day_start(day):
    """The UTC instant at which a Brussels calendar day starts (an aware datetime)."""
    return datetime.combine(day, time.min, tzinfo=BRUSSELS)


def camera_id_q(camera_id):
    """Entries whose camera_ids list holds this id (JSON containment on PostgreSQL, json_each on SQLite)."""
    if connection.vendor == "postgresql":
        return Q(camera_ids__contains=[camera_id])
    table = AccessLogEntry._meta.db_table
    return Q(
        pk__in=RawSQL(  # noqa: S611 - fixed table name, the id is a parameter
            f"SELECT e.id FROM {table} e, json_each(e.camera_ids) j WHERE j.value = %s",  # noqa: S608 - fixed
            [camera_id],
        )
    )


# Dates a log can hold: outside them a filter is a typing error (9999-12-31 plus a day is no date at all).
DATE_BOUNDS = [
    MinValueValidator(date(2000, 1, 1), message=_("Give a date from 2000 on.")),
    MaxValueValidator(date(2999, 12, 31), message=_("Give a date before the year 3000.")),
]


class AccessLogFilterSet(django_filters.FilterSet):
    """Shared by the console page, its exports and the API; the organisation list holds only readable chains."""

    organisation = django_filters.ChoiceFilter(field_name="controller_code", label=_("Organisation (chain)"))
    camera = django_filters.CharFilter(method="filter_camera", label=_("Camera (id or name)"))
    user = django_filters.CharFilter(field_name="actor_name", lookup_expr="icontains", label=_("User"))
    purpose = django_filters.ChoiceFilter(choices=Purpose.choices, label=_("Purpose"))
    action = django_filters.ChoiceFilter(choices=AccessAction.choices, label=_("Action"))
    decision = django_filters.ChoiceFilter(choices=DECISION_CHOICES, label=_("Decision"))
    date_from = django_filters.DateFilter(
        method="filter_from", label=_("From (date)"), widget=DateInput, validators=DATE_BOUNDS
    )
    date_to = django_filters.DateFilter(
        method="filter_to", label=_("Until (date, inclusive)"), widget=DateInput, validators=DATE_BOUNDS
    )
    q = django_filters.CharFilter(method="filter_search", label=_("Search justification and case reference"))

    class Meta:
        model = AccessLogEntry
        fields = ["q", "organisation", "camera", "user", "purpose", "action", "decision", "date_from", "date_to"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        actor = request.actor

        def chains():  # read only when the form is drawn or a value checked
            return selectors.chain_choices(actor=actor)

        self.filters["organisation"].extra["choices"] = chains

    def filter_camera(self, queryset, name, value):
        value = value.strip()
        match = Q(camera_names__icontains=value)
        if re.fullmatch(r"\d{1,18}", value):
            match |= camera_id_q(int(value))
        return queryset.filter(match)

    def filter_from(self, queryset, name, value):
        return queryset.filter(occurred_at__gte=local_day_start(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(occurred_at__lt=local_day_start(value + timedelta(days=1)))

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(justification__icontains=value) | Q(case_reference__icontains=value))


AFTER_HELP = _(
    "Cursor: only entries with a larger id, oldest first, in id order; start with 0 and follow `next` until it is null."
)


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 0, "maximum": MAX_ID, "description": AFTER_HELP})
class AfterIdFilter(django_filters.Filter):
    """Entries with a larger id than this one (the API's cursor); oversight.api.views pages them in id order."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, field_name="id", lookup_expr="gt", min_value=0, max_value=MAX_ID, **kwargs)


class AccessLogApiFilterSet(AccessLogFilterSet):
    """The API's filters: the console's, and the cursor a system pulling the whole log follows."""

    after = AfterIdFilter(label=_("After the entry"))
