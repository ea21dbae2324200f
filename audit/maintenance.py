"""The append-only guard of the access log, and its maintenance switch.

Database triggers refuse UPDATE, DELETE and TRUNCATE on the log tables. Only a maintenance session may purge
them (the test suite between tests; never the portal): on PostgreSQL a *superuser* session that sets
`portal.audit_maintenance = on`; on SQLite a connection of this process whose switch is on (the triggers call
the SQL function `portal_audit_maintenance()`, which the portal registers on each connection; any other client,
lacking the function, is refused too).
The application's own PostgreSQL role has no UPDATE, DELETE or TRUNCATE right on these tables in the first place
(platform/postgresql-roles.sql).
"""

GUARDED_TABLES = ["audit_accesslogentry", "audit_signedhead"]

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    IF current_setting('portal.audit_maintenance', true) = 'on'
       AND (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        IF TG_OP = 'UPDATE' THEN RETURN NEW; END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the access log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def install_sql(vendor):
    if vendor == "postgresql":
        statements = [POSTGRES_FUNCTION]
        for table in GUARDED_TABLES:
            statements += [
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();",
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();",
            ]
        return statements
    if vendor == "sqlite":
        statements = []
        for table in GUARDED_TABLES:
            for operation in ("UPDATE", "DELETE"):
                guard = "WHEN portal_audit_maintenance() = 0"
                refuse = f"SELECT RAISE(ABORT, 'the access log is append-only: {operation} refused')"
                statements.append(
                    f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                    f"{guard} BEGIN {refuse}; END;"
                )
        return statements
    return []


def set_maintenance(connection, on):
    """Turn the maintenance switch on or off for this database session."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('portal.audit_maintenance', %s, false)", ["on" if on else "off"])
        elif connection.vendor == "sqlite":
            connection.audit_maintenance = on


def register_sqlite_switch(sender, connection, **kwargs):
    """connection_created: give each SQLite connection the function its triggers ask."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "portal_audit_maintenance", 0, lambda: 1 if getattr(connection, "audit_maintenance", False) else 0
        )
