-- 0004_ingest.sql — the ingest log: which messages and SS-MIX2 files were
-- stored (idempotency, incremental import), which resources each document
-- (one SS-MIX2 file / one order) produced (updates and deletes), and the
-- quarantine of messages that could not be parsed, mapped or stored.

-- One row per message or file stored (or skipped on purpose).
CREATE TABLE ingest_message (
    origin        TEXT NOT NULL,      -- ssmix2 | mllp
    facility_code TEXT NOT NULL,      -- source facility
    msg_key       TEXT NOT NULL,      -- ssmix2: path relative to the storage root; mllp: MSH-3^MSH-4|MSH-10
    digest        TEXT NOT NULL,      -- SHA-256 (hex) of the bytes as received
    doc_key       TEXT NOT NULL,      -- the document it belongs to ('' when skipped before mapping)
    outcome       TEXT NOT NULL,      -- stored | deleted | skipped
    received_at   BIGINT NOT NULL,
    PRIMARY KEY (origin, facility_code, msg_key)
);

-- One row per document: "<facility>-<PID>.<date>.<type>.<order>".
CREATE TABLE ingest_doc (
    doc_key     @CTEXT@ PRIMARY KEY,
    file_ts     TEXT NOT NULL,        -- SS-MIX2 file-name timestamp of the version applied ('' for MLLP)
    deleted     INTEGER NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- The resources a document's current version produced.
CREATE TABLE ingest_doc_resource (
    doc_key   @CTEXT@ NOT NULL,
    res_type  TEXT NOT NULL,
    res_id    TEXT NOT NULL,
    PRIMARY KEY (doc_key, res_type, res_id)
);

-- Quarantine: kept with the reason, listable, replayable; never deleted.
CREATE TABLE ingest_error (
    id            @ID@,
    at            BIGINT NOT NULL,
    origin        TEXT NOT NULL,      -- ssmix2 | mllp
    facility_code TEXT NOT NULL,
    location      TEXT NOT NULL,      -- relative path, or MSH-3^MSH-4|MSH-10, or the peer when unparseable
    hints         TEXT NOT NULL,      -- ssmix2: the file name's 7 fields ('_'-joined), for replay
    reason        TEXT NOT NULL,
    digest        TEXT NOT NULL,
    bytes         TEXT NOT NULL,      -- the message as received, base64
    tries         INTEGER NOT NULL,
    resolved_at   BIGINT              -- set when a replay stored it
);
CREATE INDEX ingest_error_open ON ingest_error (resolved_at, id);
CREATE INDEX ingest_error_digest ON ingest_error (digest);
