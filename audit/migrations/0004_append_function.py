"""audit_append: link and insert one access-log entry in a single statement (PostgreSQL only).

The function locks the chain's head row (creating it first if the chain is new, race-safe), computes the entry
hash with the rule of audit/chain.py (SHA-256 over previous hash, "\\n", sequence, "\\n", canonical body), moves
the head and inserts the entry. It runs with the caller's rights: the application role needs INSERT and SELECT on
the log and SELECT, INSERT, UPDATE on the heads, as platform/postgresql-roles.sql grants.
"""

from django.db import migrations

COLUMNS = [
    ("occurred_at", "timestamptz"), ("controller_id", "bigint"), ("controller_code", "varchar"),
    ("action", "varchar"), ("actor_id", "bigint"), ("actor_name", "varchar"), ("actor_organisation_code", "varchar"),
    ("camera_ids", "jsonb"), ("camera_names", "jsonb"), ("window_start", "timestamptz"),
    ("window_end", "timestamptz"), ("mode", "varchar"), ("purpose", "varchar"), ("justification", "text"),
    ("case_reference", "varchar"), ("prosecutor_reference", "varchar"), ("recipient_code", "varchar"),
    ("convention_reference", "varchar"), ("convention_version", "integer"), ("decision", "varchar"),
    ("reason", "varchar"), ("request_id", "varchar"), ("source_address", "inet"), ("user_agent", "varchar"),
    ("details", "jsonb"),
]  # fmt: skip
SIGNATURE = ", ".join(["varchar", "text", *(kind for _name, kind in COLUMNS)])

CREATE = f"""
CREATE OR REPLACE FUNCTION audit_append(
    p_chain varchar, p_body text, {", ".join(f"p_{name} {kind}" for name, kind in COLUMNS)},
    OUT out_id bigint, OUT out_sequence bigint, OUT out_previous_hash varchar, OUT out_entry_hash varchar
) LANGUAGE plpgsql AS $$
BEGIN
    LOOP
        SELECT h.sequence, h.head_hash INTO out_sequence, out_previous_hash
            FROM audit_chainhead h WHERE h.chain = p_chain FOR UPDATE;
        EXIT WHEN FOUND;
        INSERT INTO audit_chainhead (chain, sequence, head_hash, updated_at)
            VALUES (p_chain, 0, repeat('0', 64), now()) ON CONFLICT (chain) DO NOTHING;
    END LOOP;
    out_sequence := out_sequence + 1;
    out_entry_hash := encode(sha256(convert_to(
        out_previous_hash || E'\\n' || out_sequence::text || E'\\n' || p_body, 'UTF8')), 'hex');
    UPDATE audit_chainhead SET sequence = out_sequence, head_hash = out_entry_hash, updated_at = now()
        WHERE chain = p_chain;
    INSERT INTO audit_accesslogentry (chain, sequence, previous_hash, entry_hash, {", ".join(n for n, _k in COLUMNS)})
        VALUES (p_chain, out_sequence, out_previous_hash, out_entry_hash, {", ".join(f"p_{n}" for n, _k in COLUMNS)})
        RETURNING id INTO out_id;
END;
$$;
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, None)  # no parameters: the body has its own quoting


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS audit_append({SIGNATURE})", None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_access_actions_2fa_session_end")]
    operations = [migrations.RunPython(install, remove)]
