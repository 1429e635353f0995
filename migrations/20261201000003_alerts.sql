-- Alerts: channels (a webhook, Slack-compatible or JSON, or email), per-schedule routing and
-- mute, incidents opened once and resolved once, and the outbox the servers deliver from.

SET LOCAL statement_timeout = 0;

-- What the alert watcher reads: consecutive failed attempts (reset by a success), the last
-- success, and the last fire that ran out of attempts under `on_dead: next_fire`.
ALTER TABLE schedules
    ADD COLUMN failure_streak    integer     NOT NULL DEFAULT 0,
    ADD COLUMN last_success_at   timestamptz,
    ADD COLUMN last_dead_fire_at timestamptz;

-- Only schedules that may need an alert, so the watcher never scans them all.
CREATE INDEX schedules_alerting_idx ON schedules (id)
    WHERE state = 'dead' OR failure_streak > 0 OR last_dead_fire_at IS NOT NULL;

CREATE TABLE alert_channels (
    id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    name           text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    format         text        NOT NULL CHECK (format IN ('json', 'slack', 'email')),
    -- A webhook URL (json, slack) or `mailto:` with comma-separated addresses (email).
    url            text        NOT NULL CHECK (char_length(url) BETWEEN 1 AND 2048),
    -- Signs `json` deliveries (X-Scheduleman-Signature), as a schedule's secret signs triggers.
    signing_secret text        NOT NULL,
    -- In the default set: alerts of schedules without their own channels, and aggregate ones.
    is_default     boolean     NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE alert_rules (
    schedule_id   uuid        PRIMARY KEY REFERENCES schedules (id) ON DELETE CASCADE,
    -- The channels this schedule's alerts go to; NULL: the default set.
    channel_ids   uuid[],
    -- No alert is sent for this schedule until then (incidents still open and show).
    muted_until   timestamptz,
    -- Consecutive failed attempts that open `schedule.failing`; NULL: the default (3).
    failing_after integer     CHECK (failing_after BETWEEN 1 AND 1000)
);

CREATE TABLE incidents (
    id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    event         text        NOT NULL,
    -- The schedule's id, or the nil uuid for an event about the whole system; kept after the
    -- schedule is deleted, so at most one incident per event and subject is open.
    subject       uuid        NOT NULL,
    schedule_id   uuid        REFERENCES schedules (id) ON DELETE SET NULL,
    schedule_name text,
    reason        text        NOT NULL,
    details       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    opened_at     timestamptz NOT NULL DEFAULT now(),
    resolved_at   timestamptz,
    resolution    text
);

CREATE UNIQUE INDEX incidents_open_idx ON incidents (event, subject) WHERE resolved_at IS NULL;
CREATE INDEX incidents_subject_idx ON incidents (subject, opened_at DESC);
CREATE INDEX incidents_recent_idx ON incidents (opened_at DESC);

CREATE TABLE alert_deliveries (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    -- NULL for a test alert.
    incident_id     uuid        REFERENCES incidents (id) ON DELETE CASCADE,
    channel_id      uuid        NOT NULL REFERENCES alert_channels (id) ON DELETE CASCADE,
    kind            text        NOT NULL CHECK (kind IN ('open', 'resolved', 'test')),
    payload         jsonb       NOT NULL,
    status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);

CREATE INDEX alert_deliveries_due_idx ON alert_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX alert_deliveries_recent_idx ON alert_deliveries (created_at DESC);
CREATE INDEX alert_deliveries_incident_idx ON alert_deliveries (incident_id);
