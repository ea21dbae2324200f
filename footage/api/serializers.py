from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from conventions.models import Purpose
from conventions.policy import clean_justification
from footage.forms.requests import MAX_CAMERAS
from footage.live import MAX_WALL
from footage.models import NEW_REQUEST_MODE_CHOICES, Approval, EvidenceExport, FootageRequest, LiveSession
from zones.api.fields import ObjectIdField


class LiveSessionSerializer(serializers.ModelSerializer):
    camera_name = serializers.CharField(source="camera.name", read_only=True)
    camera_owner = serializers.CharField(source="camera.owner.code", read_only=True)
    viewer = serializers.CharField(source="user.username", read_only=True)
    organisation = serializers.SlugRelatedField(slug_field="code", read_only=True)
    convention = serializers.SerializerMethodField()
    convention_version = serializers.SerializerMethodField()
    is_open = serializers.SerializerMethodField()
    end_reason = serializers.ChoiceField(choices=LiveSession.EndReason.choices, allow_blank=True, read_only=True)

    class Meta:
        model = LiveSession
        fields = ["id", "camera", "camera_name", "camera_owner", "viewer", "organisation", "convention",
                  "convention_version", "purpose", "justification", "case_reference", "wall", "started_at",
                  "expires_at", "max_until", "ended_at", "end_reason", "is_open"]  # fmt: skip
        read_only_fields = fields

    def get_convention(self, session) -> str | None:
        version = session.convention_version
        return version.convention.reference if version else None

    def get_convention_version(self, session) -> int | None:
        return session.convention_version.number if session.convention_version else None

    def get_is_open(self, session) -> bool:
        return session.is_open()


class LiveSessionGrantSerializer(LiveSessionSerializer):
    """A session just started: its token (shown this once only) and the relay's playlist it opens."""

    token = serializers.SerializerMethodField()
    playlist_url = serializers.SerializerMethodField()

    class Meta(LiveSessionSerializer.Meta):
        fields = [*LiveSessionSerializer.Meta.fields, "token", "playlist_url"]
        read_only_fields = fields

    def get_token(self, session) -> str:
        return self.context["tokens"][session.pk]

    def get_playlist_url(self, session) -> str:
        return self.context["playlist_url"](self.context["tokens"][session.pk])


class LiveStartedSerializer(serializers.Serializer):
    sessions = LiveSessionGrantSerializer(many=True)


