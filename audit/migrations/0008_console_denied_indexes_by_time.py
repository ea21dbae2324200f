"""The DPO console over millions of entries (PostgreSQL measurements in benchmarks/RESULTS.md).

- The "denied" filters walk partial indexes on (time, organisation): newest first for one chain (the organisation
  is checked inside the index) or every chain. Only refusals, a few percent of the log, pay for them on append.
- A DPO reads one chain newest first with text filters (person, justification, case reference): on PostgreSQL the
  (organisation, time) index also carries the id and those columns, so the filters are checked inside the index
  and no table page is read for the entries that do not match (10,000 table pages per page of results, before).
  It replaces the plain (organisation, time) index, which it serves as well, so appends keep one index there.
  SQLite keeps the plain index (it has no INCLUDE).
"""

from django.db import migrations, models

PLAIN = "audit_acces_control_babfb5_idx"  # Meta.indexes: (controller_code, occurred_at)
COVERING = "audit_log_console_covering"


def covering_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {COVERING} ON audit_accesslogentry (controller_code, occurred_at) "
            "INCLUDE (id, actor_name, justification, case_reference)",
            None,
        )
        schema_editor.execute(f"DROP INDEX IF EXISTS {PLAIN}", None)


def plain_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {PLAIN} ON audit_accesslogentry (controller_code, occurred_at)", None
        )
        schema_editor.execute(f"DROP INDEX IF EXISTS {COVERING}", None)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0007_approval_action"),
        ("zones", "0002_notifications"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="accesslogentry",
            name="audit_log_deny",
        ),
        migrations.RemoveIndex(
            model_name="accesslogentry",
            name="audit_log_denied",
        ),
        migrations.AddIndex(
            model_name="accesslogentry",
            index=models.Index(
                condition=models.Q(("decision", "deny")),
                fields=["occurred_at", "controller_code"],
                name="audit_log_deny_time",
            ),
        ),
        migrations.AddIndex(
            model_name="accesslogentry",
            index=models.Index(
                condition=models.Q(("action", "denied")),
                fields=["occurred_at", "controller_code"],
                name="audit_log_denied_time",
            ),
        ),
        migrations.RunPython(covering_index, plain_index),
    ]
