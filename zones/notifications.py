"""Telling people what concerns them: one portal notification per recipient, and the same by e-mail.

E-mail goes out after the transaction commits (a rolled-back action sends nothing) and a mail server that is
down never blocks the action it reports: the portal notification is the record.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from zones.models import Membership, Notification

__all__ = ["notify"]

log = logging.getLogger(__name__)


def notify(*, organisation, roles, kind, subject, body="", link=""):
    """Notify every active member of `organisation` holding one of `roles`. Returns the notifications."""
    users = {
        m.user
        for m in Membership.objects.filter(
            organisation=organisation, role__in=roles, is_active=True, user__is_active=True
        ).select_related("user")
    }
    notifications = Notification.objects.bulk_create(
        Notification(recipient=user, organisation=organisation, kind=kind, subject=subject[:200], body=body, link=link)
        for user in sorted(users, key=lambda u: u.pk)
    )
    addresses = sorted(user.email for user in users if user.email)
    if addresses:
        transaction.on_commit(lambda: _send(subject, body, link, addresses))
    return notifications


def _send(subject, body, link, addresses):
    text = f"{body}\n\n{settings.PORTAL_BASE_URL}{link}" if link else body
    try:
        send_mail(subject, text, None, addresses)
    except OSError:
        log.exception("Notification e-mail could not be sent to %d recipient(s)", len(addresses))
