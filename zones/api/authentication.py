"""Personal API tokens: `Authorization: Bearer cctv_…` (or `Token cctv_…`)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from common.client_address import client_address
from zones import services
from zones.models import ApiToken
from zones.tenancy import actor_for


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed Authorization header: expected 'Bearer <token>'."))
        key = header[1]
        # Before any actor exists: the token is found by its secret's digest, which is the proof of who calls.
        token = ApiToken.objects.select_related("user", "organisation").filter(key_hash=ApiToken.hash_key(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Unknown API token."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This API token was revoked. Create a new one in the portal."))
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed(
                _("This API token expired on %(date)s. Create a new one in the portal.")
                % {"date": timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M")}
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The account of this API token is disabled."))
        actor = actor_for(token.user, token.organisation_id)
        if actor is None:
            raise exceptions.AuthenticationFailed(
                _("The token's owner no longer has an active role in %(organisation)s.")
                % {"organisation": token.organisation.code}
            )
        services.api_token_touch(token=token, ip_address=client_address(request))
        request._request.actor = actor
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
