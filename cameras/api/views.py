from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from cameras import selectors, services
from cameras.api.filters import CameraFilterSet
from cameras.api.serializers import (
    CameraImportSerializer,
    CameraOnboardSerializer,
    CameraSerializer,
    ImportReportSerializer,
    OnvifErrorSerializer,
)
from cameras.importing import import_cameras
from cameras.models import Camera
from cameras.onvif import OnvifError
from zones.api.errors import ErrorSerializer
from zones.api.permissions import actor_of


class CameraViewSet(viewsets.ReadOnlyModelViewSet):
    """The camera catalogue: your organisation's cameras, and others' only where a convention shares them."""

    serializer_class = CameraSerializer
    queryset = Camera.objects.none()  # for the schema only; requests use get_queryset
    filterset_class = CameraFilterSet

    def get_queryset(self):
        return selectors.camera_list(actor=actor_of(self.request)).order_by("owner__code", "name", "id")

    @extend_schema(
        request=CameraOnboardSerializer,
        responses={
            201: CameraSerializer,
            404: OpenApiResponse(ErrorSerializer, _("No camera group you may see has this id.")),
            422: OpenApiResponse(OnvifErrorSerializer, _("The device could not be read over ONVIF.")),
        },
    )
    @action(detail=False, methods=["post"])
    def onboard(self, request):
        """Read a device over ONVIF and add it to the catalogue (chief, or a delegated camera administrator)."""
        actor = actor_of(request)
        form = CameraOnboardSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        group_id = data.pop("group", None)
        group = selectors.group_get(actor=actor, pk=group_id) if group_id else None  # another's group: 404
        try:
            camera = services.camera_onboard(
                actor=actor,
                onvif_address=data.pop("onvif_address"),
                username=data.pop("username"),
                password=data.pop("password"),
                group=group,
                **data,
            )
        except OnvifError as error:
            return Response({"detail": str(error), "code": error.kind}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        except DjangoPermissionDenied as error:
            raise exceptions.PermissionDenied(str(error)) from error
        except DjangoValidationError as error:
            detail = error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}
            raise exceptions.ValidationError(detail) from error
        return Response(CameraSerializer(camera).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=CameraImportSerializer,
        responses={
            200: OpenApiResponse(ImportReportSerializer, _("Every row is valid; nothing was written (dry run).")),
            201: OpenApiResponse(ImportReportSerializer, _("The valid rows were written.")),
            400: OpenApiResponse(ImportReportSerializer, _("Rows are invalid: each issue names its line and column.")),
        },
    )
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser, FormParser], url_path="import")
    def import_file(self, request):
        """Import cameras from CSV or XLSX: every row checked first; all or nothing unless partial."""
        form = CameraImportSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        try:
            report = import_cameras(
                actor=actor_of(request),
                filename=upload.name,
                raw=upload.read(),
                dry_run=form.validated_data["dry_run"],
                partial=form.validated_data["partial"],
            )
        except DjangoPermissionDenied as error:
            raise exceptions.PermissionDenied(str(error)) from error
        body = {
            "total_rows": report.total_rows,
            "valid_rows": report.valid_rows,
            "created": report.created,
            "dry_run": report.dry_run,
            "issues": [{"line": i.line, "column": i.column, "message": i.message} for i in report.issues],
        }
        code = status.HTTP_201_CREATED if report.created else (status.HTTP_200_OK if report.ok else 400)
        return Response(body, status=code)
