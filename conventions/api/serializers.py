from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..live import MAX_WALL, clean_justification
from ..models import Convention, ConventionEvent, ConventionVersion, LiveSession, Purpose, Signature, SigningKey


class SignatureSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="code", read_only=True)
    key_fingerprint = serializers.CharField(source="key.fingerprint", read_only=True)
    public_key = serializers.CharField(source="key.public_key", read_only=True)

    class Meta:
        model = Signature
        fields = ["party", "organisation", "signer_name", "signed_at", "document_hash", "signature",
                  "key_fingerprint", "public_key"]  # fmt: skip


class ConventionVersionSerializer(serializers.ModelSerializer):
    cameras = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    groups = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    municipalities = serializers.SlugRelatedField(slug_field="nis_code", many=True, read_only=True)
    signatures = SignatureSerializer(many=True, read_only=True)

    class Meta:
        model = ConventionVersion
        fields = [
            "id", "number", "status", "cameras", "groups", "municipalities", "kinds", "purposes", "modes",
            "lookback_days", "export_retention_days", "time_condition", "schedule", "four_eyes_export",
            "notify_owner_on_live", "max_session_minutes", "max_concurrent_viewers", "emergency_allowed",
            "emergency_max_hours", "emergency_review_hours", "legal_basis", "valid_from", "valid_until",
            "document_hash", "proposed_at", "activated_at", "signatures",
        ]  # fmt: skip


class ConventionEventSerializer(serializers.ModelSerializer):
    version = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = ConventionEvent
        fields = ["action", "version", "actor_name", "organisation_code", "reason", "at"]


class ConventionSerializer(serializers.ModelSerializer):
    provider = serializers.SlugRelatedField(slug_field="code", read_only=True)
    consumer = serializers.SlugRelatedField(slug_field="code", read_only=True)
    versions = ConventionVersionSerializer(many=True, read_only=True)
    events = ConventionEventSerializer(many=True, read_only=True)

    class Meta:
        model = Convention
        fields = [
            "id", "reference", "title", "provider", "consumer", "created_at", "suspended_at", "suspended_reason",
            "terminated_at", "terminated_reason", "expired_at", "versions", "events",
        ]  # fmt: skip


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(min_length=5, max_length=500, help_text=_("Why, in a few words."))


class SignSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text=_("The version number to sign."))


class PublicKeySerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="user.__str__", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = SigningKey
        fields = ["id", "owner", "username", "fingerprint", "public_key", "created_at", "revoked_at"]


class LiveSessionSerializer(serializers.ModelSerializer):
    camera_name = serializers.CharField(source="camera.name", read_only=True)
    camera_owner = serializers.CharField(source="camera.owner.code", read_only=True)
    viewer = serializers.CharField(source="user.username", read_only=True)
    organisation = serializers.SlugRelatedField(slug_field="code", read_only=True)
    convention = serializers.SerializerMethodField()
    convention_version = serializers.SerializerMethodField()
    is_open = serializers.SerializerMethodField()

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
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=MAX_WALL,
        help_text=_("One camera, or up to nine for a wall sharing the purpose and justification."),
    )  # fmt: skip
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    justification = serializers.CharField(max_length=1000, help_text=_("Why you need to watch, in a sentence."))
    case_reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")

    def validate_justification(self, value):
        try:
            return clean_justification(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error


class LiveRenewSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(
        choices=Purpose.choices, required=False,
        help_text=_("A new purpose is a new decision and a new access-log entry; leave out to keep the purpose."),
    )  # fmt: skip
