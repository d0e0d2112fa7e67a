-- 0007_audit_anchor.sql — the audit chain's head is keyed, and the key is
-- checked (audit/audit.c).
--
-- audit_head.mac is HMAC-SHA-256 under the audit key over (the log's id, seq,
-- hash, recorded_at), written in the same transaction as the entries it ends, so
-- that deleting the newest entries and rewriting the head to the new last
-- entry no longer verifies. recorded_at is the newest entry's time: appenders
-- take their time from it, so the log's times never go backwards, whichever
-- process or thread appends. An existing head gets its MAC at the first start
-- of renkei after this migration, once the head agrees with the last entry.
ALTER TABLE audit_head ADD COLUMN recorded_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_head ADD COLUMN mac TEXT NOT NULL DEFAULT '';
UPDATE audit_head SET recorded_at = COALESCE((SELECT MAX(recorded_at) FROM audit_entry), 0);

-- The audit key's check value, HMAC-SHA-256(key, a fixed label), stored when
-- the log is created: every process that writes or verifies the log (several
-- `renkei serve` on one PostgreSQL) must hold the same key, and one with
-- another key refuses to start instead of writing a chain nobody can verify.
-- log_id (random) tells this log's checkpoint file from another log's kept
-- under the same key; the head's HMAC covers it.
CREATE TABLE audit_key_check (
    id              INTEGER PRIMARY KEY,   -- always 1
    check_value     TEXT NOT NULL,
    log_id          TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
