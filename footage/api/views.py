import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from audit.access import AccessLogUnavailable
from cameras.selectors import camera_list
from conventions.models import Mode
from footage import exports, live, selectors
from footage import requests as footage
from footage.api.filters import FootageRequestFilterSet
from footage.api.serializers import (
    DecisionReasonSerializer,
    EvidenceExportCreateSerializer,
    EvidenceExportSerializer,
    FootageRequestCreateSerializer,
    FootageRequestPreviewSerializer,
    FootageRequestSerializer,
    LiveEndedSerializer,
    LiveRenewSerializer,
    LiveSessionCreateSerializer,
    LiveSessionGrantSerializer,
    LiveSessionSerializer,
    LiveStartedSerializer,
    PreviewAnswerSerializer,
    RefusedSerializer,
    ReviewNoteSerializer,
)
from footage.attempts import log_attempts_on_unseen_cameras
from footage.forms.live import refusal_text
from footage.forms.requests import request_check, request_refusal_text
from footage.models import EvidenceExport, FootageRequest, LiveSession
from footage.views.live import playlist_url
from footage.views.requests import opened, zip_response
from media.evidence import PackageError
from zones.api.errors import ErrorSerializer, run_service
from zones.api.permissions import actor_of

log = logging.getLogger(__name__)

REFUSED = OpenApiResponse(RefusedSerializer, gettext_lazy("Refused: the decision's reason for each camera refused."))
LOG_UNAVAILABLE = OpenApiResponse(
    ErrorSerializer, gettext_lazy("The access log cannot be written just now, so no access is given.")
)


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("open", bool, description=gettext_lazy("true: only the open sessions."))]
    )
)
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

    @extend_schema(
        request=LiveSessionCreateSerializer,
        responses={201: LiveStartedSerializer, 403: REFUSED, 503: LOG_UNAVAILABLE},
    )
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
            data = body.validated_data
            log_attempts_on_unseen_cameras(
                actor=actor, camera_ids=ids, seen=found, mode=Mode.LIVE, purpose=data["purpose"],
                justification=data["justification"], case_reference=data["case_reference"], request=request._request,
            )  # fmt: skip
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
                break_glass=body.validated_data["break_glass"],
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

    @extend_schema(
        request=LiveRenewSerializer,
        responses={
            200: LiveSessionSerializer,
            403: REFUSED,
            409: OpenApiResponse(LiveEndedSerializer, gettext_lazy("The session has ended.")),
            503: LOG_UNAVAILABLE,
        },
    )
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


# --- Footage requests and evidence exports ------------------------------------------------------------------------

REQUEST_LISTS = {
    "mine": selectors.footage_requests_mine,
    "decide": selectors.footage_requests_to_decide,
    "review": selectors.break_glass_to_review,
}


def _shared_cameras(actor, ids, attempt=None):
    """The cameras named, each another owner's camera shared with the organisation; a 400 names the others (and
    for a submission, `attempt` holds its facts: each camera no longer shared is logged as a denied attempt)."""
    found = {camera.pk: camera for camera in camera_list(actor=actor).exclude(owner=actor.organisation).filter(
        pk__in=ids)}  # fmt: skip
    unknown = [pk for pk in ids if pk not in found]
    if unknown and attempt is not None:
        log_attempts_on_unseen_cameras(actor=actor, camera_ids=ids, seen=found, **attempt)
    if unknown:  # an unshared camera is as unknown as a missing one
        raise exceptions.ValidationError(
            {"cameras": [_("No camera shared with you has the id %(ids)s.") % {"ids": ", ".join(map(str, unknown))}]}
        )
    return [found[pk] for pk in dict.fromkeys(ids)]


