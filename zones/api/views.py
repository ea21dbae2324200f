from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from zones import selectors, services
from zones.api.permissions import actor_of
from zones.api.serializers import (
    ApiTokenSerializer,
    MembershipSerializer,
    MunicipalitySerializer,
    OrganisationSerializer,
)
from zones.models import ApiToken, Membership, Municipality, Organisation


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    """The organisations you hold an active role in."""

    serializer_class = OrganisationSerializer
    queryset = Organisation.objects.none()  # for the schema only; requests use get_queryset
    filterset_fields = ["kind", "code"]

    def get_queryset(self):
        return selectors.organisation_list(actor=actor_of(self.request)).order_by("code")


class MunicipalityViewSet(viewsets.ReadOnlyModelViewSet):
    """The municipalities of the region and their police zone (public reference data)."""

    serializer_class = MunicipalitySerializer
    queryset = Municipality.objects.none()  # for the schema only; requests use get_queryset
    filterset_fields = ["nis_code"]

    def get_queryset(self):
        return selectors.municipality_list(actor=actor_of(self.request)).order_by("nis_code")


class MembershipViewSet(viewsets.ReadOnlyModelViewSet):
    """Your memberships; a chief also sees every membership of the active organisation."""

    serializer_class = MembershipSerializer
    queryset = Membership.objects.none()  # for the schema only; requests use get_queryset
    filterset_fields = ["role", "is_active"]

    def get_queryset(self):
        return selectors.membership_list(actor=actor_of(self.request)).order_by("id")


class ApiTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your personal API tokens with their last use. Tokens are created in the portal after two-factor sign-in."""

    serializer_class = ApiTokenSerializer
    queryset = ApiToken.objects.none()  # for the schema only; requests use get_queryset

    def get_queryset(self):
        return selectors.api_token_list(user=self.request.user)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        token = self.get_object()
        services.api_token_revoke(token=token)
        return Response(self.get_serializer(token).data)
