-- 0001_resources.sql — FHIR resources with version history and the extracted
-- search-index tables. Portable SQL for SQLite and PostgreSQL; the tokens
-- @ID@ (auto-assigned integer key) and @CTEXT@ (text compared byte-wise) are
-- rewritten per backend by store/dialect.c.

-- The current version of every resource (deleted ones too, as tombstones).
CREATE TABLE resource (
    rid             @ID@,
    type            TEXT NOT NULL,
    id              TEXT NOT NULL,
    version         BIGINT NOT NULL,
    deleted         INTEGER NOT NULL DEFAULT 0,
    last_updated    BIGINT NOT NULL,          -- ms since the epoch, UTC
    source_facility TEXT,                     -- facility_code of the disclosing facility
    patient_id      TEXT,                     -- logical id of the Patient it belongs to
    body            TEXT NOT NULL             -- the stored JSON, streamed out as is
);
CREATE UNIQUE INDEX resource_type_id ON resource (type, id);
CREATE INDEX resource_type_updated ON resource (type, last_updated);
CREATE INDEX resource_patient ON resource (patient_id, type);

-- Superseded versions; a version is copied here before it is replaced, never
-- overwritten in place.
CREATE TABLE resource_history (
    rid             BIGINT NOT NULL,
    type            TEXT NOT NULL,
    id              TEXT NOT NULL,
    version         BIGINT NOT NULL,
    deleted         INTEGER NOT NULL,
    last_updated    BIGINT NOT NULL,
    source_facility TEXT,
    patient_id      TEXT,
    body            TEXT NOT NULL,
    PRIMARY KEY (rid, version)
);
CREATE INDEX resource_history_updated ON resource_history (last_updated);
CREATE INDEX resource_history_type_updated ON resource_history (type, last_updated);

-- Search indexes of the current version. system is '' when absent.
CREATE TABLE idx_token (
    rid     BIGINT NOT NULL,
    type    TEXT NOT NULL,
    param   TEXT NOT NULL,
    system  TEXT NOT NULL,
    code    TEXT NOT NULL
);
CREATE INDEX idx_token_lookup ON idx_token (type, param, code, system);
CREATE INDEX idx_token_rid ON idx_token (rid);

-- value is the normalised search key (core/textnorm.h); raw is as written.
CREATE TABLE idx_string (
    rid     BIGINT NOT NULL,
    type    TEXT NOT NULL,
    param   TEXT NOT NULL,
    value   @CTEXT@ NOT NULL,
    raw     TEXT NOT NULL
);
CREATE INDEX idx_string_lookup ON idx_string (type, param, value);
CREATE INDEX idx_string_rid ON idx_string (rid);

-- [lo, hi) in ms since the epoch.
CREATE TABLE idx_date (
    rid     BIGINT NOT NULL,
    type    TEXT NOT NULL,
    param   TEXT NOT NULL,
    lo      BIGINT NOT NULL,
    hi      BIGINT NOT NULL
);
CREATE INDEX idx_date_lo ON idx_date (type, param, lo);
CREATE INDEX idx_date_hi ON idx_date (type, param, hi);
CREATE INDEX idx_date_rid ON idx_date (rid);

CREATE TABLE idx_reference (
    rid         BIGINT NOT NULL,
    type        TEXT NOT NULL,
    param       TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL
);
CREATE INDEX idx_reference_lookup ON idx_reference (type, param, target_id, target_type);
CREATE INDEX idx_reference_rid ON idx_reference (rid);
