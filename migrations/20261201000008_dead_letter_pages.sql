-- Dead letters are read a page at a time (newest first, then by id, both descending), with
-- a keyset cursor the index answers directly. A dead schedule without a death time (none
-- are written so; a row edited by hand could be) sorts as if it died at the epoch.

SET LOCAL statement_timeout = 0;

DROP INDEX IF EXISTS schedules_dead_idx;
CREATE INDEX schedules_dead_idx ON schedules ((coalesce(dead_at, 'epoch'::timestamptz)) DESC, id DESC)
    WHERE state = 'dead';
