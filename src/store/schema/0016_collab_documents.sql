-- 0016_collab_documents.sql — the signatures of the care team's documents
-- (指示書, 計画書, 報告書: FHIR Composition, collab/orders.c) and the reminders
-- posted before a 指示書's period ends. A signature is bound to one version of
-- the document: it signs the canonical form of that version (collab/sign.h),
-- so a later version is unsigned until signed again.
CREATE TABLE collab_signature (
    composition_id TEXT NOT NULL,
    version        BIGINT NOT NULL,     -- the version signed
    account_id     TEXT NOT NULL,       -- who signed
    facility_code  TEXT NOT NULL,
    signer         TEXT NOT NULL,       -- the signer implementation ("test-ed25519")
    key_id         TEXT NOT NULL,       -- the key or certificate it names
    digest         TEXT NOT NULL,       -- hex SHA-256 of the canonical form signed
    signature      TEXT NOT NULL,       -- base64
    signed_at      BIGINT NOT NULL,
    PRIMARY KEY (composition_id, version)
);
-- One row per reminder posted: each threshold (14 or 3 days before the end)
-- once per document version.
CREATE TABLE collab_reminder (
    composition_id TEXT NOT NULL,
    version        BIGINT NOT NULL,
    days_before    INTEGER NOT NULL,
    communication  TEXT NOT NULL,       -- the reminder post
    posted_at      BIGINT NOT NULL,
    PRIMARY KEY (composition_id, version, days_before)
);
-- The test key of the test signer (collab/sign.h): generated on first use,
-- clearly not a legal signature (テスト鍵). An HPKI signer keeps its keys on
-- the card (PKCS#11) and needs no row here.
CREATE TABLE collab_sign_key (
    key_id     TEXT PRIMARY KEY,        -- "test-ed25519:" + hex of the first 8 bytes of the public key
    public_key TEXT NOT NULL,           -- base64
    secret     TEXT NOT NULL,           -- base64 seed (a test key: kept in the database on purpose)
    created_at BIGINT NOT NULL
);
