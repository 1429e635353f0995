-- One history row per attempt: a write-back retried after a client-side timeout (the first
-- commit landed, its answer did not) must not record the attempt twice. Duplicates such
-- retries already wrote are removed first (the earliest row of each attempt is kept).

SET LOCAL statement_timeout = 0;

DELETE FROM executions AS later
USING executions AS earlier
WHERE later.execution_id = earlier.execution_id
  AND later.attempt = earlier.attempt
  AND later.id > earlier.id;

CREATE UNIQUE INDEX executions_attempt_key ON executions (execution_id, attempt);

-- A fire asked for by a person ("Trigger now") is never skipped as missed: the misfire
-- rule is for fires nobody was there to make.
ALTER TABLE schedules ADD COLUMN manual_fire boolean NOT NULL DEFAULT false;
