-- 0003: Sunshine apps, app keys and account keys; string subjects in the
-- revocation log. Mirrors sqlite/migrations/0003_apps.sql. Key secrets are
-- stored sealed (AES-GCM under the master key), never in clear.
--
-- settings is the store's own JSON shape, so JSONB. metadata is the
-- client's object and must come back byte for byte (numbers as written,
-- e.g. 1e3 or 1.50, which JSONB would normalise), so JSON, which keeps the
-- text and only checks that it parses.

CREATE TABLE apps (
    id           TEXT COLLATE "C" PRIMARY KEY,
    account_id   BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    display_name TEXT        NOT NULL,
    settings     JSONB       NOT NULL,
    metadata     JSON,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX apps_account_id ON apps (account_id, id);

CREATE TABLE app_keys (
    id            TEXT COLLATE "C" PRIMARY KEY,
    app_id        TEXT COLLATE "C" NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    display_name  TEXT        NOT NULL,
    secret_sealed BYTEA       NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX app_keys_app_id ON app_keys (app_id, created_at);

CREATE TABLE account_keys (
    id            TEXT COLLATE "C" PRIMARY KEY,
    user_id       BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT        NOT NULL,
    secret_sealed BYTEA       NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX account_keys_user_id ON account_keys (user_id, created_at);

ALTER TABLE revocations ADD COLUMN subject TEXT NOT NULL DEFAULT '';
