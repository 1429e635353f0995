-- Completed schedules leave the index of parked ones (20261204000001).
--
-- A one-shot completes at its fire, and that write-back (not HOT: the state is in the due
-- index's predicate) then added an entry to the parked index too: measured with the burst
-- benchmark (20,000 one-shots), WAL per trigger 1,061-1,064 -> 1,190 bytes. Pauses and dead
-- letters are rare, completions are as frequent as one-shots fire, so the index keeps only
-- paused and dead schedules; `?state=completed` walks the definitions' name order, as it did
-- before.

DROP INDEX schedule_runtime_parked_idx;
CREATE INDEX schedule_runtime_parked_idx ON schedule_runtime (state, sort_name, id)
    WHERE state IN ('paused', 'dead');
