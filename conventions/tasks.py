from celery import shared_task

from conventions.services import convention_expire_due


@shared_task(name="conventions.tasks.expire_conventions", ignore_result=True)
def expire_conventions():
    """Record conventions whose validity has ended. Decisions never wait for this: they check validity
    instants themselves; this only writes the history."""
    return convention_expire_due()
