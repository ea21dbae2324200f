from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from conventions.models import Convention, ConventionEvent, ConventionVersion, Signature, SigningKey


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
    version = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)

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
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text=_("The version number to sign."))


class PublicKeySerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="user.__str__", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = SigningKey
        fields = ["id", "owner", "username", "fingerprint", "public_key", "created_at", "revoked_at"]


# --- Footage requests and evidence exports ------------------------------------------------------------------------
