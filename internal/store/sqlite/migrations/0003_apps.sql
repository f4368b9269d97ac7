-- 0003: Sunshine apps, app keys and account keys; string subjects in the
-- revocation log. Key secrets are stored sealed (AES-GCM under the master
-- key), never in clear.

CREATE TABLE apps (
    id           TEXT    PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    display_name TEXT    NOT NULL,
    settings     TEXT    NOT NULL,
    metadata     TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX apps_account_id ON apps (account_id, id);

CREATE TABLE app_keys (
    id            TEXT    PRIMARY KEY,
    app_id        TEXT    NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    display_name  TEXT    NOT NULL,
    secret_sealed BLOB    NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX app_keys_app_id ON app_keys (app_id, created_at);

CREATE TABLE account_keys (
    id            TEXT    PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    secret_sealed BLOB    NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX account_keys_user_id ON account_keys (user_id, created_at);

ALTER TABLE revocations ADD COLUMN subject TEXT NOT NULL DEFAULT '';
