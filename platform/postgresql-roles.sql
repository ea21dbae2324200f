-- Production roles for the portal's PostgreSQL database.
--
-- portal_owner owns the schema and runs migrations (manage.py migrate with its own DATABASE_URL, from a
-- deployment job). portal_app is what gunicorn and the Celery workers connect as: it reads and writes the
-- ordinary tables, but may only INSERT and SELECT on the access log and its signed heads; the triggers
-- installed by the audit migrations refuse UPDATE, DELETE and TRUNCATE a second time, for every role,
-- except a superuser session that deliberately sets portal.audit_maintenance = on.
--
-- Run as a superuser, once, after the first migration by portal_owner:
--   psql -v app_password="'…'" -f platform/postgresql-roles.sql portal

CREATE ROLE portal_app LOGIN PASSWORD :app_password NOSUPERUSER NOCREATEDB NOCREATEROLE;
GRANT CONNECT ON DATABASE portal TO portal_app;
GRANT USAGE ON SCHEMA public TO portal_app;

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO portal_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO portal_app;
ALTER DEFAULT PRIVILEGES FOR ROLE portal_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO portal_app;
ALTER DEFAULT PRIVILEGES FOR ROLE portal_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO portal_app;

-- The access log: append-only for the application.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_accesslogentry, audit_signedhead FROM portal_app;
GRANT SELECT, INSERT ON audit_accesslogentry, audit_signedhead TO portal_app;
-- Chain heads move forward with every entry (the entry itself is what is protected, and verify_audit
-- compares heads with entries and with the signed heads).
GRANT SELECT, INSERT, UPDATE ON audit_chainhead, audit_chainverification TO portal_app;
-- Entries are appended through audit_append (migration audit 0004), which runs with the caller's rights (the
-- grants above suffice); PostgreSQL lets PUBLIC execute new functions, this makes it explicit.
GRANT EXECUTE ON FUNCTION audit_append(varchar, text, timestamptz, bigint, varchar, varchar, bigint, varchar,
    varchar, jsonb, jsonb, timestamptz, timestamptz, varchar, varchar, text, varchar, varchar, varchar, varchar,
    integer, varchar, varchar, varchar, inet, varchar, jsonb) TO portal_app;

-- Check: as portal_app, this must fail with "permission denied":
--   UPDATE audit_accesslogentry SET justification = '' WHERE id = 1;
