from rest_framework import serializers

from zones.models import ApiToken, Membership, Municipality, Organisation


class OrganisationSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "code", "kind", "name", "name_fr", "name_nl", "short_name", "legal_regime"]


class MunicipalitySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    zone = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Municipality
        fields = ["id", "nis_code", "name", "name_fr", "name_nl", "zone"]


class MembershipSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="code", read_only=True)
    municipality = serializers.SlugRelatedField(slug_field="nis_code", read_only=True, allow_null=True)
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Membership
        fields = [
            "id",
            "username",
            "organisation",
            "role",
            "municipality",
            "is_active",
            "created_at",
            "disabled_at",
        ]


class ApiTokenSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="code", read_only=True)
    is_usable = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "organisation",
            "key_prefix",
            "created_at",
            "expires_at",
            "last_used_at",
            "last_used_ip",
            "revoked_at",
            "is_usable",
        ]
