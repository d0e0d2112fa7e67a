-- 0012_collab.sql — 多職種連携: who of the care team has read which post
-- (Communication) of a patient's timeline, and when. A receipt is written
-- when a member opens the post (POST /api/collab/read); the sender sees who
-- has read it and who has not, by profession (GET /api/collab/receipts/{id}).
CREATE TABLE collab_read (
    account_id  TEXT NOT NULL,
    comm_id     TEXT NOT NULL,     -- the Communication's id
    patient_id  TEXT NOT NULL,     -- the Patient registration it is about (resource.patient_id)
    read_at     BIGINT NOT NULL,   -- ms
    PRIMARY KEY (account_id, comm_id)
);
CREATE INDEX collab_read_comm ON collab_read (comm_id);
