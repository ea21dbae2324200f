from celery import shared_task

from audit.chain import sign_heads


@shared_task(name="audit.tasks.sign_chain_heads", ignore_result=True)
def sign_chain_heads():
    """Sign each chain's head (idempotent: unchanged heads are not signed again)."""
    return sign_heads()
