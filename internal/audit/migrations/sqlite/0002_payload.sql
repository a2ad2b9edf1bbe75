-- 0002_payload: an optional sealed attachment per audit record (a message the engine could not
-- accept). The store writes only ciphertext here; payload_key_id names the key that sealed it.
-- Both columns are NULL for a record without a payload, and both are set otherwise. Adding
-- nullable columns rewrites no rows, so the append-only triggers are neither fired nor needed
-- again: they guard every column of the table, old and new.

ALTER TABLE audit_records ADD COLUMN payload BLOB
    CHECK (payload IS NULL OR length(payload) > 0);

ALTER TABLE audit_records ADD COLUMN payload_key_id TEXT
    CHECK ((payload IS NULL) = (payload_key_id IS NULL) AND (payload_key_id IS NULL OR payload_key_id <> ''));
