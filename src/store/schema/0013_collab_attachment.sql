-- 0013_collab_attachment.sql — photos, PDFs and short videos of the care
-- team's posts (多職種連携), checked and cleaned (collab/attach.c) before they
-- are kept: one row per upload, for one person. A post names it by URL
-- (/api/collab/attachments/{id}); it is served to whoever may read a post of
-- the person that names it, and to its uploader until then.
CREATE TABLE collab_attachment (
    id            TEXT PRIMARY KEY,     -- random
    regional_id   TEXT NOT NULL,        -- the person the team cares for
    account_id    TEXT NOT NULL,        -- who uploaded it
    facility_code TEXT NOT NULL,
    content_type  TEXT NOT NULL,        -- image/jpeg, image/png, application/pdf, video/mp4, video/quicktime
    title         TEXT NOT NULL,
    size          BIGINT NOT NULL,      -- bytes as kept (metadata removed)
    sha1          TEXT NOT NULL,        -- base64 SHA-1 of the bytes (FHIR Attachment.hash)
    bytes         TEXT NOT NULL,        -- base64
    thumb         TEXT NOT NULL,        -- base64 JPEG thumbnail of an image ('' for documents and videos)
    created_at    BIGINT NOT NULL
);
CREATE INDEX collab_attachment_person ON collab_attachment (regional_id);
