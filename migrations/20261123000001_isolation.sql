-- Isolation: a claim token unique per claim (the write-back fence), what a dead fire does to
-- its schedule, and a per-schedule signing secret.

-- Connections carry a 10 s statement_timeout; building an index on a large history may take
-- longer. This migration runs in one transaction, and the setting ends with it.
SET LOCAL statement_timeout = 0;

-- Set to a fresh random value by every claim; every write after the claim is fenced on it,
-- so no older claim of the same schedule (same executor, same attempt number) can match.
ALTER TABLE schedules ADD COLUMN claim_token uuid;

-- When a fire runs out of attempts: 'stop' dead-letters the schedule until someone updates
-- it; 'next_fire' dead-letters only that fire and moves on to the schedule's next instant.
ALTER TABLE schedules ADD COLUMN on_dead text NOT NULL DEFAULT 'stop'
    CHECK (on_dead IN ('stop', 'next_fire'));

-- The HMAC key this schedule's requests are signed with (shown once on creation and on
-- rotation); NULL signs with the executor's global secret, if any.
ALTER TABLE schedules ADD COLUMN signing_secret text;

-- Dead-lettered fires of 'next_fire' schedules, counted for the UI.
ALTER TABLE schedules ADD COLUMN dead_fires integer NOT NULL DEFAULT 0;

-- Retention keeps the newest N attempts per schedule: it reads them by (schedule, id).
CREATE INDEX executions_schedule_id_idx ON executions (schedule_id, id DESC);
