"""Upgrading a live database from the previous main to this tree.

A database is migrated and seeded with the previous main's own code (its `migrate`, `seed_brussels --demo` with
20,000 access-log entries, and old_main_seed.py: conventions signed, footage requests approved under four-eyes,
real recordings, evidence packages built, live sessions, playback keys, a legal hold). Then this tree migrates the
same database forward, with the same data folder and keys, and must find everything as it was: every table with
its rows, the access log's chains and append-only guards, the conventions' signatures, the evidence packages
(downloaded through the API and verified, and a new one built from the old recordings), the content types the
change log and the permissions point at, the API answering the same paths with the same objects, and the task names
of messages the previous main may have left in the broker.

Everything runs in subprocesses (`manage.py` of each tree) against a database of its own: a new PostgreSQL
database on the server of DATABASE_URL when it names one (CI), else a SQLite file. The broker is the filesystem
broker in a temporary folder, so nothing reaches a worker. About 1-2 minutes.
"""

import io
import json
import os
import secrets
import subprocess
import sys
import tarfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import pytest

# The main branch before the apps were restructured (footage, media, oversight and demo split out of conventions,
# cameras, audit and zones). The upgrade from exactly this commit is what production will run.
PREVIOUS_MAIN = "eb1093581a538e702fb42f3a98d66ecb7dcca242"

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
# The tree that upgrades: this one. UPGRADE_TARGET_TREE points elsewhere only to check the test itself (for instance
# at a second copy of the previous main: an upgrade to the same code must pass).
TARGET = Path(os.environ.get("UPGRADE_TARGET_TREE") or REPO)
SEED_SCRIPT = HERE / "old_main_seed.py"
SNAPSHOT_SCRIPT = HERE / "snapshot.py"
TIMEOUT = 600

# The same secrets on both sides: signatures, encrypted camera credentials and packages must verify across it.
SECRETS = {
    "SECRET_KEY": "upgrade-test-secret-key-not-for-production-0123456789abcdefghij",
    "PORTAL_SIGNING_KEY": "upgrade-test-signing-key-0123456789abcdef",
    "PORTAL_ENCRYPTION_KEY": "upgrade-test-encryption-key-0123456789abcdef",
    "PORTAL_ENCRYPTION_KEYS": "upgrade-test-encryption-key-0123456789abcdef",
}
# Tables whose rows follow the code rather than the data: new migrations, models and their permissions add rows.
GROW_WITH_THE_SCHEMA = {"django_migrations", "django_content_type", "auth_permission"}
# Tables the restructuring moves to other apps (footage, media): the previous main must leave rows in each, or a
# migration that lost them would go unnoticed.
MOVED_TABLES = [
    "conventions_livesession", "conventions_gatewayconnection", "conventions_footagerequest",
    "conventions_footagerequest_cameras", "conventions_approval", "conventions_evidenceexport",
    "conventions_playbacktoken", "cameras_relaystream", "cameras_recordingsegment", "cameras_legalhold",
    "cameras_recordingstream",
]  # fmt: skip
# Fields of an API answer that change with the clock alone (a live session's token lapses after a minute).
VOLATILE_FIELDS = {"is_open"}


def _tail(text, lines=40):
    return "\n".join((text or "").splitlines()[-lines:])


def _explain(result):
    return (
        f"$ {' '.join(map(str, result.args))}\n(exit {result.returncode})\n"
        f"--- stdout ---\n{_tail(result.stdout)}\n--- stderr ---\n{_tail(result.stderr)}"
    )


def _environment(database_url, data_dir):
    """The environment of every subprocess: nothing inherited that names a database, broker, folder or secret."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PORTAL_", "DJANGO_", "CELERY_", "UPGRADE_"))
        and name not in {"DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "CACHE_URL", "PYTHONPATH", "DEBUG"}
    }
    return {
        **inherited,
        **SECRETS,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "PORTAL_DATA_DIR": str(data_dir),
        "CELERY_BROKER_URL": "filesystem://",  # a folder under PORTAL_DATA_DIR: no worker ever sees these tasks
        "CELERY_TASK_DEFAULT_QUEUE": "portal-upgrade-test",
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",  # the scripts' test client answers as `testserver`
    }


def _manage(tree, env, *args, extra_env=None):
    return subprocess.run(
        [sys.executable, "manage.py", *map(str, args)], cwd=tree, env={**env, **(extra_env or {})},
        capture_output=True, text=True, timeout=TIMEOUT, check=False,
    )  # fmt: skip


def _script(tree, env, script, **extra_env):
    """Run a script inside a tree's Django (manage.py shell), its arguments in UPGRADE_* variables."""
    runner = "import os, runpy; runpy.run_path(os.environ['UPGRADE_SCRIPT'], run_name='__main__')"
    return _manage(tree, env, "shell", "-c", runner, extra_env={"UPGRADE_SCRIPT": str(script), **extra_env})


