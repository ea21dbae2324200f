from rest_framework.permissions import BasePermission


class HasActiveOrganisation(BasePermission):
    """Every API call acts for one organisation: the token's, or the browser session's active one."""

    message = "You have no active role in any organisation."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and getattr(request._request, "actor", None))


def actor_of(request):
    return request._request.actor
