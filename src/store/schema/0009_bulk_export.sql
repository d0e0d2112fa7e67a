-- 0009_bulk_export.sql — FHIR Bulk Data exports (bulk/): one row per
-- kick-off. The export runs in the background on the server that accepted it
-- (bulk/export.c); any server answers its status, files and cancellation from
-- this row, and the scheduler deletes the files and the row after expires_at.
CREATE TABLE bulk_export (
    id              TEXT PRIMARY KEY,      -- random, in the status URL
    account         TEXT NOT NULL,         -- the principal that started it: only it polls, fetches, cancels
    principal       TEXT NOT NULL,         -- that principal as JSON (role, facility, scopes): the export runs as it
    level           TEXT NOT NULL,         -- system, patient or group
    group_id        TEXT NOT NULL,         -- group: the facility code; '' otherwise
    types           TEXT NOT NULL,         -- _type, comma-separated ('' every type of the level)
    since           BIGINT NOT NULL,       -- _since in ms (-1: none)
    request_url     TEXT NOT NULL,         -- the kick-off URL, for the manifest's "request"
    status          TEXT NOT NULL,         -- queued, running, done, failed, cancelled
    holder          TEXT NOT NULL,         -- the server running it ('' when none)
    progress        TEXT NOT NULL,         -- X-Progress while running
    outputs         TEXT NOT NULL,         -- JSON array of {type, file, count} when done
    error           TEXT NOT NULL,         -- why it failed
    created_at      BIGINT NOT NULL,       -- ms; the transactionTime
    finished_at     BIGINT NOT NULL,       -- ms (0 while running)
    expires_at      BIGINT NOT NULL        -- ms; files and row deleted after (bulk.expiry after the end)
);
CREATE INDEX bulk_export_expires ON bulk_export (expires_at);
CREATE INDEX bulk_export_status ON bulk_export (status);
