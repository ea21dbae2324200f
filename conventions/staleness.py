"""The database itself marks the policy stale: triggers on every table an access decision reads replace the policy
generation (conventions.PolicyGeneration) in the same transaction as the change, whatever made it: the portal's
services, Django admin, a shell, plain SQL or a restored backup. Every decision reads the generation (one indexed
row), so the next decision in any process sees the change; the live gate's sweep sees it within
PORTAL_LIVE_GATE_CACHE_SECONDS.

The triggers are (re)installed after every `migrate` rather than once in a migration: SQLite rebuilds a table to
alter it, which drops its triggers, and a test checks that every watched table carries them.
"""

from django.db import connections

__all__ = ["WATCHED", "install", "installed_triggers"]

# Table -> the columns whose change can alter a decision (None: any change). Inserts and deletes always count.
WATCHED = {
    "conventions_convention": None,
    "conventions_conventionversion": None,
    "conventions_conventionversion_cameras": None,
    "conventions_conventionversion_groups": None,
    "conventions_conventionversion_municipalities": None,
    "conventions_signature": None,
    "conventions_declaredincident": None,
    # Snapshots and health probes update cameras all the time: only what a convention's scope reads counts.
    "cameras_camera": ("owner_id", "kind", "municipality_id"),
    "cameras_camera_groups": None,
    "cameras_cameragroup": ("owner_id",),
    # Roles and people: the live gate's cached answers are checked again when these move.
    "zones_membership": None,
    "zones_user": ("is_active",),
    "zones_organisation": ("is_active",),
}
TRIGGER_PREFIX = "policy_stale_"

_POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION portal_policy_stale() RETURNS trigger AS $$
BEGIN
    INSERT INTO conventions_policygeneration (name, value)
    VALUES ('policy', md5(random()::text || clock_timestamp()::text))
    ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""
_SQLITE_BUMP = (
    "INSERT INTO conventions_policygeneration (name, value) VALUES ('policy', lower(hex(randomblob(16)))) "
    "ON CONFLICT (name) DO UPDATE SET value = excluded.value;"
)


def _changed(columns, vendor):
    distinct = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
    return " OR ".join(f"OLD.{column} {distinct} NEW.{column}" for column in columns)


def _postgres_sql(table, columns):
    name = f"{TRIGGER_PREFIX}{table}"
    run = "EXECUTE FUNCTION portal_policy_stale()"
    if columns is None:
        # One bump per statement, however many rows it touched (a scope of 8,000 cameras is one statement).
        return [f"CREATE OR REPLACE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                f"FOR EACH STATEMENT {run};"]  # fmt: skip
    return [
        f"CREATE OR REPLACE TRIGGER {name} AFTER INSERT OR DELETE OR TRUNCATE ON {table} FOR EACH STATEMENT {run};",
        f"CREATE OR REPLACE TRIGGER {name}_update AFTER UPDATE ON {table} FOR EACH ROW "
        f"WHEN ({_changed(columns, 'postgresql')}) {run};",
    ]


def _sqlite_sql(table, columns):
    name = f"{TRIGGER_PREFIX}{table}"
    statements = []
    for operation in ("INSERT", "UPDATE", "DELETE"):
        when = f" WHEN {_changed(columns, 'sqlite')}" if operation == "UPDATE" and columns else ""
        trigger = f"{name}_{operation.lower()}"
        statements += [
            f"DROP TRIGGER IF EXISTS {trigger};",
            f"CREATE TRIGGER {trigger} AFTER {operation} ON {table} FOR EACH ROW{when} BEGIN {_SQLITE_BUMP} END;",
        ]
    return statements


def install_sql(vendor):
    if vendor == "postgresql":
        statements = [_POSTGRES_FUNCTION]
        for table, columns in WATCHED.items():
            statements += _postgres_sql(table, columns)
        return statements
    if vendor == "sqlite":
        return [statement for table, columns in WATCHED.items() for statement in _sqlite_sql(table, columns)]
    return []


def install(using="default", **kwargs):
    """post_migrate: (re)install the triggers. Idempotent."""
    connection = connections[using]
    with connection.cursor() as cursor:
        for statement in install_sql(connection.vendor):
            cursor.execute(statement)


def installed_triggers(using="default"):
    """{table: number of policy triggers on it}, as the database reports them."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT event_object_table, count(DISTINCT trigger_name) FROM information_schema.triggers "
                "WHERE trigger_name LIKE %s GROUP BY event_object_table",
                [f"{TRIGGER_PREFIX}%"],
            )
        else:
            cursor.execute(
                "SELECT tbl_name, count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s "
                "GROUP BY tbl_name",
                [f"{TRIGGER_PREFIX}%"],
            )
        return dict(cursor.fetchall())
