"""The OpenAPI description of the portal's API (drf-spectacular): its token authentication (imported by
ZonesConfig.ready) and the error answers every operation can give (REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS).

Every operation documents what the API really answers on errors (zones/api/errors.py says how services' refusals
become them): 400 with the validation body where a body or a filter is read, 401 without a usable token, 403 when the
role or the policy refuses, 404 for an id the caller may not read (another organisation's object answers 404 too),
429 when throttled. An operation's own error answers (409, 410, 422, 503, a 403 naming each refusal) are declared on
its view with extend_schema and win over these, except a 400 of its own, which is offered beside the validation
body."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiResponse

from zones.api.errors import ErrorSerializer

__all__ = ["ApiTokenScheme", "PortalAutoSchema", "VALIDATION_ERROR"]

READS = ("GET", "HEAD", "OPTIONS")

# A field's messages: a list of texts, or, for a nested or list field, the same shape by field name or index.
_NESTED = {"$ref": "#/components/schemas/ValidationMessages"}
_MESSAGES = {
    "anyOf": [
        {"type": "array", "items": {"anyOf": [{"type": "string"}, _NESTED]}},
        {"type": "object", "additionalProperties": _NESTED},
        {"type": "string"},
    ]
}
VALIDATION_ERROR = {
    "type": "object",
    "description": _(
        "What is wrong, by field name (the name of a body field or query parameter); `detail` and "
        "`non_field_errors` hold what concerns the request as a whole."
    ),
    "additionalProperties": {"$ref": "#/components/schemas/ValidationMessages"},
}


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


class PortalAutoSchema(AutoSchema):
    """AutoSchema that adds the common error answers to every operation that does not declare them itself."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, answer in self._common_errors().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(answer, code, direction=direction)
            elif code == "400":  # a view's own 400 body; its serializer's validation still answers the usual one
                for content in responses[code].get("content", {}).values():
                    content["schema"] = {"anyOf": [content["schema"], self._validation_error()]}
        if "401" in responses:
            responses["401"].setdefault("headers", {})["WWW-Authenticate"] = {
                "schema": {"type": "string"},
                "description": _('The scheme the API expects: `Bearer realm="api"`.'),
            }
        if "429" in responses:
            responses["429"].setdefault("headers", {})["Retry-After"] = {
                "schema": {"type": "string"},
                "description": _("Seconds to wait before trying again."),
            }
        return responses

    def _common_errors(self):
        errors = {}
        if self.method not in READS or self._get_filter_parameters():
            errors["400"] = OpenApiResponse(self._validation_error(), _("The request or a filter is invalid."))
        errors["401"] = OpenApiResponse(ErrorSerializer, _("No API token, or one that is unknown, revoked or expired."))
        errors["403"] = OpenApiResponse(ErrorSerializer, _("Your role or the sharing policy does not allow this."))
        if "{" in self.path:
            errors["404"] = OpenApiResponse(ErrorSerializer, _("No object you may read has this id."))
        errors["429"] = OpenApiResponse(ErrorSerializer, _("Too many requests: wait and try again."))
        return errors

    def _validation_error(self):
        for name, schema in (("ValidationMessages", _MESSAGES), ("ValidationError", VALIDATION_ERROR)):
            component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
            self.registry.register_on_missing(component)
        return {"$ref": "#/components/schemas/ValidationError"}
