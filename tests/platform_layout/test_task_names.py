"""Services queue Celery tasks by name (common.tasks.enqueue): every name they use is a registered task, and a web
process, which never runs a worker's autodiscovery, still finds it."""

import ast
import os
import subprocess
import sys
from pathlib import Path

from celery import current_app

ROOT = Path(__file__).resolve().parents[2]
APPS = ("zones", "cameras", "conventions", "media", "footage", "audit", "oversight", "demo", "common")


def _enqueued_names():
    names = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "enqueue":
                    first = node.args[0] if node.args else None
                    assert isinstance(first, ast.Constant), f"{path}:{node.lineno}: enqueue() takes a literal name"
                    names.add(first.value)
    return names


def test_every_task_a_service_queues_by_name_is_registered():
    names = _enqueued_names()
    assert {"footage.tasks.build_export", "footage.tasks.gateway_kick_sessions"} <= names
    current_app.loader.import_default_modules()
    assert names <= set(current_app.tasks), names - set(current_app.tasks)


def test_a_web_process_queues_a_task_it_never_imported():
    script = """
import django
django.setup()
from celery import current_app
from celery.app.task import Task
from common.tasks import enqueue

assert "footage.tasks.build_export" not in current_app.tasks, "a web process has not imported the tasks modules"
sent = []
Task.apply_async = lambda self, args=None, kwargs=None, **options: sent.append((self.name, args, options["queue"]))
enqueue("footage.tasks.build_export", 5, queue="exports")
print(sent)
"""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[('footage.tasks.build_export', (5,), 'exports')]"
