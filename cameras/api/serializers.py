from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cameras.models import Camera, CameraGroup
from cameras.onvif import KINDS
from cameras.region import validate_position
from zones.api.fields import ObjectIdField


class CameraGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = CameraGroup
        fields = ["id", "name", "description"]


class CameraSerializer(serializers.ModelSerializer):
    """Everything a user may know about a camera. Credentials never leave the server: only whether some exist."""

    owner = serializers.SlugRelatedField(slug_field="code", read_only=True)
    municipality = serializers.SlugRelatedField(slug_field="nis_code", read_only=True, allow_null=True)
    groups = CameraGroupSerializer(many=True, read_only=True)
    tags = serializers.ListField(source="tag_list", child=serializers.CharField(), read_only=True)
    has_credentials = serializers.BooleanField(read_only=True)
    retention_days = serializers.IntegerField(read_only=True)

    class Meta:
        model = Camera
        fields = [
            "id", "owner", "name", "kind", "legal_regime", "special_risk_place", "retention_days",
            "latitude", "longitude", "address", "municipality", "groups", "tags",
            "onvif_address", "rtsp_main_uri", "rtsp_sub_uri", "snapshot_uri", "has_credentials",
            "manufacturer", "model", "firmware_version", "serial_number", "ptz_capable",
            "retention_days_at_source", "camera_law_declaration_ref", "council_approval_ref", "dpia_ref",
            "privacy_mask_note", "status", "status_detail", "last_seen_at", "last_checked_at", "snapshot_taken_at",
        ]  # fmt: skip


class CameraOnboardSerializer(serializers.Serializer):
    onvif_address = serializers.CharField(max_length=300, help_text=_("For example http://10.1.2.3:80"))
    username = serializers.CharField(max_length=100)
    password = serializers.CharField(max_length=200, write_only=True, style={"input_type": "password"})
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    group = ObjectIdField(required=False, allow_null=True)

    def validate_onvif_address(self, value):
        if not value.startswith(("http://", "https://")):
            raise serializers.ValidationError(_("An ONVIF address starts with http:// or https://."))
        return value

    def validate(self, attrs):
        try:
            validate_position(attrs["latitude"], attrs["longitude"])
        except ValidationError as exc:
            raise serializers.ValidationError({"latitude": exc.messages}) from exc
        return attrs


class OnvifErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("What the device answered, and what to do."))
    code = serializers.ChoiceField(choices=[(kind, kind) for kind in KINDS], help_text=_("What went wrong."))


class ImportIssueSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text=_("The file's line (1 is the header); 0 for the file as a whole."))
    column = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    total_rows = serializers.IntegerField()
    valid_rows = serializers.IntegerField()
    created = serializers.IntegerField()
    dry_run = serializers.BooleanField()
    issues = ImportIssueSerializer(many=True)


class CameraImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("CSV (UTF-8, comma or semicolon) or XLSX"))
    dry_run = serializers.BooleanField(default=False)
    partial = serializers.BooleanField(default=False, help_text=_("Write the valid rows even if others fail."))
