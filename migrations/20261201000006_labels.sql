-- Labels on schedules (`{"team": "billing"}`), selected by `team=billing,env!=dev`; and the
-- name a schedule is known by in the source that applied it (`schedules:apply` shares the
-- crontab import's `import_source` / `import_key`, the key being the schedule's name).

SET LOCAL statement_timeout = 0;

ALTER TABLE schedules ADD COLUMN labels jsonb NOT NULL DEFAULT '{}'::jsonb
    CHECK (jsonb_typeof(labels) = 'object');
CREATE INDEX schedules_labels_idx ON schedules USING gin (labels);
