from celery import shared_task

from conventions.services import convention_expire_due


@shared_task(name="conventions.tasks.expire_conventions", ignore_result=True)
def expire_conventions():
    """Record conventions whose validity has ended. Decisions never wait for this: they check validity
    instants themselves; this only writes the history."""
    return convention_expire_due()


@shared_task(name="conventions.tasks.close_expired_live_sessions", ignore_result=True)
def close_expired_live_sessions():
    """Write the end of live sessions and playbacks whose key lapsed (the gates refused them from that instant)."""
    from conventions.live import sessions_close_expired
    from conventions.playback import playbacks_close_expired

    return sessions_close_expired(), playbacks_close_expired()


@shared_task(name="conventions.tasks.follow_up_footage_requests", ignore_result=True)
def follow_up_footage_requests():
    """Reminders before a request's deadline, escalation after it, and overdue break-glass reviews."""
    from conventions.footage import requests_follow_up

    return requests_follow_up()


@shared_task(name="conventions.tasks.build_export", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def build_export(export_id):
    """Cut, sign and encrypt an evidence package. Idempotent: a finished export is left alone, and an export a
    live worker holds is not taken twice."""
    from conventions.exports import export_build

    return export_build(export_id)


@shared_task(name="conventions.tasks.watch_exports", ignore_result=True)
def watch_exports():
    """Re-queue exports whose worker died, and delete packages at the end of their retention."""
    from conventions.exports import exports_purge_due, exports_requeue_stalled

    return {"requeued": exports_requeue_stalled(), "purged": exports_purge_due()}
