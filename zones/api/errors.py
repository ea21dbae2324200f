"""Service refusals as clear 4xx API answers."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions

__all__ = ["run_service"]


def run_service(call):
    """Call a service; its refusals (PermissionDenied, ValidationError) become 403 and 400 answers."""
    try:
        return call()
    except DjangoPermissionDenied as error:
        raise exceptions.PermissionDenied(str(error)) from error
    except DjangoValidationError as error:
        raise exceptions.ValidationError({"detail": error.messages}) from error
