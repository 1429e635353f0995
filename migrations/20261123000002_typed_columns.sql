-- Columns that were written and never read go (the claim's lease is next_run_at itself; the
-- kind lives in spec), and outcomes get the same CHECK as states.

ALTER TABLE schedules DROP COLUMN lease_expires_at;
ALTER TABLE schedules DROP COLUMN kind;
ALTER TABLE schedules ADD CONSTRAINT schedules_last_outcome_check
    CHECK (last_outcome IN ('success', 'failure', 'skipped'));
ALTER TABLE executions ADD CONSTRAINT executions_outcome_check
    CHECK (outcome IN ('success', 'failure', 'skipped'));

COMMENT ON COLUMN schedules.next_run_at IS
    'When the schedule is next due: its next fire, a retry, or (while claimed) the end of the '
    'claim''s lease, after which any executor may take it over. NULL when nothing is pending.';
