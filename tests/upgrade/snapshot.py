"""Runs INSIDE a checkout (`manage.py shell`, cwd = the checkout): the previous main, then the current tree.

It describes the database and the API in terms that do not depend on which app holds a model, so that the same
script runs unchanged on both sides of the restructuring: it imports nothing from the project, only Django,
django-auditlog and what the database catalogue says. Paths come from the environment:

- UPGRADE_SCENARIO: what old_main_seed.py made (ids of requests, exports, sessions…);
- UPGRADE_CREDENTIALS: the demo logins written by `seed_brussels --credentials-out` (API tokens);
- UPGRADE_SNAPSHOT_OUT: where to write the snapshot (JSON);
- UPGRADE_BASELINE (optional): the previous main's snapshot, whose access-log entries are read again one by one;
- UPGRADE_DOWNLOAD_DIR (optional): download every evidence package of the scenario through the API into it, and
  package the scenario's remaining approved export request (asked through the API, built by the export task run
  in this process) into it too.

The snapshot holds the row count of every table (before and after the API calls, which may write), the triggers,
every reference to a content type (any table with a `content_type_id` column) as the table of the model it
resolves to, whether the objects the change log names still exist, and for each demo person and API path the
status code, the ids answered and, for detail paths, the body; and the Celery tasks the code registers.
"""

import hashlib
import json
import os
from collections import Counter
from pathlib import Path

from auditlog.models import LogEntry
from celery import current_app
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client

# Who asks the API: the requester, the owner's approver and chief, DPOs, the platform administrator, the supervisor.
API_USERS = ["5339-operator", "5339-dpo", "5339-chief", "stib-approver", "stib-chief", "stib-dpo",
             "bps-platform-admin", "coc-supervisor"]  # fmt: skip
LISTS = ["organisations", "municipalities", "memberships", "tokens", "cameras", "conventions", "signing-keys",
         "live-sessions", "footage-requests", "exports"]  # fmt: skip


def table_counts():
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - catalogue names
            counts[table] = cursor.fetchone()[0]
    return counts


def triggers():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal AND n.nspname = 'public'"
            )
        else:
            cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        return sorted(f"{table}.{name}" for table, name in cursor.fetchall())


def resolved(content_type_id):
    """The table of the model a content type names, or `stale:app.model` when no installed model answers."""
    content_type = ContentType.objects.filter(pk=content_type_id).first()
    if content_type is None:
        return f"missing:{content_type_id}"
    model = content_type.model_class()
    return model._meta.db_table if model is not None else f"stale:{content_type.app_label}.{content_type.model}"


def content_type_references():
    """{table with a content_type_id column: {resolved model table: rows}}; auth_permission by codename too."""
    references = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = {c.name for c in connection.introspection.get_table_description(cursor, table)}
            if "content_type_id" not in columns:
                continue
            quoted = connection.ops.quote_name(table)
            if table == "auth_permission":
                cursor.execute(f"SELECT content_type_id, codename FROM {quoted}")  # noqa: S608
                rows = Counter(f"{resolved(ct)}:{codename}" for ct, codename in cursor.fetchall())
            else:
                cursor.execute(f"SELECT content_type_id, COUNT(*) FROM {quoted} GROUP BY content_type_id")  # noqa: S608
                rows = Counter()
                for ct, count in cursor.fetchall():
                    rows[resolved(ct) if ct is not None else "null"] += count
            references[table] = dict(sorted(rows.items()))
    return references


def change_log_objects():
    """For each model the change log (auditlog) names: its entries, and how many name an object that exists."""
    report = {}
    for content_type_id in LogEntry.objects.values_list("content_type_id", flat=True).distinct():
        content_type = ContentType.objects.get(pk=content_type_id)
        model = content_type.model_class()
        pks = list(LogEntry.objects.filter(content_type_id=content_type_id).values_list("object_pk", flat=True))
        key = model._meta.db_table if model else f"stale:{content_type.app_label}.{content_type.model}"
        found = 0
        if model is not None:
            wanted = {model._meta.pk.to_python(pk) for pk in pks}
            existing = set(model._base_manager.filter(pk__in=wanted).values_list("pk", flat=True))
            found = sum(model._meta.pk.to_python(pk) in existing for pk in pks)
        report[key] = {"entries": len(pks), "objects_found": found}
    return dict(sorted(report.items()))


def ids(items):
    return sorted((item.get("id") for item in items), key=lambda value: (value is None, str(value)))


def answer(response):
    """Status, ids and (for a single object) the body of an API answer."""
    result = {"status": response.status_code}
    if response.status_code != 200 or "json" not in response.get("Content-Type", ""):
        return result
    data = response.json()
    if isinstance(data, dict) and "results" in data:
        result["count"] = data.get("count")
        result["ids"] = ids(data["results"])
    elif isinstance(data, list):
        result["ids"] = ids(data)
    elif isinstance(data, dict) and "id" in data:
        result["ids"] = [data["id"]]
        result["body"] = data
    elif isinstance(data, dict) and "paths" in data:  # the OpenAPI schema
        paths = data["paths"].items()
        result["operations"] = sorted(
            f"{verb.upper()} {path}" for path, item in paths for verb in item if verb != "parameters"
        )
    else:
        result["keys"] = sorted(data) if isinstance(data, dict) else type(data).__name__
    return result


