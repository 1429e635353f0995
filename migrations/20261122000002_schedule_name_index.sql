-- Listing pages schedules by (name, id).
CREATE INDEX schedules_name_idx ON schedules (name, id);
