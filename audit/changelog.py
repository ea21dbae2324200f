"""The change log (django-auditlog): who changed what, and when. Each app names the models it follows, with the
fields that stay out (secrets, and noise such as health or progress ticks), in its AppConfig.ready()."""

from auditlog.middleware import AuditlogMiddleware
from auditlog.registry import auditlog

from common.client_address import client_address

__all__ = ["ChangeLogMiddleware", "follow_changes"]


def follow_changes(model, **options):
    """Write a change-log entry for every create, update and delete of `model` (auditlog.register's options)."""
    auditlog.register(model, **options)


class ChangeLogMiddleware(AuditlogMiddleware):
    """auditlog's middleware with the portal's one client address: auditlog itself takes the first X-Forwarded-For
    value, which any client can write, and the X-Forwarded-Port a client claims (no proxy of ours sets one)."""

    @staticmethod
    def _get_remote_addr(request):
        return client_address(request)

    @staticmethod
    def _get_remote_port(request):
        return None
