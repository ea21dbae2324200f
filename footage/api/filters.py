"""Filters of footage requests, shared by the request pages and the API; they only narrow a restricted queryset."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from conventions.models import Purpose
from footage.models import FootageRequest

__all__ = ["FootageRequestFilterSet"]


class FootageRequestFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label=_("Reference, case or justification"))
    status = django_filters.ChoiceFilter(choices=FootageRequest.Status.choices, label=_("Status"))
    purpose = django_filters.ChoiceFilter(choices=Purpose.choices, label=_("Purpose"))
    mode = django_filters.ChoiceFilter(choices=FootageRequest._meta.get_field("mode").choices, label=_("Access"))

    class Meta:
        model = FootageRequest
        fields = ["q", "status", "purpose", "mode"]

    def filter_search(self, queryset, name, value):
        value = value.strip()[:100]
        return queryset.filter(
            Q(reference__icontains=value) | Q(case_reference__icontains=value) | Q(justification__icontains=value)
        )
