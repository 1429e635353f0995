-- What fires write, moved off the wide `schedules` row (issue 21, item 1).
--
-- A fire wrote the schedule's whole row twice (claim, write-back): 43 columns, 336 bytes,
-- with its name, search, label and import indexes. What a claim and a write-back change
-- lives here now, one narrow row per schedule; `schedules` keeps the definition and is
-- written only when a person (or an import) changes the schedule. Both rows of a schedule
-- are written in one statement wherever both change, so no crash leaves them disagreeing.
-- See docs/narrow-fire-table.md for the measurements and the crash guarantees.

SET LOCAL statement_timeout = 0;

CREATE TABLE schedule_runtime (
    id                uuid PRIMARY KEY REFERENCES schedules (id) ON DELETE CASCADE,
    state             text NOT NULL DEFAULT 'active'
                      CHECK (state IN ('active', 'paused', 'completed', 'dead')),
    next_run_at       timestamptz,
    lease_until       timestamptz,
    claim_token       uuid,
    claimed_by        text,
    attempt           integer NOT NULL DEFAULT 0,
    fire_at           timestamptz,
    execution_id      uuid,
    manual_fire       boolean NOT NULL DEFAULT false,
    manual_body       text,
    fires_left        integer CHECK (fires_left >= 0),
    paused_until      timestamptz,
    last_fired_at     timestamptz,
    last_success_at   timestamptz,
    last_outcome      text CHECK (last_outcome IN ('success', 'failure', 'skipped')),
    last_error        text,
    failure_streak    integer NOT NULL DEFAULT 0,
    dead_fires        integer NOT NULL DEFAULT 0,
    last_dead_fire_at timestamptz,
    dead_at           timestamptz
) WITH (fillfactor = 80);

INSERT INTO schedule_runtime
SELECT id, state, next_run_at, lease_until, claim_token, claimed_by, attempt, fire_at,
       execution_id, manual_fire, manual_body, fires_left, paused_until, last_fired_at,
       last_success_at, last_outcome, last_error, failure_streak, dead_fires,
       last_dead_fire_at, dead_at
FROM schedules;

COMMENT ON COLUMN schedule_runtime.next_run_at IS
    'When the schedule is next due: its next fire or a retry. A claimed schedule is due again '
    'once lease_until passes. NULL when nothing is pending.';

-- The claim's and the wake-up's.
CREATE INDEX schedule_runtime_due_idx ON schedule_runtime (next_run_at, id)
    WHERE state = 'active';
-- The alerting watch's.
CREATE INDEX schedule_runtime_alerting_idx ON schedule_runtime (id)
    WHERE state = 'dead' OR failure_streak > 0 OR last_dead_fire_at IS NOT NULL;
-- The dead letters' pages.
CREATE INDEX schedule_runtime_dead_idx
    ON schedule_runtime ((coalesce(dead_at, 'epoch'::timestamptz)) DESC, id DESC)
    WHERE state = 'dead';
-- The list's "failing" filter (few rows: sorted by name after the join).
CREATE INDEX schedule_runtime_failing_idx ON schedule_runtime (id)
    WHERE state = 'active' AND last_outcome = 'failure';
-- Timed resumes.
CREATE INDEX schedule_runtime_resume_idx ON schedule_runtime (paused_until)
    WHERE state = 'paused' AND paused_until IS NOT NULL;

ALTER TABLE schedules
    DROP COLUMN state,
    DROP COLUMN next_run_at,
    DROP COLUMN lease_until,
    DROP COLUMN claim_token,
    DROP COLUMN claimed_by,
    DROP COLUMN attempt,
    DROP COLUMN fire_at,
    DROP COLUMN execution_id,
    DROP COLUMN manual_fire,
    DROP COLUMN manual_body,
    DROP COLUMN fires_left,
    DROP COLUMN paused_until,
    DROP COLUMN last_fired_at,
    DROP COLUMN last_success_at,
    DROP COLUMN last_outcome,
    DROP COLUMN last_error,
    DROP COLUMN failure_streak,
    DROP COLUMN dead_fires,
    DROP COLUMN last_dead_fire_at,
    DROP COLUMN dead_at;
-- The definition row is no longer updated by fires: pages full again.
ALTER TABLE schedules SET (fillfactor = 100);

-- An attempt's record refers to the runtime row (deleted with its schedule), so checking
-- the reference at a write-back locks the row the write-back holds anyway, not the wide one.
ALTER TABLE executions
    DROP CONSTRAINT executions_schedule_id_fkey,
    ADD CONSTRAINT executions_schedule_id_fkey FOREIGN KEY (schedule_id)
        REFERENCES schedule_runtime (id) ON DELETE CASCADE;
