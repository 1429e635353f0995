-- Running Scheduleman as a team: API keys with roles, an audit log of every change, and
-- alerts (channels, incidents and an outbox the servers deliver from).

SET LOCAL statement_timeout = 0;

CREATE TABLE api_keys (
    id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    name          text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    role          text        NOT NULL CHECK (role IN ('read', 'operate', 'write', 'admin')),
    -- The first characters of the key (`sk_1a2b3c4d`), to tell keys apart; the key itself is
    -- stored only as its SHA-256.
    prefix        text        NOT NULL,
    hash          bytea       NOT NULL UNIQUE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz,
    last_used_at  timestamptz,
    revoked_at    timestamptz
);

CREATE TABLE audit_log (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT now(),
    -- Who: 'key' (with its id and name), 'bootstrap' (SCHEDULEMAN_API_TOKEN), 'local' (no
    -- token configured: whoever can reach loopback), or 'anonymous' (a failed sign-in).
    actor_kind    text        NOT NULL CHECK (actor_kind IN ('key', 'bootstrap', 'local', 'anonymous')),
    actor_id      uuid,
    actor_name    text        NOT NULL,
    action        text        NOT NULL,
    subject_kind  text,
    subject_id    uuid,
    -- Field by field, before and after (secrets and header values redacted).
    changes       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    -- Entries one import (or bulk action) made share this.
    batch_id      uuid
);

CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_subject_idx ON audit_log (subject_id, id DESC) WHERE subject_id IS NOT NULL;
