-- 0017_collab_post.sql — the facts of every post of the care team's timelines
-- (FHIR Communication), kept by its write hook (fhir/timeline.c) in the write's
-- transaction, so that 担当患者一覧, the inbox and the digest count unread,
-- overdue and latest posts in SQL, without reading each post's JSON: a team
-- with thousands of posts is counted in one query per person. A database
-- written before this migration is filled at the next `renkei serve`.
CREATE TABLE collab_post (
    comm_id         TEXT NOT NULL PRIMARY KEY, -- the Communication's id
    patient_id      TEXT NOT NULL,             -- the Patient registration it is about
    source_facility TEXT NOT NULL,
    sender          TEXT NOT NULL,             -- "Practitioner/<id>", '' when none
    reply_to        TEXT NOT NULL,             -- the id of the post it answers, '' when none
    status          TEXT NOT NULL,             -- completed | entered-in-error (withdrawn) | ...
    sent            BIGINT NOT NULL,           -- ms
    reply_by        BIGINT NOT NULL,           -- ms of 要返信's due time, 0 when no reply is asked
    mentions        TEXT NOT NULL              -- ' '-separated references and @roles it names, '' when none
);
-- a timeline's page: the newest posts of a registration, by (sent, comm_id)
CREATE INDEX collab_post_patient ON collab_post (patient_id, sent, comm_id);
CREATE INDEX collab_post_reply ON collab_post (reply_to);