class LiveSessionCreateSerializer(serializers.Serializer):
    cameras = serializers.ListField(
        child=ObjectIdField(), min_length=1, max_length=MAX_WALL,
        help_text=_("One camera, or up to nine for a wall sharing the purpose and justification."),
    )  # fmt: skip
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    justification = serializers.CharField(max_length=1000, help_text=_("Why you need to watch, in a sentence."))
    case_reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    break_glass = serializers.BooleanField(
        required=False, default=False,
        help_text=_("Invoke the convention's emergency clause (announced to the owner's chief and DPO, reviewed)."),
    )  # fmt: skip

    def validate_justification(self, value):
        try:
            return clean_justification(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error


class RefusalSerializer(serializers.Serializer):
    camera = serializers.IntegerField()
    name = serializers.CharField()
    reason = serializers.CharField(help_text=_("The policy's reason code."))
    message = serializers.CharField(help_text=_("The reason in words."))


class RefusedSerializer(serializers.Serializer):
    """A 403: the decision refused some cameras (`refusals` names each), or the role may not do this (no
    `refusals`)."""

    detail = serializers.CharField()
    refusals = RefusalSerializer(many=True, required=False)


class LiveEndedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    end_reason = serializers.ChoiceField(choices=LiveSession.EndReason.choices, allow_blank=True)


class LiveRenewSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(
        choices=Purpose.choices, required=False,
        help_text=_("A new purpose is a new decision and a new access-log entry; leave out to keep the purpose."),
    )  # fmt: skip


# --- Footage requests and evidence exports ------------------------------------------------------------------------


class ApprovalSerializer(serializers.ModelSerializer):
    class Meta:
        model = Approval
        fields = ["approver_name", "decision", "reason", "at"]
        read_only_fields = fields


class FootageRequestSerializer(serializers.ModelSerializer):
    requester = serializers.CharField(source="requester.username", read_only=True)
    organisation = serializers.SlugRelatedField(slug_field="code", read_only=True)
    owner = serializers.SlugRelatedField(slug_field="code", read_only=True)
    convention = serializers.CharField(source="convention_version.convention.reference", read_only=True)
    convention_version = serializers.IntegerField(source="convention_version.number", read_only=True)
    cameras = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    approvals = ApprovalSerializer(many=True, read_only=True)
    has_prosecutor_document = serializers.SerializerMethodField()
    reviewed_by = serializers.CharField(source="reviewed_by.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = FootageRequest
        fields = [
            "id", "reference", "status", "requester", "organisation", "owner", "convention", "convention_version",
            "cameras", "window_start", "window_end", "mode", "purpose", "justification", "case_reference",
            "prosecutor_reference", "has_prosecutor_document", "approvals_required", "approvals", "submitted_at",
            "due_at", "decided_at", "access_until", "review_due_at", "reviewed_at", "reviewed_by", "review_note",
        ]  # fmt: skip
        read_only_fields = fields

    def get_has_prosecutor_document(self, item) -> bool:
        return bool(item.prosecutor_document)


class FootageRequestPreviewSerializer(serializers.Serializer):
    cameras = serializers.ListField(
        child=ObjectIdField(), min_length=1, max_length=MAX_CAMERAS,
        help_text=_("Cameras of ONE other owner, shared with your organisation."),
    )  # fmt: skip
    window_start = serializers.DateTimeField(help_text=_("ISO 8601; without an offset it is Brussels time."))
    window_end = serializers.DateTimeField()
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    mode = serializers.ChoiceField(choices=NEW_REQUEST_MODE_CHOICES)
    prosecutor_reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    break_glass = serializers.BooleanField(
        required=False, default=False,
        help_text=_("Take the footage at once under the convention's emergency clause (reviewed afterwards)."),
    )  # fmt: skip


class FootageRequestCreateSerializer(FootageRequestPreviewSerializer):
    justification = serializers.CharField(max_length=1000)
    case_reference = serializers.CharField(max_length=100)
    prosecutor_document = serializers.FileField(
        required=False, allow_null=True, default=None,
        help_text=_("The prosecutor's decision (multipart upload); required with a prosecutor reference."),
    )  # fmt: skip

    def validate_justification(self, value):
        try:
            return clean_justification(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error


class PreviewRowSerializer(serializers.Serializer):
    camera = serializers.IntegerField()
    name = serializers.CharField()
    allowed = serializers.BooleanField()
    reason = serializers.CharField()
    message = serializers.CharField()
    convention = serializers.CharField(allow_blank=True)
    convention_version = serializers.IntegerField(allow_null=True)


class PreviewAnswerSerializer(serializers.Serializer):
    results = PreviewRowSerializer(many=True)
    all_allowed = serializers.BooleanField()
    prosecutor_required = serializers.BooleanField()
    emergency = serializers.DictField(allow_null=True)


class DecisionReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, help_text=_("Why, in a few words (required)."))


class ReviewNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, help_text=_("The review of the break-glass use."))


class EvidenceExportSerializer(serializers.ModelSerializer):
    request = serializers.PrimaryKeyRelatedField(read_only=True)
    reference = serializers.CharField(source="request.reference", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)

    class Meta:
        model = EvidenceExport
        fields = [
            "id", "request", "reference", "package_id", "exact", "watermark", "status", "progress", "step", "error",
            "attempts", "size", "sha256", "created_by", "created_at", "finished_at", "link_expires_at",
            "downloads_allowed", "downloads", "retention_until", "purged_at",
        ]  # fmt: skip
        read_only_fields = fields


class EvidenceExportCreateSerializer(serializers.Serializer):
    request = ObjectIdField(help_text=_("The approved export request (yours)."))
    exact = serializers.BooleanField(required=False, default=False, help_text=_("Frame-exact cut (re-encodes)."))
    watermark = serializers.BooleanField(
        required=False, default=True, help_text=_("Burn in a watermark naming your organisation and the request.")
    )
