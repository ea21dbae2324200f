import logging

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from conventions import selectors, services
from conventions.api.serializers import ConventionSerializer, PublicKeySerializer, ReasonSerializer, SignSerializer
from conventions.models import Convention, SigningKey
from zones.api.errors import run_service
from zones.api.permissions import HasActiveOrganisation, actor_of
from zones.stepup import RecentSecondFactor

log = logging.getLogger(__name__)


class ConventionViewSet(viewsets.ReadOnlyModelViewSet):
    """Conventions of your organisation (as provider or consumer); the supervisory body reads them all.
    Drafting happens in the portal; the actions below move a convention through its life."""

    serializer_class = ConventionSerializer
    queryset = Convention.objects.none()  # for the schema only; requests use get_queryset
    filterset_fields = ["reference"]

    def get_queryset(self):
        return (
            selectors.convention_list(actor=actor_of(self.request))
            .prefetch_related(
                "versions__signatures__key",
                "versions__cameras",
                "versions__groups",
                "versions__municipalities",
                "events__version",
            )  # fmt: skip
            .order_by("-created_at", "id")
        )

    def _respond(self, convention):
        return Response(self.get_serializer(self.get_queryset().get(pk=convention.pk)).data)

    @extend_schema(
        request=SignSerializer,
        responses=ConventionSerializer,
        parameters=[
            OpenApiParameter(
                "X-OTP",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description=_("A current code of your authenticator or a backup code: required with an API token."),
            )  # fmt: skip
        ],
    )
    @action(detail=True, methods=["post"], permission_classes=[HasActiveOrganisation, RecentSecondFactor])
    def sign(self, request, pk=None):
        """Sign the version waiting for your organisation's signature. Needs a current code in `X-OTP`."""
        convention = self.get_object()
        body = SignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = get_object_or_404(convention.versions, number=body.validated_data["version"])
        run_service(lambda: services.version_sign(actor=actor_of(request), version=version, recent_second_factor=True))
        return self._respond(convention)

    def _with_reason(self, request, service):
        convention = self.get_object()
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        run_service(
            lambda: service(actor=actor_of(request), convention=convention, reason=body.validated_data["reason"])
        )
        return self._respond(convention)

    @extend_schema(request=ReasonSerializer, responses=ConventionSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        """Suspend at once (the provider's chief)."""
        return self._with_reason(request, services.convention_suspend)

    @extend_schema(request=ReasonSerializer, responses=ConventionSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        """Resume a suspended convention (the provider's chief)."""
        return self._with_reason(request, services.convention_resume)

    @extend_schema(request=ReasonSerializer, responses=ConventionSerializer)
    @action(detail=True, methods=["post"])
    def terminate(self, request, pk=None):
        """End the convention for good (either party's chief)."""
        return self._with_reason(request, services.convention_terminate)


class PublicKeyViewSet(viewsets.ReadOnlyModelViewSet):
    """Published Ed25519 public keys of the signers, with their SHA-256 fingerprints: anyone signed in may read
    them to verify a convention's signatures offline (public keys are not secrets, so not tenant-scoped)."""

    serializer_class = PublicKeySerializer
    queryset = SigningKey.objects.select_related("user").order_by("user__username", "-created_at")


# --- Footage requests and evidence exports ------------------------------------------------------------------------
