-- 0002: datasets and shares, chat sessions and messages, prompt log.

CREATE TABLE datasets (
    id             INTEGER PRIMARY KEY,
    owner_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name           TEXT    NOT NULL,
    classification TEXT    NOT NULL CHECK (classification IN ('Unclassified', 'CUI')),
    created_at     INTEGER NOT NULL,
    UNIQUE (owner_id, name)
);

CREATE TABLE dataset_shares (
    dataset_id INTEGER NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    permission TEXT    NOT NULL CHECK (permission IN ('read', 'edit', 'admin')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (dataset_id, user_id)
) WITHOUT ROWID;
CREATE INDEX dataset_shares_user_id ON dataset_shares (user_id);

CREATE TABLE chat_sessions (
    id         TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX chat_sessions_user_id ON chat_sessions (user_id, updated_at);

CREATE TABLE chat_messages (
    id         INTEGER PRIMARY KEY,
    session_id TEXT    NOT NULL REFERENCES chat_sessions (id) ON DELETE CASCADE,
    role       TEXT    NOT NULL CHECK (role IN ('user', 'assistant')),
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX chat_messages_session_id ON chat_messages (session_id, id);

CREATE TABLE prompt_logs (
    id                INTEGER PRIMARY KEY,
    user_id           INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id        TEXT    NOT NULL,
    at                INTEGER NOT NULL,
    prompt            TEXT    NOT NULL,
    completion        TEXT    NOT NULL,
    model             TEXT    NOT NULL,
    prompt_tokens     INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    total_tokens      INTEGER NOT NULL,
    ip                TEXT    NOT NULL
);
CREATE INDEX prompt_logs_user_id ON prompt_logs (user_id, id);
