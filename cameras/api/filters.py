import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zones.models import LegalRegime

from ..models import Camera


class CameraFilterSet(django_filters.FilterSet):
    owner = django_filters.CharFilter(field_name="owner__code", label=_("Owner code"))
    municipality = django_filters.CharFilter(field_name="municipality__nis_code", label=_("Municipality NIS code"))
    kind = django_filters.ChoiceFilter(choices=Camera.Kind.choices)
    legal_regime = django_filters.ChoiceFilter(choices=LegalRegime.choices)
    status = django_filters.ChoiceFilter(choices=Camera.Status.choices)
    group = django_filters.NumberFilter(field_name="groups__id", label=_("Camera group id"))
    tag = django_filters.CharFilter(field_name="tags", lookup_expr="icontains", label=_("Tag"))
    shared = django_filters.BooleanFilter(method="filter_shared", label=_("Shared with my organisation"))
    q = django_filters.CharFilter(method="filter_search", label=_("Search name or address"))

    class Meta:
        model = Camera
        fields = ["owner", "municipality", "kind", "legal_regime", "status", "group", "tag", "shared", "q"]

    def filter_shared(self, queryset, name, value):
        """Cameras of other owners (visible only under an active convention) or only our own."""
        organisation = self.request.actor.organisation
        return queryset.exclude(owner=organisation) if value else queryset.filter(owner=organisation)

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(address__icontains=value))
