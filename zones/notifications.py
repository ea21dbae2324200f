"""Telling people what concerns them: one portal notification per recipient, and the same by e-mail.

E-mail never leaves from the web request: after the transaction commits (a rolled-back action sends nothing), one
Celery task, zones.tasks.send_notification_emails, sends each recipient their own message (no recipient sees
another's address) under the mail server timeout EMAIL_TIMEOUT, with a bounded number of retries. The task is
idempotent: a notification records when its e-mail left (emailed_at), and a second run, or a retry after a partial
failure, sends only what has not left. A mail server that is down never blocks the action it reports: the portal
notification is the record.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from common.tasks import enqueue
from zones.models import Membership, Notification

__all__ = ["notify", "send_emails"]

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
    ids = [notification.pk for notification in notifications if notification.recipient.email]
    if ids:
        # robust: a broker that is down is logged, and the action it reports stands
        transaction.on_commit(lambda: enqueue("zones.tasks.send_notification_emails", ids), robust=True)
    return notifications


def send_emails(notification_ids):
    """Send the e-mail of each notification not e-mailed yet, one message per recipient; returns how many left.
    A failure of the mail server raises (OSError): what was sent stays marked, the rest is sent on retry."""
    sent = 0
    for pk in notification_ids:
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(skip_locked=True)
                .select_related("recipient")
                .filter(pk=pk, emailed_at__isnull=True)
                .first()
            )
            if notification is None or not notification.recipient.email:
                continue  # sent already, being sent by another run, or nobody to write to
            link = notification.link
            text = f"{notification.body}\n\n{settings.PORTAL_BASE_URL}{link}" if link else notification.body
            EmailMessage(notification.subject, text, None, [notification.recipient.email]).send()
            Notification.objects.filter(pk=pk).update(emailed_at=timezone.now())
            sent += 1
    return sent
