"""A real Celery worker and beat, in their own processes, against the configured broker (Redis in CI)."""

import pytest
from django.conf import settings
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from tests.support.celery_worker import start_celery, wait_for, worker_args
from zones.models import WorkerHeartbeat
from zones.tasks import record_heartbeat

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_task_sent_by_the_web_process_is_run_by_a_worker_process(processes, celery_env, monkeypatch):
    started, folder = processes
    log = (folder / "worker.log").open("w")
    started.append(start_celery(worker_args(celery_env), celery_env, log))
    monkeypatch.setattr(settings, "CELERY_TASK_DEFAULT_QUEUE", celery_env["CELERY_TASK_DEFAULT_QUEUE"])
    record_heartbeat.apply_async(queue=celery_env["CELERY_TASK_DEFAULT_QUEUE"])
    ran = wait_for(lambda: WorkerHeartbeat.objects.filter(name="platform").exists())
    assert ran, (folder / "worker.log").read_text()[-3000:]
    beat = WorkerHeartbeat.objects.get(name="platform")
    assert beat.count == 1
    assert started[0].poll() is None  # the worker is alive and separate from this process


def test_beat_schedules_the_heartbeat_and_the_status_page_shows_it(processes, celery_env, client, person, signed_in):
    started, folder = processes
    log = (folder / "celery.log").open("w")
    started.append(start_celery(worker_args(celery_env), celery_env, log))
    started.append(start_celery(["beat", "-l", "INFO", "--max-interval", "1", "--pidfile="], celery_env, log))
    # Nothing sends the task but beat, which registers the schedule in the database and sends it at once.
    ran = wait_for(lambda: WorkerHeartbeat.objects.filter(name="platform").exists())
    assert ran, (folder / "celery.log").read_text()[-3000:]
    assert PeriodicTask.objects.filter(task="zones.tasks.record_heartbeat").exists()

    admin = person(role="platform_admin")
    signed_in(admin)
    page = client.get(reverse("zones:status"))
    assert page.status_code == 200
    rows = page.content.decode()
    assert rows.count('class="ok"') == 4, rows
    assert "last heartbeat" in rows


def test_status_page_is_only_for_platform_administrators(client, person, signed_in):
    signed_in(person(role="chief"))
    assert client.get(reverse("zones:status")).status_code == 403


def test_status_page_says_when_no_worker_has_beaten(client, person, signed_in):
    signed_in(person(role="platform_admin"))
    page = client.get(reverse("zones:status")).content.decode()
    assert "no heartbeat received yet" in page
    assert 'class="bad"' in page
