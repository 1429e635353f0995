-- Name search by any part of the name, fast at a million schedules: a trigram index. It lives
-- on a side table kept in step by triggers only when a schedule is created or renamed, so the
-- claim and the write-back (which update every fired row) never touch it.

SET LOCAL statement_timeout = 0;

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE schedule_names (
    id   uuid PRIMARY KEY REFERENCES schedules (id) ON DELETE CASCADE,
    name text NOT NULL
);

INSERT INTO schedule_names (id, name) SELECT id, name FROM schedules;

CREATE INDEX schedule_names_trgm_idx ON schedule_names USING gin (name gin_trgm_ops);

-- New schedules, one statement at a time (a bulk insert costs one trigger call).
CREATE FUNCTION schedule_names_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO schedule_names (id, name) SELECT id, name FROM inserted;
    RETURN NULL;
END
$$;

CREATE TRIGGER schedule_names_insert AFTER INSERT ON schedules
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION schedule_names_insert();

-- Renames only: updates that leave the name alone (every fire's) do not fire this.
CREATE FUNCTION schedule_names_rename() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE schedule_names SET name = NEW.name WHERE id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER schedule_names_rename AFTER UPDATE OF name ON schedules
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION schedule_names_rename();
