from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from audit.access import AccessLogUnavailable
from cameras.selectors import camera_list
from zones.api.permissions import HasActiveOrganisation, actor_of
from zones.stepup import RecentSecondFactor

from .. import live, selectors, services
from ..live_forms import refusal_text
from ..live_views import playlist_url
from ..models import Convention, LiveSession, SigningKey
from .serializers import (
    ConventionSerializer,
    LiveRenewSerializer,
    LiveSessionCreateSerializer,
    LiveSessionGrantSerializer,
    LiveSessionSerializer,
    LiveStartedSerializer,
    PublicKeySerializer,
    ReasonSerializer,
    SignSerializer,
)


def _run(call):
    """Service refusals become clear 4xx answers."""
    try:
        return call()
    except DjangoPermissionDenied as error:
        raise exceptions.PermissionDenied(str(error)) from error
    except DjangoValidationError as error:
        raise exceptions.ValidationError({"detail": error.messages}) from error


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

    @extend_schema(request=SignSerializer, responses=ConventionSerializer)
    @action(detail=True, methods=["post"], permission_classes=[HasActiveOrganisation, RecentSecondFactor])
    def sign(self, request, pk=None):
        """Sign the version waiting for your organisation's signature. Needs a current code in `X-OTP`."""
        convention = self.get_object()
        body = SignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = get_object_or_404(convention.versions, number=body.validated_data["version"])
        _run(lambda: services.version_sign(actor=actor_of(request), version=version, recent_second_factor=True))
        return self._respond(convention)

    def _with_reason(self, request, service):
        convention = self.get_object()
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        _run(lambda: service(actor=actor_of(request), convention=convention, reason=body.validated_data["reason"]))
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


class LiveSessionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Live sessions: yours, and every session of your organisation for its chief. Starting returns each session's
    token and playlist address once; the token lapses within a minute unless renewed (`renew`), up to the
    convention's maximum session length. `?open=true` lists the open ones only."""

    serializer_class = LiveSessionSerializer
    queryset = LiveSession.objects.none()  # for the schema only; requests use get_queryset

    def get_queryset(self):
        sessions = selectors.live_session_list(actor=actor_of(self.request))
        if self.action == "list" and self.request.query_params.get("open") in {"true", "1"}:
            sessions = sessions.filter(ended_at__isnull=True, expires_at__gt=timezone.now())
        return sessions

    @extend_schema(request=LiveSessionCreateSerializer, responses={201: LiveStartedSerializer})
    def create(self, request):
        """Start watching one camera, or a wall of up to nine with one purpose and justification. All or nothing:
        if the decision refuses any camera, nothing starts and the answer (403) gives each refusal."""
        actor = actor_of(request)
        body = LiveSessionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = body.validated_data["cameras"]
        found = {camera.pk: camera for camera in camera_list(actor=actor).filter(pk__in=ids)}
        unknown = [pk for pk in ids if pk not in found]
        if unknown:  # another owner's camera that is not shared with you is as unknown as a missing one
            raise exceptions.ValidationError(
                {"cameras": [_("No camera you may see has the id %(ids)s.") % {"ids": ", ".join(map(str, unknown))}]}
            )
        try:
            grants = live.sessions_start(
                actor=actor,
                cameras=[found[pk] for pk in ids],
                purpose=body.validated_data["purpose"],
                justification=body.validated_data["justification"],
                case_reference=body.validated_data["case_reference"],
                request=request._request,
            )
        except live.LiveRefused as refused:
            return _refused(refused, _("Nothing was started: the decision refuses some of the cameras."))
        except AccessLogUnavailable:
            return _log_unavailable()
        except DjangoValidationError as error:
            raise exceptions.ValidationError({"detail": error.messages}) from error
        sessions = [grant.session for grant in grants]
        context = {"tokens": {g.session.pk: g.token for g in grants}, "playlist_url": playlist_url}
        data = {"sessions": LiveSessionGrantSerializer(sessions, many=True, context=context).data}
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LiveRenewSerializer, responses=LiveSessionSerializer)
    @action(detail=True, methods=["post"])
    def renew(self, request, pk=None):
        """Keep your session open for another token period (about a minute). 409 once it has ended; a new
        `purpose` is decided again (403 if refused: the session goes on under its old purpose)."""
        session = self.get_object()
        body = LiveRenewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            session = live.session_renew(
                actor=actor_of(request),
                session=session,
                purpose=body.validated_data.get("purpose"),
                request=request._request,
            )
        except DjangoPermissionDenied as error:
            raise exceptions.PermissionDenied(str(error)) from error
        except live.LiveRefused as refused:
            return _refused(refused, _("The new purpose is refused; the session goes on under its purpose."))
        except AccessLogUnavailable:
            return _log_unavailable()
        except DjangoValidationError as error:
            session.refresh_from_db()
            return Response(
                {"detail": " ".join(error.messages), "end_reason": session.end_reason}, status=status.HTTP_409_CONFLICT
            )
        return Response(self.get_serializer(self.get_queryset().get(pk=session.pk)).data)

    @extend_schema(request=None, responses=LiveSessionSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """End the session now (the viewer, or the chief of the viewer's organisation). Ending twice is harmless."""
        actor = actor_of(request)
        session = self.get_object()
        by = None if session.user_id == actor.user.pk else actor.user
        live.session_end(session=session, reason=LiveSession.EndReason.STOPPED, by=by)
        return Response(self.get_serializer(self.get_queryset().get(pk=session.pk)).data)


def _refused(refused, detail):
    refusals = [
        {"camera": camera.pk, "name": camera.name, "reason": reason, "message": refusal_text(reason)}
        for camera, reason in refused.refusals.items()
    ]
    return Response({"detail": detail, "refusals": refusals}, status=status.HTTP_403_FORBIDDEN)


def _log_unavailable():
    detail = _("The access log cannot be written just now, so no access is given. Try again soon.")
    return Response({"detail": detail}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