def _must(result):
    if result.returncode != 0:
        pytest.fail(_explain(result), pytrace=False)
    return result


def _side_by_side(tree, env, commands):
    """Independent read-mostly commands at once (each manage.py takes seconds to start): {name: result}."""
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:
        futures = {name: pool.submit(_manage, tree, env, *args) for name, args in commands.items()}
        return {name: future.result() for name, future in futures.items()}


def _materialise_previous_main(target):
    known = subprocess.run(
        ["git", "-C", str(REPO), "cat-file", "-e", f"{PREVIOUS_MAIN}^{{commit}}"], capture_output=True, check=False
    )
    if known.returncode != 0:
        pytest.fail(
            f"The previous main {PREVIOUS_MAIN} is not in the history of {REPO} (a shallow clone?). The upgrade test "
            "needs it: fetch the full history (`git fetch --unshallow`, or `fetch-depth: 0` in CI).",
            pytrace=False,
        )
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", PREVIOUS_MAIN], capture_output=True)
    assert archive.returncode == 0, archive.stderr.decode()
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    return target


def _queued_tasks(data_dir):
    """The task names of the messages waiting in the filesystem broker's queue folder (kombu's JSON files)."""
    return sorted({json.loads(path.read_text())["headers"]["task"] for path in (data_dir / "broker").rglob("*.msg")})


@contextmanager
def _fresh_database(folder):
    """A database of the upgrade's own: on the PostgreSQL server of DATABASE_URL if it names one, else SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{folder / 'upgrade.sqlite3'}"
        return
    import psycopg

    parts = urlsplit(url)
    name = f"upgrade_{os.getpid()}_{secrets.token_hex(3)}"

    def admin():
        for database in ("postgres", parts.path.lstrip("/"), "template1"):
            try:
                return psycopg.connect(urlunsplit(parts._replace(path=f"/{database}")), autocommit=True)
            except psycopg.OperationalError:
                continue
        raise RuntimeError(f"Cannot reach the PostgreSQL server of {parts.hostname}:{parts.port} to create {name}.")

    with admin() as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with admin() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def upgrade(tmp_path_factory):
    """Seed with the previous main, migrate with this tree; every result the tests below look at."""
    tmp = tmp_path_factory.mktemp("upgrade")
    old_tree = _materialise_previous_main(tmp / "previous-main")
    data, downloads = tmp / "data", tmp / "downloads"
    credentials, scenario_file = tmp / "demo-credentials.json", tmp / "scenario.json"
    old_snapshot, new_snapshot = tmp / "snapshot-previous-main.json", tmp / "snapshot-upgraded.json"
    with _fresh_database(tmp) as database_url:
        env = _environment(database_url, data)

        # The previous main: its schema, its demo (seed_brussels), the footage its services leave behind, checked by
        # its own verify_audit, verify_convention and verify_export (old_main_seed.py), and the snapshot.
        _must(_manage(old_tree, env, "migrate", "--noinput"))
        _must(_script(old_tree, env, SEED_SCRIPT, UPGRADE_SCENARIO_OUT=str(scenario_file),
                      UPGRADE_CREDENTIALS_OUT=str(credentials)))  # fmt: skip
        scenario = json.loads(scenario_file.read_text())
        files = {"UPGRADE_SCENARIO": str(scenario_file), "UPGRADE_CREDENTIALS": str(credentials)}
        _must(_script(old_tree, env, SNAPSHOT_SCRIPT, UPGRADE_SNAPSHOT_OUT=str(old_snapshot), **files))
        queued = _queued_tasks(data)

        # This tree, on the same database and data folder.
        migrate = _must(_manage(TARGET, env, "migrate", "--noinput"))
        snapshot = _script(
            TARGET, env, SNAPSHOT_SCRIPT, UPGRADE_SNAPSHOT_OUT=str(new_snapshot), UPGRADE_BASELINE=str(old_snapshot),
            UPGRADE_DOWNLOAD_DIR=str(downloads), **files,
        )  # fmt: skip
        packages = {f"export {e['id']}": downloads / f"export-{e['id']}.zip" for e in scenario["exports"]}
        packages["built after the upgrade"] = downloads / "export-after-upgrade.zip"
        after = _side_by_side(TARGET, env, {
            "verify_audit": ["verify_audit"],
            "makemigrations --check": ["makemigrations", "--check", "--dry-run"],
            **{f"verify_convention {ref}": ["verify_convention", ref] for ref in scenario["conventions_signed"]},
            **{f"verify_export {name}": ["verify_export", path] for name, path in packages.items()},
        })  # fmt: skip
        return SimpleNamespace(
            scenario=scenario,
            old=json.loads(old_snapshot.read_text()),
            new=json.loads(new_snapshot.read_text()) if snapshot.returncode == 0 else None,
            snapshot=snapshot,
            migrate=migrate,
            after=after,
            old_download=Path(scenario["old_download"]),
            queued=queued,
        )


@pytest.fixture(scope="module")
def upgraded(upgrade):
    """The upgraded database's snapshot (the snapshot script must run on this tree)."""
    if upgrade.new is None:
        pytest.fail(f"The snapshot of the upgraded database failed:\n{_explain(upgrade.snapshot)}", pytrace=False)
    return upgrade.new


