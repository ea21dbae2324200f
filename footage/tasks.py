from celery import shared_task

from footage.exports import export_build, exports_purge_due, exports_requeue_stalled
from footage.live import kick_ended_sessions, sessions_close_expired, sessions_recheck
from footage.playback import playbacks_close_expired
from footage.requests import requests_follow_up


@shared_task(name="footage.tasks.close_expired_live_sessions", ignore_result=True)
def close_expired_live_sessions():
    """Write the end of live sessions and playbacks whose key lapsed (the gates refused them from that instant), and
    end the live sessions whose right to watch was withdrawn behind the portal's back."""
    return sessions_close_expired(), playbacks_close_expired(), sessions_recheck()


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


# --- Names from before the apps split -----------------------------------------------------------------------------
# Messages the previous version queued (a queue not yet drained, or web processes still running it during a rolling
# upgrade) carry these names: they do the same work, so nothing queued is lost. Remove them a release after the split.


@shared_task(name="conventions.tasks.close_expired_live_sessions", ignore_result=True)
def close_expired_live_sessions_previous_name():
    return close_expired_live_sessions()


@shared_task(name="conventions.tasks.follow_up_footage_requests", ignore_result=True)
def follow_up_footage_requests_previous_name():
    return follow_up_footage_requests()


@shared_task(name="conventions.tasks.build_export", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def build_export_previous_name(export_id):
    return export_build(export_id)


@shared_task(name="conventions.tasks.watch_exports", ignore_result=True)
def watch_exports_previous_name():
    return watch_exports()


@shared_task(name="cameras.tasks.gateway_kick_sessions", ignore_result=True)
def gateway_kick_sessions_previous_name(session_ids):
    return kick_ended_sessions(session_ids).as_dict()
