-- 0019_emergency_sheet.sql — the printed 救急医療情報シート of each patient
-- registration (emergency/sheet.h): the opaque token its QR code carries
-- (resolved to the patient only after an authenticated user's access check),
-- and the summary content's hash and time when it was last printed, so that
-- a sheet whose summary has changed since is reported stale.
CREATE TABLE emergency_sheet (
    patient_id   TEXT NOT NULL PRIMARY KEY, -- the Patient registration
    token        TEXT NOT NULL UNIQUE,      -- random, 26 base32 characters; carries nothing
    content_hash TEXT NOT NULL,             -- summary_content_hash at the last print, '' never printed
    generated_at BIGINT NOT NULL            -- ms of the last print, 0 never
);
