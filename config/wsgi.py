"""The WSGI application: the portal, with a lean path for the media gateway's machine endpoints.

Requests under GATEWAY_PATH_PREFIX (/gateway/: MediaMTX's authorisation hook, the relay's and playback's HLS
playlists and segments) come from machines holding a token, never from a signed-in browser: they carry no session,
no person, no language choice and no form, and they arrive hundreds of times a second. They go through a second
Django handler built from GATEWAY_MIDDLEWARE, which keeps the security headers (SecurityMiddleware, X-Frame-Options,
Content-Security-Policy) and leaves out sessions, authentication, OTP, messages, the session policy, the active
organisation, login-required, CSRF (no cookie authenticates these requests), locale, auditlog's actor and axes.
Every other request goes through the full MIDDLEWARE as before.
"""

import os

from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")


class GatewayHandler(WSGIHandler):
    """A Django handler whose middleware chain is settings.GATEWAY_MIDDLEWARE instead of settings.MIDDLEWARE."""

    def load_middleware(self, is_async=False):
        # Django builds the chain from settings.MIDDLEWARE; give it the gateway's list while it does (once, when the
        # process imports this module, before any request), then put the full list back.
        from django.conf import settings

        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = settings.GATEWAY_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


def dispatcher(portal, gateway, prefix):
    def application(environ, start_response):
        handler = gateway if environ.get("PATH_INFO", "").startswith(prefix) else portal
        return handler(environ, start_response)

    return application


def build():
    portal = get_wsgi_application()  # sets Django up
    from django.conf import settings

    return dispatcher(portal, GatewayHandler(), settings.GATEWAY_PATH_PREFIX)


application = build()
