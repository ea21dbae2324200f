"""Queueing a Celery task by its registered name."""

from celery import current_app

__all__ = ["enqueue"]


def enqueue(name, *args, queue=None, **kwargs):
    """Queue the task registered as `name` (its `name=`, a stable interface like a URL name). Services name the task
    instead of importing its module, so that each app's tasks module imports the services it runs at the top and no
    import circle forms between them."""
    task = current_app.tasks.get(name)
    if task is None:
        # Web processes never ran the autodiscovery a worker runs at start (tasks modules load lazily): run it once.
        current_app.loader.import_default_modules()
        task = current_app.tasks[name]
    return task.apply_async(args, kwargs, queue=queue)
