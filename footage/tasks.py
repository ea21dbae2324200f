from celery import shared_task

from footage.exports import export_build, exports_purge_due, exports_requeue_stalled
from footage.live import kick_ended_sessions, sessions_close_expired
from footage.playback import playbacks_close_expired
from footage.requests import requests_follow_up


@shared_task(name="footage.tasks.close_expired_live_sessions", ignore_result=True)
def close_expired_live_sessions():
    """Write the end of live sessions and playbacks whose key lapsed (the gates refused them from that instant)."""
    return sessions_close_expired(), playbacks_close_expired()


@shared_task(name="footage.tasks.follow_up_footage_requests", ignore_result=True)
def follow_up_footage_requests():
    """Reminders before a request's deadline, escalation after it, and overdue break-glass reviews."""
    return requests_follow_up()


@shared_task(name="footage.tasks.build_export", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def build_export(export_id):
    """Cut, sign and encrypt an evidence package. Idempotent: a finished export is left alone, and an export a
    live worker holds is not taken twice."""
    return export_build(export_id)


@shared_task(name="footage.tasks.watch_exports", ignore_result=True)
def watch_exports():
    """Re-queue exports whose worker died, and delete packages at the end of their retention."""
    return {"requeued": exports_requeue_stalled(), "purged": exports_purge_due()}


@shared_task(bind=True, name="footage.tasks.gateway_kick_sessions", ignore_result=True, max_retries=5)
def gateway_kick_sessions(self, session_ids):
    """Ask the media gateway (MediaMTX's control API) to drop the viewers of these ended live sessions.

    Idempotent: a viewer already gone is fine, and an open session is left alone. An unreachable gateway is
    logged and retried a few times, a few seconds apart; the hook refuses the ended tokens meanwhile."""
    report = kick_ended_sessions(session_ids)
    if report.unreachable and not self.request.called_directly and self.request.retries < self.max_retries:
        raise self.retry(countdown=2 + 2 * self.request.retries)
    return report.as_dict()
