-- Fewer index writes per fire. A fire updates its schedule twice (claim, write-back), and
-- both updates change the indexed next_run_at, so neither is HOT: each writes a new entry
-- into every index of the row, and the executions insert writes one into every index of
-- executions (docs/benchmarks.md, "Where a trigger's time goes").

SET LOCAL statement_timeout = 0;

-- (state, id) served only the dead-letter list; a partial index does that without being
-- written by the fires of active schedules.
DROP INDEX schedules_state_idx;
CREATE INDEX schedules_dead_idx ON schedules (dead_at DESC NULLS LAST, id) WHERE state = 'dead';

-- The history is read by (schedule_id, id DESC) since the isolation migration; nothing
-- reads (schedule_id, started_at) any more.
DROP INDEX executions_schedule_idx;
