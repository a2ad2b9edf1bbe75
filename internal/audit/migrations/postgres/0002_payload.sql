-- 0002_payload: an optional sealed attachment per audit record (a message the engine could not
-- accept). The store writes only ciphertext here; payload_key_id names the key that sealed it.
-- Both columns are NULL for a record without a payload, and both are set otherwise. Adding
-- nullable columns without a default rewrites no rows, so the append-only triggers are not
-- fired; being row and statement triggers on the table, they guard the new columns too.

ALTER TABLE audit_records
    ADD COLUMN payload        bytea,
    ADD COLUMN payload_key_id text;

-- Ciphertext does not compress; EXTERNAL stores large values out of line without trying.
ALTER TABLE audit_records ALTER COLUMN payload SET STORAGE EXTERNAL;

-- NOT VALID skips scanning existing rows (all NULL here) under the ALTER's exclusive lock;
-- new rows are checked all the same.
ALTER TABLE audit_records ADD CONSTRAINT audit_records_payload_sealed CHECK (
    (payload IS NULL) = (payload_key_id IS NULL)
    AND (payload IS NULL OR octet_length(payload) > 0)
    AND (payload_key_id IS NULL OR payload_key_id <> '')
) NOT VALID;
