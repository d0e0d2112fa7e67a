-- 0006_login_guard.sql — failed logins are counted per login ID and client
-- address, and per login ID over all addresses, for IDs that exist and IDs
-- that do not alike (access/auth.c; the rule is in docs/ACCESS.md "Login and
-- sessions"). The account row no longer keeps a count of its own: every
-- change of an account is a targeted statement (access/account.c).

-- One row per (login ID, client address) that failed recently, and one per
-- login ID with client_addr '*' for the count over every address. Rows of a
-- day without a failure are forgotten (and deleted), so IDs made up by a
-- guesser do not pile up.
CREATE TABLE login_failure (
    login_id        TEXT NOT NULL,         -- as typed; only well-formed login IDs are counted
    client_addr     TEXT NOT NULL,         -- IPv4 address, IPv6 /64 prefix, or '*' (every address)
    failed_count    INTEGER NOT NULL,      -- failures since the last success (or forgetting)
    locked_until    BIGINT NOT NULL,       -- ms; 0 when not locked
    last_failure    BIGINT NOT NULL,       -- ms
    PRIMARY KEY (login_id, client_addr)
);
CREATE INDEX login_failure_last ON login_failure (last_failure);

ALTER TABLE account DROP COLUMN failed_count;
ALTER TABLE account DROP COLUMN locked_until;