def _check(result):
    assert result.returncode == 0, _explain(result)


def test_the_previous_main_leaves_rows_in_every_table_the_restructuring_moves(upgrade):
    counts = upgrade.old["counts_after"]
    assert counts["audit_accesslogentry"] >= 20000
    empty = [table for table in MOVED_TABLES if not counts.get(table)]
    assert not empty, f"the previous main's seed left these tables empty (nothing to lose): {empty}"
    assert counts["conventions_signature"] >= 4 and counts["audit_signedhead"] > 0


def test_this_tree_migrates_the_database_forward_and_its_models_need_no_new_migration(upgrade):
    assert upgrade.migrate.returncode == 0
    _check(upgrade.after["makemigrations --check"])


def test_every_table_keeps_its_name_and_every_row(upgrade, upgraded):
    old, new = upgrade.old["counts_after"], upgraded["counts"]
    missing = sorted(set(old) - set(new))
    assert not missing, f"tables gone after the upgrade (names must be kept): {missing}"
    changed = {
        table: (count, new[table])
        for table, count in old.items()
        if (new[table] < count if table in GROW_WITH_THE_SCHEMA else new[table] != count)
    }
    assert not changed, f"row counts changed by the upgrade, table: (before, after): {changed}"


def test_the_append_only_guards_of_the_access_log_survive_the_upgrade(upgrade, upgraded):
    lost = sorted(set(upgrade.old["triggers"]) - set(upgraded["triggers"]))
    assert upgrade.old["triggers"] and not lost, f"triggers lost by the upgrade: {lost}"


def test_every_row_that_names_a_content_type_still_names_the_same_model(upgrade, upgraded):
    """auditlog's entries, permissions (and guardian's, the admin's) point at content types: a model moved to another
    app must take its content type along, not leave the rows on a stale one."""
    problems = []
    for table, before in upgrade.old["content_type_references"].items():
        after = upgraded["content_type_references"].get(table, {})
        for target, count in before.items():
            if target.startswith(("stale:", "missing:")):
                continue
            if after.get(target, 0) < count:
                problems.append(f"{table}: {count} row(s) named {target}, now {after.get(target, 0)}")
        stale = {target: n for target, n in after.items() if target.startswith(("stale:", "missing:", "null"))}
        stale_before = {target: n for target, n in before.items() if target.startswith(("stale:", "missing:", "null"))}
        if stale != stale_before:
            problems.append(f"{table}: rows on content types without a model: {stale} (before: {stale_before})")
    assert not problems, "\n".join(problems)
    log = upgraded["content_type_references"]["auditlog_logentry"]
    assert log and not any(target.startswith(("stale:", "missing:")) for target in log), log


