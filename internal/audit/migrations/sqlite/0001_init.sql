-- 0001_init: audit trail and crosswalk for the embedded (SQLite) store.
-- STRICT tables make SQLite enforce the declared column types like PostgreSQL does.

CREATE TABLE audit_records (
    -- AUTOINCREMENT guarantees IDs are never reused, so AfterID paging cannot skip a record.
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    -- UTC text in the fixed-width form YYYY-MM-DDTHH:MM:SS.ffffffZ: it sorts correctly as text
    -- and SQLite's date functions read it directly.
    at         TEXT    NOT NULL,
    actor      TEXT    NOT NULL DEFAULT '',
    action     TEXT    NOT NULL DEFAULT '',
    process    TEXT    NOT NULL DEFAULT '',
    vendor     TEXT    NOT NULL DEFAULT '',
    exchange   TEXT    NOT NULL DEFAULT '',
    outcome    TEXT    NOT NULL DEFAULT '',
    code       TEXT    NOT NULL DEFAULT '',
    latency_ns INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX audit_records_process ON audit_records (process);
CREATE INDEX audit_records_action_at ON audit_records (action, at);

-- The audit trail is append-only in the database too, not only through the Go interface.
CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records
BEGIN
    SELECT RAISE(ABORT, 'audit records are append-only');
END;

CREATE TRIGGER audit_records_no_delete BEFORE DELETE ON audit_records
BEGIN
    SELECT RAISE(ABORT, 'audit records are append-only');
END;

CREATE TABLE crosswalk (
    kind        TEXT NOT NULL,
    external_id TEXT NOT NULL,
    internal_id TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (kind, external_id)
) WITHOUT ROWID, STRICT;
