-- 0008_scheduler.sql — the scheduler's jobs (sched/): one row per job, its
-- lease and its last run. Several `renkei serve` processes share one
-- database; a server runs a job only after claiming it with a compare-and-set
-- UPDATE of the lease (holder, lease_until), so each job runs once per period
-- across all of them, and a crashed holder's lease simply runs out.
CREATE TABLE sched_job (
    name            TEXT PRIMARY KEY,      -- the job's name in sched/jobs.c
    holder          TEXT NOT NULL,         -- server running it now (host:pid:random); '' when free
    lease_until     BIGINT NOT NULL,       -- ms; the claim is void after this (0 when free)
    last_start      BIGINT NOT NULL,       -- ms; start of the last run (0: never run); due again at + period
    last_end        BIGINT NOT NULL,       -- ms; end of the last finished run
    last_status     TEXT NOT NULL,         -- '' (never run), ok or failed
    last_message    TEXT NOT NULL,         -- what the last run did, or why it failed
    last_duration   BIGINT NOT NULL,       -- ms the last run took
    runs            BIGINT NOT NULL        -- finished runs so far
);

-- emergency_episode.ended_at is now also set when an episode's time is up
-- (to its expires_at, by the emergency-expire job), not only when it is ended
-- early; the job looks for open episodes every tick.
CREATE INDEX emergency_episode_open ON emergency_episode (ended_at, expires_at);