def _request_refused(refused):
    refusals = [
        {"camera": camera.pk, "name": camera.name, "reason": reason, "message": request_refusal_text(reason)}
        for camera, reason in refused.refusals.items()
    ]
    detail = _("Nothing was submitted: the decision refuses some of the cameras.")
    return Response({"detail": detail, "refusals": refusals}, status=status.HTTP_403_FORBIDDEN)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "list",
                str,
                enum=list(REQUEST_LISTS),
                description=gettext_lazy(
                    "mine: your organisation's requests; decide: those waiting for your decision; review: break-glass "
                    "uses waiting for your review."
                ),
            )  # fmt: skip
        ]
    )
)
class FootageRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Footage requests your organisation made (yours; all of them for its chief and DPO) and those made to it
    (its chief, DPO and approvers; delegates for their camera groups). `?list=mine|decide|review` narrows to your
    organisation's requests, those waiting for your decision, or break-glass uses waiting for your review.
    Another organisation's request is a 404."""

    serializer_class = FootageRequestSerializer
    queryset = FootageRequest.objects.none()  # for the schema only; requests use get_queryset
    filter_backends = [DjangoFilterBackend]
    filterset_class = FootageRequestFilterSet

    def get_queryset(self):
        actor = actor_of(self.request)
        chosen = REQUEST_LISTS.get(self.request.query_params.get("list", "")) if self.action == "list" else None
        requests = (chosen or selectors.footage_request_list)(actor=actor)
        return requests.prefetch_related("cameras", "approvals").order_by("-submitted_at", "-pk")

    def _answer(self, item, code=status.HTTP_200_OK):
        readable = selectors.footage_request_list(actor=actor_of(self.request)).prefetch_related("cameras", "approvals")
        return Response(self.get_serializer(readable.get(pk=item.pk)).data, status=code)

    @extend_schema(
        request=FootageRequestCreateSerializer,
        responses={201: FootageRequestSerializer, 403: REFUSED, 503: LOG_UNAVAILABLE},
    )
    def create(self, request):
        """Ask another organisation for recorded footage (JSON, or multipart with the prosecutor's document).
        All or nothing: a refused camera answers 403 with each refusal, and every refusal is logged."""
        actor = actor_of(request)
        body = FootageRequestCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        attempt = {
            "mode": data["mode"], "purpose": data["purpose"], "justification": data["justification"],
            "case_reference": data["case_reference"], "window_start": data["window_start"],
            "window_end": data["window_end"], "request": request._request,
        }  # fmt: skip
        cameras = _shared_cameras(actor, data["cameras"], attempt)
        try:
            item = footage.request_submit(
                actor=actor, cameras=cameras, window_start=data["window_start"], window_end=data["window_end"],
                purpose=data["purpose"], mode=data["mode"], justification=data["justification"],
                case_reference=data["case_reference"], prosecutor_reference=data["prosecutor_reference"],
                prosecutor_document=data["prosecutor_document"], break_glass=data["break_glass"],
                request=request._request,
            )  # fmt: skip
        except footage.FootageRefused as refused:
            return _request_refused(refused)
        except AccessLogUnavailable:
            return _log_unavailable()
        except DjangoValidationError as error:
            raise exceptions.ValidationError({"detail": error.messages}) from error
        return self._answer(item, status.HTTP_201_CREATED)

    @extend_schema(request=FootageRequestPreviewSerializer, responses=PreviewAnswerSerializer)
    @action(detail=False, methods=["post"])
    def preview(self, request):
        """What the decision says for each camera of a would-be request, and whether the prosecutor's decision is
        required or the emergency clause possible. Nothing is logged."""
        actor = actor_of(request)
        body = FootageRequestPreviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        facts = {**body.validated_data, "cameras": _shared_cameras(actor, body.validated_data["cameras"])}
        facts["prosecutor_reference"] = facts["prosecutor_reference"].strip()
        check = request_check(actor, facts)
        results = [
            {"camera": row["camera"].pk, "name": row["camera"].name, "allowed": row["allowed"], "reason": row["reason"],
             "message": row["text"], "convention": "", "convention_version": None}
            for row in check.rows
        ]  # fmt: skip
        answers = footage.request_preview(actor=actor, **facts)
        for result, (_camera, decision) in zip(results, answers, strict=True):
            result["convention"] = decision.convention_reference
            result["convention_version"] = decision.convention_version_number
        return Response({"results": results, "all_allowed": check.all_allowed,
                         "prosecutor_required": check.prosecutor_required, "emergency": check.emergency})  # fmt: skip

    def _decide(self, request, approve):
        item = self.get_object()
        body = DecisionReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            item = run_service(
                lambda: footage.request_decide(
                    actor=actor_of(request),
                    footage=item,
                    approve=approve,
                    reason=body.validated_data["reason"],
                    request=request._request,
                )  # fmt: skip
            )
        except AccessLogUnavailable:
            return _log_unavailable()
        return self._answer(item)

    @extend_schema(request=DecisionReasonSerializer, responses={200: FootageRequestSerializer, 503: LOG_UNAVAILABLE})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve (an approver of the camera owner, or a delegate of every camera's group; never the requester).
        Under four-eyes the request is approved at the second distinct approval."""
        return self._decide(request, approve=True)

    @extend_schema(request=DecisionReasonSerializer, responses={200: FootageRequestSerializer, 503: LOG_UNAVAILABLE})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject with a reason; one rejection ends the request."""
        return self._decide(request, approve=False)

    @extend_schema(request=None, responses=FootageRequestSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw your request before it is decided."""
        item = self.get_object()
        item = run_service(lambda: footage.request_withdraw(actor=actor_of(request), footage=item))
        return self._answer(item)

    @extend_schema(request=ReviewNoteSerializer, responses=FootageRequestSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """Review a break-glass use (the camera owner's chief or DPO)."""
        item = self.get_object()
        body = ReviewNoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = run_service(
            lambda: footage.break_glass_review(actor=actor_of(request), footage=item, note=body.validated_data["note"])
        )
        return self._answer(item)


class ZipRenderer(renderers.BaseRenderer):
    """Lets a client ask for `application/zip`; errors on that route are still JSON text."""

    media_type = "application/zip"
    format = "zip"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return renderers.JSONRenderer().render(data)


class EvidenceExportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Evidence packages of the requests you read, with their progress while the job runs (`status`, `progress`
    in %, `step`, `error`). The requester of an approved export request creates one and downloads it."""

    serializer_class = EvidenceExportSerializer
    queryset = EvidenceExport.objects.none()  # for the schema only; requests use get_queryset

    def get_queryset(self):
        return selectors.evidence_export_list(actor=actor_of(self.request)).order_by("-created_at", "-pk")

    @extend_schema(
        request=EvidenceExportCreateSerializer,
        responses={
            201: EvidenceExportSerializer,
            404: OpenApiResponse(ErrorSerializer, gettext_lazy("No footage request you may read has that id.")),
        },
    )
    def create(self, request):
        """Prepare the evidence package of your approved export request (queued; poll the export for progress)."""
        actor = actor_of(request)
        body = EvidenceExportCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = selectors.footage_request_list(actor=actor).filter(pk=body.validated_data["request"]).first()
        if item is None:
            raise exceptions.NotFound(_("No footage request you may read has that id."))
        options = {"exact": body.validated_data["exact"], "watermark": body.validated_data["watermark"]}
        export = run_service(lambda: exports.export_request(actor=actor, footage=item, **options))
        return Response(self.get_serializer(self.get_queryset().get(pk=export.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={
            (200, "application/zip"): bytes,
            410: OpenApiResponse(
                ErrorSerializer, gettext_lazy("The link has expired, the downloads are used up or it was deleted.")
            ),
            503: OpenApiResponse(
                ErrorSerializer, gettext_lazy("The access log cannot be written, or the package cannot be opened.")
            ),
        }
    )
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, ZipRenderer])
    def download(self, request, pk=None):
        """The package as a ZIP (the requester only). Each download counts and is logged as a disclosure first;
        410 once the link has expired, the downloads are used up or the package was deleted."""
        export = self.get_object()
        try:
            chunks = opened(actor_of(request), export, request._request)
        except DjangoPermissionDenied as error:
            raise exceptions.PermissionDenied(str(error)) from error
        except exports.ExportGone as gone:
            return Response({"detail": str(gone)}, status=status.HTTP_410_GONE)
        except AccessLogUnavailable:
            return _log_unavailable()
        except (PackageError, OSError):
            log.exception("Evidence package %s cannot be opened", export.package_id)
            detail = _("The package cannot be opened; the platform administrators are told.")
            return Response({"detail": detail}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return zip_response(chunks, export.request.reference)
