-- 0018_disaster_area.sql — disaster mode (災害モード) by 全国地方公共団体コード.
-- A facility's municipality and the municipalities it serves come from its
-- Organization (fhir/registry.c); a declaration names municipality or
-- prefecture codes; an operator may extend it for one facility past its end.
-- Codes are kept ' '-separated with a leading and trailing space (" 202029 ").

-- the facility's own municipality first, then those it serves
ALTER TABLE facility ADD COLUMN area_codes TEXT NOT NULL DEFAULT '';
-- the declared codes ('' on a declaration made before this migration, which
-- names its area by prefecture and city and is matched by that prefix)
ALTER TABLE disaster_declaration ADD COLUMN area_codes TEXT NOT NULL DEFAULT '';
-- who ended it early ('' while active or when it closed itself at its end)
ALTER TABLE disaster_declaration ADD COLUMN ended_by TEXT NOT NULL DEFAULT '';

-- One facility's extension of a declaration: it keeps disaster mode until
-- ends_at although the declaration itself has closed at its end. Ending a
-- declaration early ends its extensions too.
CREATE TABLE disaster_extension (
    declaration_id  TEXT NOT NULL,
    facility_code   TEXT NOT NULL,
    ends_at         BIGINT NOT NULL,
    extended_by     TEXT NOT NULL,
    extended_at     BIGINT NOT NULL,
    note            TEXT NOT NULL,
    PRIMARY KEY (declaration_id, facility_code)
);
CREATE INDEX disaster_extension_facility ON disaster_extension (facility_code, ends_at);
