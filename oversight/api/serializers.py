from datetime import UTC

from rest_framework import serializers

from audit.models import AccessLogEntry

# Every column of an entry, the chain links included, so that a reader can match entries with signed heads.
ENTRY_FIELDS = [
    "id", "chain", "sequence", "occurred_at", "controller_code", "action", "actor_id", "actor_name",
    "actor_organisation_code", "camera_ids", "camera_names", "window_start", "window_end", "mode", "purpose",
    "justification", "case_reference", "prosecutor_reference", "recipient_code", "convention_reference",
    "convention_version", "decision", "reason", "request_id", "source_address", "user_agent", "details",
    "previous_hash", "entry_hash",
]  # fmt: skip


class AccessLogEntrySerializer(serializers.ModelSerializer):
    """One access-log entry, read-only, exactly as stored (times in UTC)."""

    occurred_at = serializers.DateTimeField(default_timezone=UTC, read_only=True)
    window_start = serializers.DateTimeField(default_timezone=UTC, read_only=True, allow_null=True)
    window_end = serializers.DateTimeField(default_timezone=UTC, read_only=True, allow_null=True)

    class Meta:
        model = AccessLogEntry
        fields = ENTRY_FIELDS
        read_only_fields = ENTRY_FIELDS
