-- 0001_init: audit trail and crosswalk for the PostgreSQL store.
-- Names are unqualified so the store's search_path schema receives them.

CREATE TABLE audit_records (
    id         bigserial   PRIMARY KEY,
    at         timestamptz NOT NULL,
    actor      text        NOT NULL DEFAULT '',
    action     text        NOT NULL DEFAULT '',
    process    text        NOT NULL DEFAULT '',
    vendor     text        NOT NULL DEFAULT '',
    exchange   text        NOT NULL DEFAULT '',
    outcome    text        NOT NULL DEFAULT '',
    code       text        NOT NULL DEFAULT '',
    latency_ns bigint      NOT NULL DEFAULT 0
);

CREATE INDEX audit_records_process ON audit_records (process);
CREATE INDEX audit_records_action_at ON audit_records (action, at);

-- The audit trail is append-only in the database too, not only through the Go interface.
CREATE FUNCTION audit_records_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only';
END
$$;

CREATE TRIGGER audit_records_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_records
    FOR EACH ROW EXECUTE FUNCTION audit_records_append_only();

-- TRUNCATE skips row triggers, so it needs a statement trigger of its own.
CREATE TRIGGER audit_records_no_truncate
    BEFORE TRUNCATE ON audit_records
    FOR EACH STATEMENT EXECUTE FUNCTION audit_records_append_only();

CREATE TABLE crosswalk (
    kind        text        NOT NULL,
    external_id text        NOT NULL,
    internal_id text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, external_id)
);
