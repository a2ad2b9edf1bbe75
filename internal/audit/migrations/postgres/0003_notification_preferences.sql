-- 0003_notification_preferences: per-patient notification preferences and per-address opt-outs
-- (#16). Unlike the audit trail these rows change: a patient edits preferences, STOP and START
-- flip an opt-out. Channel lists are comma-separated channel names; empty quiet_* columns mean
-- no quiet hours.

CREATE TABLE notification_preferences (
    patient_id  text        NOT NULL PRIMARY KEY,
    channels    text        NOT NULL DEFAULT '',
    opted_out   text        NOT NULL DEFAULT '',
    quiet_start text        NOT NULL DEFAULT '',
    quiet_end   text        NOT NULL DEFAULT '',
    quiet_tz    text        NOT NULL DEFAULT '',
    updated_at  timestamptz NOT NULL
);

CREATE TABLE notification_optouts (
    channel    text        NOT NULL,
    address    text        NOT NULL,
    opted_out  boolean     NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (channel, address)
);
