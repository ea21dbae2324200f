import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cameras.models import Camera, CameraGroup
from cameras.selectors import owners_of
from zones.models import LegalRegime, Municipality


class CameraFilterSet(django_filters.FilterSet):
    """Shared by the catalogue pages and the API; every choice list is restricted to what the person sees."""

    SHARED_CHOICES = [("yes", _("Only cameras shared with us")), ("no", _("Only our own cameras"))]

    owner = django_filters.ChoiceFilter(field_name="owner__code", label=_("Owner"))
    municipality = django_filters.ChoiceFilter(field_name="municipality__nis_code", label=_("Municipality"))
    kind = django_filters.ChoiceFilter(choices=Camera.Kind.choices, label=_("Kind"))
    legal_regime = django_filters.ChoiceFilter(choices=LegalRegime.choices, label=_("Legal regime"))
    status = django_filters.ChoiceFilter(choices=Camera.Status.choices, label=_("Status"))
    group = django_filters.ChoiceFilter(field_name="groups__id", label=_("Group"))
    tag = django_filters.CharFilter(field_name="tags", lookup_expr="icontains", label=_("Tag"))
    shared = django_filters.ChoiceFilter(choices=SHARED_CHOICES, method="filter_shared", label=_("Sharing"))
    q = django_filters.CharFilter(method="filter_search", label=_("Name or address"))

    class Meta:
        model = Camera
        fields = ["q", "owner", "municipality", "kind", "legal_regime", "status", "group", "tag", "shared"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        actor = request.actor
        cameras = self.queryset

        # Callables: the lists are read only when a form is drawn or a value is checked, not on every API call.
        def owners():
            return [(o.code, f"{o.code} · {o.name}") for o in owners_of(cameras).order_by("code")]

        def municipalities():
            places = Municipality.objects.for_actor(actor, "view")
            return [(m.nis_code, m.name) for m in sorted(places, key=lambda m: m.name)]

        def groups():
            return [(g.pk, g.name) for g in CameraGroup.objects.for_actor(actor, "view").order_by("name")]

        self.filters["owner"].extra["choices"] = owners
        self.filters["municipality"].extra["choices"] = municipalities
        self.filters["group"].extra["choices"] = groups

    def filter_shared(self, queryset, name, value):
        """Cameras of other owners (visible only under an active convention), or only our own."""
        organisation = self.request.actor.organisation
        return queryset.exclude(owner=organisation) if value == "yes" else queryset.filter(owner=organisation)

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(address__icontains=value))
