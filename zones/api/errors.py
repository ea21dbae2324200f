"""What the API answers on errors, and service refusals as clear 4xx API answers.

Every error answer is JSON: `{"detail": "…"}` (ErrorSerializer) for 401, 403, 404, 405, 406, 415 and 429, and for a
400 the validation body, `{"field": ["message", …], …}`, where `detail` holds what concerns the request as a whole
(zones/api/schema.py documents both on every operation)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers

__all__ = ["ErrorSerializer", "run_service"]


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("Why the request was refused, in words."))


def run_service(call):
    """Call a service; its refusals (PermissionDenied, ValidationError) become 403 and 400 answers."""
    try:
        return call()
    except DjangoPermissionDenied as error:
        raise exceptions.PermissionDenied(str(error)) from error
    except DjangoValidationError as error:
        raise exceptions.ValidationError({"detail": error.messages}) from error
