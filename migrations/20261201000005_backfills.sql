-- Backfill: the instants of a past range fired for a schedule, each a fire of its own (its
-- own execution id, its instant as X-Scheduleman-Scheduled-For), at a chosen pace, retried
-- as the schedule's retry policy says, cancellable while it runs.

SET LOCAL statement_timeout = 0;

CREATE TABLE backfills (
    id          uuid        PRIMARY KEY,
    schedule_id uuid        NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    range_from  timestamptz NOT NULL,
    range_to    timestamptz NOT NULL,
    -- Time between two fires' first attempts.
    pace_ms     bigint      NOT NULL CHECK (pace_ms >= 0),
    total       integer     NOT NULL CHECK (total BETWEEN 1 AND 1000),
    -- Progress, kept by the executors' write-back and the cancel (a list reads 20 rows,
    -- never their fires).
    delivered   integer     NOT NULL DEFAULT 0,
    failed      integer     NOT NULL DEFAULT 0,
    cancelled   integer     NOT NULL DEFAULT 0,
    state       text        NOT NULL DEFAULT 'running'
                            CHECK (state IN ('running', 'done', 'cancelled')),
    created_by  text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE INDEX backfills_schedule_idx ON backfills (schedule_id, created_at DESC);

CREATE TABLE backfill_fires (
    backfill_id   uuid        NOT NULL REFERENCES backfills (id) ON DELETE CASCADE,
    seq           integer     NOT NULL,
    schedule_id   uuid        NOT NULL,
    scheduled_for timestamptz NOT NULL,
    -- When its next attempt is due.
    due_at        timestamptz NOT NULL,
    execution_id  uuid        NOT NULL UNIQUE,
    -- Attempts started so far (a claim starts one).
    attempt       integer     NOT NULL DEFAULT 0,
    state         text        NOT NULL DEFAULT 'pending'
                              CHECK (state IN ('pending', 'delivered', 'failed', 'cancelled')),
    -- An executor holds it until then; after that (the executor died) another takes it.
    lease_until   timestamptz,
    last_error    text,
    PRIMARY KEY (backfill_id, seq)
);
CREATE INDEX backfill_fires_due_idx ON backfill_fires (due_at) WHERE state = 'pending';

-- Which attempts belong to a backfill.
ALTER TABLE executions ADD COLUMN backfill_id uuid;
