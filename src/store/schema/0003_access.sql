-- 0003_access.sql — who may see what, and the record of every look:
-- accounts, sessions, facility-system clients and their tokens, consent and
-- care-team facts (extracted from the Consent / CareTeam resources), emergency
-- episodes, disaster declarations, and the hash-chained audit log.

-- A person's login (one per person, never shared). role: doctor, dentist,
-- pharmacist, nurse, visiting_nurse, care_manager, therapist, clerk,
-- facility_admin, operator (model/role.c).
CREATE TABLE account (
    account_id      TEXT PRIMARY KEY,
    facility_code   TEXT NOT NULL,
    role            TEXT NOT NULL,
    licensed        INTEGER NOT NULL,      -- licence verified (医師免許 etc.)
    display_name    TEXT NOT NULL,
    practitioner_id TEXT NOT NULL,         -- its Practitioner resource ('' if none)
    password_hash   TEXT NOT NULL,         -- Argon2id
    must_change     INTEGER NOT NULL,      -- forced change at next login
    totp_secret     TEXT NOT NULL,         -- base32; '' until enrolment starts
    totp_enrolled   INTEGER NOT NULL,
    totp_last_step  BIGINT NOT NULL,       -- last accepted TOTP step (replay protection)
    failed_count    INTEGER NOT NULL,
    locked_until    BIGINT NOT NULL,       -- ms; lockout with back-off
    disabled        INTEGER NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX account_facility ON account (facility_code);

-- A browser session: the cookie carries a random token; only its SHA-256 is stored.
CREATE TABLE web_session (
    token_hash      TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL,
    stage           TEXT NOT NULL,         -- totp | enroll_totp | change_password | ok
    csrf_token      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    last_seen       BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,       -- absolute time-out
    authenticated_at BIGINT NOT NULL,      -- when the login (password + TOTP) completed
    reauth_at       BIGINT NOT NULL,       -- last explicit re-authentication (break-the-glass needs it fresh)
    client_addr     TEXT NOT NULL,
    ended_at        BIGINT NOT NULL        -- 0 while live (logout / time-out set it)
);
CREATE INDEX web_session_account ON web_session (account_id);

-- A facility system (EHR, pharmacy system) using OAuth2 client credentials.
CREATE TABLE oauth_client (
    client_id       TEXT PRIMARY KEY,
    facility_code   TEXT NOT NULL,
    name            TEXT NOT NULL,
    secret_hash     TEXT NOT NULL,         -- SHA-256 of the client secret (256 random bits)
    scopes          TEXT NOT NULL,         -- space-separated: system/Patient.read system/*.write ...
    disabled        INTEGER NOT NULL,
    created_at      BIGINT NOT NULL
);

-- Short-lived bearer tokens: "rk_<token_id>_<secret>"; only SHA-256(secret) is stored.
CREATE TABLE oauth_token (
    token_id        TEXT PRIMARY KEY,
    secret_hash     TEXT NOT NULL,
    client_id       TEXT NOT NULL,
    scopes          TEXT NOT NULL,
    issued_at       BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    revoked_at      BIGINT NOT NULL        -- 0 while valid
);
CREATE INDEX oauth_token_client ON oauth_token (client_id);

-- Consent facts, extracted from Consent resources in the same transaction.
-- kind: individual | comprehensive | refusal. status: active | withdrawn.
-- source_facility: the disclosing facility ('' = any); viewer_facility: the
-- viewing facility ('*' = every facility the patient is registered with).
CREATE TABLE consent_fact (
    consent_id      TEXT PRIMARY KEY,      -- the Consent resource id
    regional_id     TEXT NOT NULL,
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    source_facility TEXT NOT NULL,
    viewer_facility TEXT NOT NULL,
    period_start    BIGINT NOT NULL,
    period_end      BIGINT NOT NULL,       -- exclusive; RK_TIME_MAX_MS when open-ended
    recorded_by     TEXT NOT NULL,
    recorded_facility TEXT NOT NULL,
    recorded_at     BIGINT NOT NULL
);
CREATE INDEX consent_fact_patient ON consent_fact (regional_id);

-- Care-team membership, extracted from CareTeam resources.
CREATE TABLE care_team_member (
    careteam_id     TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    regional_id     TEXT NOT NULL,
    facility_code   TEXT NOT NULL,
    account_id      TEXT NOT NULL,         -- '' = the whole facility
    period_start    BIGINT NOT NULL,
    period_end      BIGINT NOT NULL,
    active          INTEGER NOT NULL,
    PRIMARY KEY (careteam_id, seq)
);
CREATE INDEX care_team_member_patient ON care_team_member (regional_id);

-- Break-the-glass episodes (緊急時閲覧).
CREATE TABLE emergency_episode (
    episode_id      TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL,
    facility_code   TEXT NOT NULL,
    regional_id     TEXT NOT NULL,
    reason_code     TEXT NOT NULL,
    reason_text     TEXT NOT NULL,
    started_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    ended_at        BIGINT NOT NULL,       -- 0 until ended early
    review_status   TEXT NOT NULL,         -- pending | appropriate | inappropriate
    review_due      BIGINT NOT NULL,
    reviewed_by     TEXT NOT NULL,
    reviewed_at     BIGINT NOT NULL,
    review_note     TEXT NOT NULL
);
CREATE INDEX emergency_episode_account ON emergency_episode (account_id, regional_id);
CREATE INDEX emergency_episode_patient ON emergency_episode (regional_id);

-- Disaster mode (災害モード) declared for an area (a facility's area string).
CREATE TABLE disaster_declaration (
    declaration_id  TEXT PRIMARY KEY,
    area            TEXT NOT NULL,
    declared_by     TEXT NOT NULL,
    note            TEXT NOT NULL,
    started_at      BIGINT NOT NULL,
    ends_at         BIGINT NOT NULL,
    ended_at        BIGINT NOT NULL
);

-- The audit log: append-only, each entry carries the HMAC chain value of the
-- previous one (audit/audit.c). audit_head is the chain's end, updated in the
-- same transaction, so truncation is detected too.
CREATE TABLE audit_entry (
    seq             BIGINT PRIMARY KEY,
    recorded_at     BIGINT NOT NULL,       -- ms, UTC
    request_id      TEXT NOT NULL,         -- X-Request-Id of the HTTP request ('' for the command line)
    event           TEXT NOT NULL,         -- read, search, create, update, delete, login, ...
    action          TEXT NOT NULL,         -- C R U D E (FHIR AuditEvent.action)
    outcome         INTEGER NOT NULL,      -- 0 success, 4 minor failure, 8 serious, 12 major
    account_id      TEXT NOT NULL,
    role            TEXT NOT NULL,
    facility_code   TEXT NOT NULL,
    session_ref     TEXT NOT NULL,         -- session / token reference (not the secret)
    client_addr     TEXT NOT NULL,
    purpose         TEXT NOT NULL,         -- TREAT, ETREAT, ...
    grant_kind      TEXT NOT NULL,         -- own, individual, comprehensive, emergency, disaster, ''
    grant_ref       TEXT NOT NULL,         -- consent or episode id
    patients        TEXT NOT NULL,         -- JSON array of the regional IDs whose data was touched
    entities        TEXT NOT NULL,         -- JSON array of "Type/id/_history/v" read or written
    query           TEXT NOT NULL,         -- method and path (with query) of the request
    detail          TEXT NOT NULL,         -- outcome text / reason
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL
);
CREATE INDEX audit_entry_time ON audit_entry (recorded_at);
CREATE INDEX audit_entry_account ON audit_entry (account_id, recorded_at);

-- Lookup of entries by patient (derived from audit_entry.patients, which the chain covers).
CREATE TABLE audit_patient (
    regional_id     TEXT NOT NULL,
    seq             BIGINT NOT NULL,
    PRIMARY KEY (regional_id, seq)
);

CREATE TABLE audit_head (
    id              INTEGER PRIMARY KEY,   -- always 1
    seq             BIGINT NOT NULL,
    hash            TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');
