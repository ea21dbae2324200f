"""The change log (django-auditlog): who changed what, and when. Each app names the models it follows, with the
fields that stay out (secrets, and noise such as health or progress ticks), in its AppConfig.ready()."""

from auditlog.registry import auditlog

__all__ = ["follow_changes"]


def follow_changes(model, **options):
    """Write a change-log entry for every create, update and delete of `model` (auditlog.register's options)."""
    auditlog.register(model, **options)
