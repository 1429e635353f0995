-- A claim's lease in a column of its own. A claim used to move `next_run_at` (indexed) to
-- the lease's expiry, so the claim wrote a new entry into every index of the row; it now
-- sets `lease_until`, which no index reads, and leaves `next_run_at` at the fire's time, so
-- PostgreSQL can write the claim as a heap-only (HOT) update when the row's page has room.
-- A schedule is due when `next_run_at` has passed and it holds no live lease.
--
-- `fillfactor = 80` leaves that room on pages written from now on (rows written before keep
-- theirs full until they move: every write-back moves the row, as it changes `next_run_at`).

SET LOCAL statement_timeout = 0;

ALTER TABLE schedules ADD COLUMN lease_until timestamptz;
ALTER TABLE schedules SET (fillfactor = 80);

-- A claim taken before this migration kept its lease in `next_run_at`: it stays what it was
-- (not due until then), and its write-back, fenced on the token, is unaffected.
