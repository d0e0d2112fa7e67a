-- 0011_ingest_warnings.sql — what the mapping kept but could not map fully
-- (a drug code of an unknown system, a dose in words, a lab value that is not
-- a number), per stored message: every warning, one per line ('' when none).
-- `renkei ingest warnings` lists them, so an operator sees them after an
-- import and not only in the first MLLP ACK.
ALTER TABLE ingest_message ADD COLUMN warnings TEXT NOT NULL DEFAULT '';
CREATE INDEX ingest_message_warned ON ingest_message (facility_code, received_at) WHERE warnings <> '';
