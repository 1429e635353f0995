-- Scheduleman's schema: schedules, one row per trigger attempt, and executor heartbeats.

CREATE TABLE schedules (
    id                 uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    name               text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    -- The schedule spec: kind is one of cron, at, in, every; spec holds its fields
    -- (expression, zone, instant, interval, anchor) as the executor library serialises them.
    kind               text        NOT NULL CHECK (kind IN ('cron', 'at', 'in', 'every')),
    spec               jsonb       NOT NULL,
    -- The webhook.
    target_url         text        NOT NULL,
    target_method      text        NOT NULL DEFAULT 'POST',
    target_headers     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    target_body        text,
    -- Retry policy.
    max_attempts       integer     NOT NULL DEFAULT 5 CHECK (max_attempts BETWEEN 1 AND 100),
    backoff_initial_ms bigint      NOT NULL DEFAULT 1000 CHECK (backoff_initial_ms > 0),
    backoff_max_ms     bigint      NOT NULL DEFAULT 300000 CHECK (backoff_max_ms > 0),
    misfire            text        NOT NULL DEFAULT 'fire_once' CHECK (misfire IN ('fire_once', 'skip')),
    -- Lifecycle.
    state              text        NOT NULL DEFAULT 'active'
                                   CHECK (state IN ('active', 'paused', 'completed', 'dead')),
    -- When the schedule is next due (a fire or a retry); NULL when nothing is pending.
    next_run_at        timestamptz,
    -- The fire being attempted: its scheduled instant, its execution id (stable across
    -- retries) and how many attempts it has had.
    fire_at            timestamptz,
    execution_id       uuid,
    attempt            integer     NOT NULL DEFAULT 0,
    -- The claim: which executor holds the schedule and until when.
    claimed_by         text,
    lease_expires_at   timestamptz,
    -- What happened last.
    last_fired_at      timestamptz,
    last_outcome       text,
    last_error         text,
    dead_at            timestamptz,
    version            bigint      NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

-- The claim scans due active schedules in next_run_at order.
CREATE INDEX schedules_due_idx ON schedules (next_run_at, id) WHERE state = 'active';
CREATE INDEX schedules_state_idx ON schedules (state, id);

CREATE TABLE executions (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    schedule_id    uuid        NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    execution_id   uuid        NOT NULL,
    scheduled_for  timestamptz NOT NULL,
    attempt        integer     NOT NULL,
    executor_id    text        NOT NULL,
    started_at     timestamptz NOT NULL,
    finished_at    timestamptz NOT NULL,
    outcome        text        NOT NULL,
    http_status    integer,
    latency_ms     integer     NOT NULL,
    error          text
);

CREATE INDEX executions_schedule_idx ON executions (schedule_id, started_at DESC);
CREATE INDEX executions_started_idx ON executions (started_at);

CREATE TABLE executors (
    id            text        PRIMARY KEY,
    host          text        NOT NULL,
    pid           integer     NOT NULL,
    started_at    timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    in_flight     integer     NOT NULL DEFAULT 0
);
