-- The list's state filters in name order again.
--
-- Moving what fires write to `schedule_runtime` (20261202000002) left the state a list
-- filters on in one table and the name it orders by in the other, so no index held both:
-- the first page of `?state=failing` walked the name index, probing the runtime row of
-- every name before the 50th failing one (at 16,000 schedules: 6,491 probes, 14,395
-- buffers, 5.2 ms; `?state=dead` hashed every schedule, 3.2 ms). The runtime row now keeps
-- a copy of the name, `sort_name`, written in the same statement as the definition's (a
-- schedule's creation, an edit), and the filters walk it through partial indexes.
--
-- Fires never change `sort_name`, so their updates stay HOT: no index a fire touches
-- gains a column a fire writes.

SET LOCAL statement_timeout = 0;

ALTER TABLE schedule_runtime ADD COLUMN sort_name text;
UPDATE schedule_runtime AS r SET sort_name = s.name FROM schedules AS s WHERE s.id = r.id;
ALTER TABLE schedule_runtime ALTER COLUMN sort_name SET NOT NULL;

COMMENT ON COLUMN schedule_runtime.sort_name IS
    'A copy of schedules.name, written with it, so lists filtered by state walk name order '
    'in one index.';

-- Failing schedules (active, latest attempt failed), in name order.
DROP INDEX schedule_runtime_failing_idx;
CREATE INDEX schedule_runtime_failing_idx ON schedule_runtime (sort_name, id)
    WHERE state = 'active' AND last_outcome = 'failure';
-- Paused, completed and dead schedules, by state then name. Active ones, most schedules,
-- are found fast enough in the definitions' own name order.
CREATE INDEX schedule_runtime_parked_idx ON schedule_runtime (state, sort_name, id)
    WHERE state <> 'active';
