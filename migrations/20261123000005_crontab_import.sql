-- Schedules made by a crontab import remember where from (the source the person named) and
-- which line (the command, `#2`… for its repetitions), so importing the same crontab again
-- changes them instead of adding copies.

SET LOCAL statement_timeout = 0;

ALTER TABLE schedules ADD COLUMN import_source text,
                      ADD COLUMN import_key text,
                      ADD CONSTRAINT schedules_import_check
                          CHECK ((import_source IS NULL) = (import_key IS NULL));

-- One schedule per line of a source; also how an import finds what it made before. Partial:
-- schedules made any other way (and every fire's update of them) never touch it.
CREATE UNIQUE INDEX schedules_import_idx ON schedules (import_source, import_key)
    WHERE import_source IS NOT NULL;
