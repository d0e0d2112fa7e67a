-- 0002_registry.sql — operational tables of the regional patient identity
-- (PIX-style) and of the participating facilities. Written in the same
-- transaction as the Patient / Organization resources they are extracted from.

-- A participating facility (施設), extracted from its Organization resource.
CREATE TABLE facility (
    facility_code TEXT PRIMARY KEY,   -- 10-digit 医療機関コード / 介護保険事業所番号
    org_id        TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL,      -- hospital|clinic|pharmacy|home_nursing|care_management|community_support|other
    name          TEXT NOT NULL,
    area          TEXT NOT NULL,      -- 6-digit 全国地方公共団体コード of its municipality, '' if unknown
    active        INTEGER NOT NULL
);

-- One row per person in the region (地域共通患者ID).
CREATE TABLE regional_patient (
    regional_id  TEXT PRIMARY KEY,
    created_at   BIGINT NOT NULL,
    merged_into  TEXT                 -- set when merged into another regional ID
);

-- Each facility's registration of a person: its Patient resource and its
-- local patient ID, linked to one regional ID.
CREATE TABLE patient_link (
    patient_id    TEXT PRIMARY KEY,   -- logical id of the facility's Patient resource
    facility_code TEXT NOT NULL,
    local_id      TEXT NOT NULL,
    regional_id   TEXT NOT NULL,
    linked_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX patient_link_local ON patient_link (facility_code, local_id);
CREATE INDEX patient_link_regional ON patient_link (regional_id);
