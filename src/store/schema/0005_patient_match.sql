-- 0005_patient_match.sql — patient linking (issue 5 §6): the match keys of
-- every registration, the review queue of candidate pairs of regional IDs,
-- merges with exactly what they moved (so an unmerge restores it), and the
-- identities each registration has belonged to (so consent and care-team
-- facts given under one regional ID keep their scope after a merge; see
-- docs/ACCESS.md "Merged patients"). The same file runs on both backends.

-- One row per Patient registration: the blocking key is the normalised kana
-- name and the birth date, indexed, so a new registration finds its
-- look-alikes with one index range, never a scan.
CREATE TABLE patient_match_key (
    patient_id    TEXT PRIMARY KEY,
    match_key     @CTEXT@ NOT NULL,     -- textnorm key of the kana name + '|' + birthDate ('' when either is missing)
    gender        TEXT NOT NULL,        -- male | female | other | unknown | ''
    postal        TEXT NOT NULL,        -- digits of the first address's postal code
    address       @CTEXT@ NOT NULL      -- textnorm key of the first address's text
);
CREATE INDEX patient_match_key_key ON patient_match_key (match_key);

-- A candidate pair for review: regional_a existed, regional_b was just created
-- by registration patient_b, which looks like patient_a. Never merged
-- automatically. status: pending | merged | rejected | unmerged.
CREATE TABLE patient_match (
    candidate_id  TEXT PRIMARY KEY,
    regional_a    TEXT NOT NULL,
    regional_b    TEXT NOT NULL,
    patient_a     TEXT NOT NULL,
    patient_b     TEXT NOT NULL,
    score         INTEGER NOT NULL,     -- 0..100
    reasons       TEXT NOT NULL,        -- matched fields, comma-separated
    status        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    decided_by    TEXT NOT NULL,
    decided_at    BIGINT NOT NULL,
    note          TEXT NOT NULL,
    merge_id      TEXT NOT NULL         -- the merge it led to ('' when none)
);
CREATE UNIQUE INDEX patient_match_pair ON patient_match (regional_a, regional_b);
CREATE INDEX patient_match_status ON patient_match (status, created_at);
CREATE INDEX patient_match_b ON patient_match (regional_b);

-- A merge of from_regional into into_regional (which survives).
CREATE TABLE patient_merge (
    merge_id      TEXT PRIMARY KEY,
    from_regional TEXT NOT NULL,
    into_regional TEXT NOT NULL,
    candidate_id  TEXT NOT NULL,        -- '' when merged without a candidate
    merged_by     TEXT NOT NULL,
    merged_at     BIGINT NOT NULL,
    reason        TEXT NOT NULL,
    unmerged_by   TEXT NOT NULL,
    unmerged_at   BIGINT NOT NULL,      -- 0 while in force
    unmerge_reason TEXT NOT NULL
);
CREATE INDEX patient_merge_into ON patient_merge (into_regional);

-- The registrations a merge moved: exactly these go back on unmerge.
CREATE TABLE patient_merge_member (
    merge_id      TEXT NOT NULL,
    patient_id    TEXT NOT NULL,
    PRIMARY KEY (merge_id, patient_id)
);
CREATE INDEX patient_merge_member_patient ON patient_merge_member (patient_id);

-- Each regional ID a registration belongs to: the one it was registered under
-- (since = 0) and each one it was merged into (since = the merge time). A
-- consent or care-team fact recorded under X at time t covers the
-- registrations with a row (X, since <= t).
CREATE TABLE patient_identity (
    patient_id    TEXT NOT NULL,
    regional_id   TEXT NOT NULL,
    since         BIGINT NOT NULL,
    PRIMARY KEY (patient_id, regional_id)
);
CREATE INDEX patient_identity_regional ON patient_identity (regional_id);
INSERT INTO patient_identity (patient_id, regional_id, since) SELECT patient_id, regional_id, 0 FROM patient_link;

CREATE INDEX regional_patient_merged ON regional_patient (merged_into);

-- When a care-team membership was recorded (the scope rule above needs it).
ALTER TABLE care_team_member ADD COLUMN recorded_at BIGINT NOT NULL DEFAULT 0;
