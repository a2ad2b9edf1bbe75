-- 0003_notification_preferences: per-patient notification preferences and per-address opt-outs
-- (#16). Unlike the audit trail these rows change: a patient edits preferences, STOP and START
-- flip an opt-out. Channel lists are comma-separated channel names; empty quiet_* columns mean
-- no quiet hours.

CREATE TABLE notification_preferences (
    patient_id  TEXT NOT NULL PRIMARY KEY,
    channels    TEXT NOT NULL DEFAULT '',
    opted_out   TEXT NOT NULL DEFAULT '',
    quiet_start TEXT NOT NULL DEFAULT '',
    quiet_end   TEXT NOT NULL DEFAULT '',
    quiet_tz    TEXT NOT NULL DEFAULT '',
    updated_at  TEXT NOT NULL
) WITHOUT ROWID, STRICT;

CREATE TABLE notification_optouts (
    channel    TEXT    NOT NULL,
    address    TEXT    NOT NULL,
    opted_out  INTEGER NOT NULL CHECK (opted_out IN (0, 1)),
    updated_at TEXT    NOT NULL,
    PRIMARY KEY (channel, address)
) WITHOUT ROWID, STRICT;