def api_paths(scenario, entry_ids, schema=False):
    paths = ["/api/v1/", *(["/api/schema/?format=json"] if schema else [])]
    paths += [f"/api/v1/{name}/?limit=1000" for name in LISTS]
    paths += ["/api/v1/access-log/?limit=50"]
    paths += [f"/api/v1/cameras/{pk}/" for pk in scenario["cameras"]]
    paths += [f"/api/v1/conventions/{scenario['convention']}/", f"/api/v1/memberships/{scenario['membership']}/"]
    requests = scenario["footage_requests"]
    for pk in [*requests["exported"], requests["played"], requests["rejected"], requests["break_glass"]]:
        paths.append(f"/api/v1/footage-requests/{pk}/")
    paths += [f"/api/v1/exports/{export['id']}/" for export in scenario["exports"]]
    paths += [f"/api/v1/live-sessions/{pk}/" for pk in scenario["live_sessions"].values()]
    paths += [f"/api/v1/access-log/{pk}/" for pk in entry_ids]
    return paths


def client_for(token):
    # The test client's host is `testserver`: the subprocess's ALLOWED_HOSTS includes it.
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", raise_request_exception=False)


def api_answers(scenario, tokens, baseline=None):
    # A few access-log entries to read one by one: the newest ones the requester's DPO saw (the scenario's).
    if baseline is not None:
        entry_ids = baseline["api"]["access_log_entries"]
    else:
        dpo = client_for(tokens["5339-dpo"]).get("/api/v1/access-log/?limit=5")
        assert dpo.status_code == 200, dpo.content[:500]
        entry_ids = [item["id"] for item in dpo.json()["results"]]
    answers = {}
    for username in API_USERS:
        client = client_for(tokens[username])
        paths = api_paths(scenario, entry_ids, schema=username == scenario["requester"])  # the schema once: slow
        answers[username] = {path: answer(client.get(path)) for path in paths}
    return {"access_log_entries": entry_ids, "answers": answers}


def download(scenario, tokens, folder):
    """Every package of the scenario, downloaded by its requester through the API (each one a disclosure)."""
    client = client_for(tokens[scenario["requester"]])
    results = {}
    for export in scenario["exports"]:
        path = f"/api/v1/exports/{export['id']}/download/"
        results[str(export["id"])] = fetch(client, path, folder / f"export-{export['id']}.zip")
    return results


def registered_tasks():
    """The task names a worker of this code accepts (queued messages carry these names)."""
    current_app.loader.import_default_modules()  # the autodiscovery a worker does at start
    return sorted(name for name in current_app.tasks if not name.startswith("celery."))


def fetch(client, path, target):
    response = client.get(path, HTTP_ACCEPT="application/zip")
    data = b"".join(response.streaming_content) if response.streaming else response.content
    target.write_bytes(data)
    return {"status": response.status_code, "path": str(target), "sha256": hashlib.sha256(data).hexdigest()}


def package_after_upgrade(scenario, tokens, folder):
    """The requester asks for the package of the approved export request through the API; the export task (found
    by its name, wherever it lives now) builds it here and now from the recordings of the previous main."""
    client = client_for(tokens[scenario["requester"]])
    request_id = scenario["footage_requests"]["export_after_upgrade"]
    created = client.post(
        "/api/v1/exports/", {"request": request_id, "watermark": False}, content_type="application/json"
    )
    result = {"create_status": created.status_code}
    if created.status_code != 201:
        result["create_answer"] = created.content.decode()[:1000]
        return result
    export_id = created.json()["id"]
    builders = [name for name in registered_tasks() if name.endswith(".build_export")]
    result["builders"] = builders
    if not builders:
        return result
    # The previous name may stay registered as an alias of the same work (an upgrade's queued messages); the
    # current name sorts last here (footage.tasks after conventions.tasks), and either builds the package.
    outcome = current_app.tasks[builders[-1]].apply(args=(export_id,))
    result["task_state"] = outcome.state
    if outcome.failed():
        result["task_traceback"] = (outcome.traceback or "")[-3000:]
    detail = client.get(f"/api/v1/exports/{export_id}/").json()
    result.update(id=export_id, status=detail.get("status"), error=detail.get("error"))
    result["download"] = fetch(client, f"/api/v1/exports/{export_id}/download/", folder / "export-after-upgrade.zip")
    return result


def main():
    scenario = json.loads(Path(os.environ["UPGRADE_SCENARIO"]).read_text())
    credentials = json.loads(Path(os.environ["UPGRADE_CREDENTIALS"]).read_text())
    tokens = {person["username"]: person["api_token"] for person in credentials}
    baseline = (
        json.loads(Path(os.environ["UPGRADE_BASELINE"]).read_text()) if os.environ.get("UPGRADE_BASELINE") else None
    )
    snapshot = {
        "vendor": connection.vendor,
        "counts": table_counts(),
        "triggers": triggers(),
        "content_type_references": content_type_references(),
        "change_log_objects": change_log_objects(),
        "api": api_answers(scenario, tokens, baseline),
        "tasks": registered_tasks(),
    }
    if os.environ.get("UPGRADE_DOWNLOAD_DIR"):
        folder = Path(os.environ["UPGRADE_DOWNLOAD_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        snapshot["downloads"] = download(scenario, tokens, folder)
        snapshot["packaged_after_upgrade"] = package_after_upgrade(scenario, tokens, folder)
    snapshot["counts_after"] = table_counts()
    Path(os.environ["UPGRADE_SNAPSHOT_OUT"]).write_text(json.dumps(snapshot, indent=1, sort_keys=True, default=str))


main()
