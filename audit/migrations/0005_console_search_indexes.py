"""Indexes for the DPO console's free-text filters over millions of entries (PostgreSQL only).

The console filters with case-insensitive "contains" (Django's icontains: UPPER(column::text) LIKE UPPER('%…%'))
on the person's name, the camera names, the justification and the case reference; a B-tree cannot serve those,
a trigram GIN index on the same expression can. A camera id is looked up by JSON containment (camera_ids @> [id]).
GIN indexes take new entries in their pending list, so appends pay little for them (benchmarks/RESULTS.md).
"""

from django.db import migrations

TABLE = "audit_accesslogentry"
TRIGRAM = {
    "audit_log_actor_name_trgm": "actor_name",
    "audit_log_camera_names_trgm": "camera_names",
    "audit_log_justification_trgm": "justification",
    "audit_log_case_reference_trgm": "case_reference",
}


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm", None)
    for name, column in TRIGRAM.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {TABLE} USING gin ((UPPER({column}::text)) gin_trgm_ops)", None
        )
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS audit_log_camera_ids_gin ON {TABLE} USING gin (camera_ids jsonb_path_ops)", None
    )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in [*TRIGRAM, "audit_log_camera_ids_gin"]:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}", None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_append_function")]
    operations = [migrations.RunPython(install, remove)]
