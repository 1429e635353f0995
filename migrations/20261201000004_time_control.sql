-- Time control: a run limit, pause until (with who and why), and a one-off body for
-- "Trigger now". The active window, jitter and DST policy live in `spec` with the timing.

SET LOCAL statement_timeout = 0;

ALTER TABLE schedules
    -- Fires the schedule may make (NULL: no limit), and how many are left; at 0 it completes.
    ADD COLUMN max_fires    integer     CHECK (max_fires >= 1),
    ADD COLUMN fires_left   integer     CHECK (fires_left >= 0),
    -- A pause that ends by itself at `paused_until`; when, by whom and why it was paused.
    ADD COLUMN paused_until timestamptz,
    ADD COLUMN paused_at    timestamptz,
    ADD COLUMN paused_by    text,
    ADD COLUMN pause_note   text        CHECK (char_length(pause_note) <= 500),
    -- The body of the pending manual fire ("Trigger now" with a payload).
    ADD COLUMN manual_body  text;

-- The executors look for pauses that are over.
CREATE INDEX schedules_resume_idx ON schedules (paused_until)
    WHERE state = 'paused' AND paused_until IS NOT NULL;

-- Which attempts a person asked for.
ALTER TABLE executions ADD COLUMN manual boolean NOT NULL DEFAULT false;

-- An executor that resumes a schedule whose pause ended is recorded as such.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_actor_kind_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_actor_kind_check
    CHECK (actor_kind IN ('key', 'bootstrap', 'local', 'anonymous', 'system'));