def test_the_change_log_still_finds_every_object_it_names(upgrade, upgraded):
    assert upgraded["change_log_objects"] == upgrade.old["change_log_objects"]
    assert all(item["entries"] == item["objects_found"] for item in upgraded["change_log_objects"].values())


def test_the_access_log_chains_verify_after_the_upgrade(upgrade):
    result = upgrade.after["verify_audit"]
    _check(result)
    assert "BROKEN" not in result.stdout and result.stdout.count(": intact") >= 2, _explain(result)


def test_every_signed_convention_verifies_after_the_upgrade(upgrade):
    assert upgrade.scenario["conventions_signed"]
    for reference in upgrade.scenario["conventions_signed"]:
        result = upgrade.after[f"verify_convention {reference}"]
        _check(result)
        assert "FAILED" not in result.stdout, _explain(result)


def test_evidence_packages_built_before_the_upgrade_download_through_the_api_and_verify(upgrade, upgraded):
    downloads = upgraded["downloads"]
    for export in upgrade.scenario["exports"]:
        download = downloads[str(export["id"])]
        assert download["status"] == 200, download
        _check(upgrade.after[f"verify_export export {export['id']}"])
    # Byte for byte what the previous main itself handed out for the first package (which its verify_export passed),
    # so a copy downloaded before the upgrade verifies exactly as this one does.
    first = downloads[str(upgrade.scenario["exports"][0]["id"])]
    assert Path(first["path"]).read_bytes() == upgrade.old_download.read_bytes()


def _comparable(answer):
    answer = dict(answer)
    if isinstance(answer.get("body"), dict):
        answer["body"] = {key: value for key, value in answer["body"].items() if key not in VOLATILE_FIELDS}
    return answer


def _differs(before, after):
    """Same status, ids, count and body; the schema's operations and the API root's entries may only grow."""
    if after is None:
        return True
    before, after = _comparable(before), _comparable(after)
    for key in ("operations", "keys"):
        lists = isinstance(before.get(key), list) and isinstance(after.get(key), list)
        if lists and not set(before.pop(key)) <= set(after.pop(key)):  # pops both: compared here, not below
            return True
    return before != after


def test_the_api_answers_the_same_paths_with_the_same_objects(upgrade, upgraded):
    old, new = upgrade.old["api"]["answers"], upgraded["api"]["answers"]
    differences = []
    for username, paths in old.items():
        for path, before in paths.items():
            after = new.get(username, {}).get(path)
            if _differs(before, after):
                differences.append(f"{username} GET {path}:\n  before {_comparable(before)}\n  after  {after}")
    assert not differences, f"{len(differences)} answer(s) changed:\n" + "\n".join(differences[:20])
    # The answers compared above are not empty ones.
    requester = old[upgrade.scenario["requester"]]
    assert requester["/api/v1/exports/?limit=1000"]["ids"] and requester["/api/v1/live-sessions/?limit=1000"]["ids"]
    assert len(requester["/api/schema/?format=json"]["operations"]) > 20


def test_recordings_of_the_previous_main_are_packaged_after_the_upgrade_and_the_package_verifies(upgraded, upgrade):
    packaged = upgraded["packaged_after_upgrade"]
    assert packaged["create_status"] == 201, packaged
    assert packaged["builders"], "a task named *.build_export is expected"
    assert packaged["status"] == "ready", packaged
    assert packaged["download"]["status"] == 200, packaged
    _check(upgrade.after["verify_export built after the upgrade"])


def test_every_task_name_the_previous_main_may_have_queued_is_still_accepted_by_the_upgraded_workers(upgrade, upgraded):
    """Messages queued by the previous main (web processes, beat, retries) wait in the broker across the deploy and
    carry the task's name: a worker of this tree drops a name it does not know ("unregistered task")."""
    assert upgrade.queued, "the previous main's seed queued no task (its export requests queue build_export)"
    unknown = sorted((set(upgrade.old["tasks"]) | set(upgrade.queued)) - set(upgraded["tasks"]))
    assert not unknown, (
        f"task names of the previous main that this tree no longer registers: {unknown} (queued in the broker by "
        f"the previous main: {upgrade.queued}); keep the old names (shared_task(name=...)) or register aliases"
    )
