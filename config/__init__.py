from config import db_pool  # noqa: F401 - registers what a forked child does with its parent's database pool
from config.celery import app as celery_app

__all__ = ["celery_app"]
