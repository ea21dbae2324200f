from celery import shared_task

from media import gateway_guard
from media.recording import recordings_purge_due
from media.recording_views import playback_cache_clean


@shared_task(name="media.tasks.purge_recordings", ignore_result=True)
def purge_recordings():
    """Delete recorded footage past its legal retention unless on legal hold (an erasure entry per camera and run),
    and the playback server's trimmed copies of segment edges once they are an hour old. Idempotent."""
    purged = recordings_purge_due()
    return {"purged": purged, "cache_files_removed": playback_cache_clean()}


# The name from before the apps split: a message the previous version queued still runs (see footage/tasks.py).
@shared_task(name="cameras.tasks.purge_recordings", ignore_result=True)
def purge_recordings_previous_name():
    return purge_recordings()


@shared_task(name="media.tasks.flush_gateway_refusals", ignore_result=True)
def flush_gateway_refusals():
    """Write the gateway hook's refusals of each closed minute to the access log (bounded: one entry per tally)."""
    return {"entries": gateway_guard.flush()}
