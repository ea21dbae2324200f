"""OpenAPI description of the portal's token authentication (imported by ZonesConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "zones.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token created in the portal after two-factor sign-in, bound to one "
            "organisation: `Authorization: Bearer cctv_…`.",
        }
