-- Every fire inserts attempts into `executions`; the B-tree on `started_at` took an entry per
-- attempt for one reader: the retention pass deleting attempts older than its cutoff. Attempts
-- are inserted in time order, so a BRIN index (one summary per 128 pages, updated in place)
-- finds the old ones as well at a fraction of the cost per insert.

SET LOCAL statement_timeout = 0;

DROP INDEX IF EXISTS executions_started_idx;
CREATE INDEX executions_started_idx ON executions USING brin (started_at);
