-- gatehouse:foreign_keys=off
-- 0005: ids are never handed out twice.
--
-- A plain INTEGER PRIMARY KEY takes max(id)+1, so deleting the newest row
-- gave its id to the next one: a client's retried DELETE {"id": 7} deleted
-- the key created after key 7. AUTOINCREMENT keeps the highest id ever used
-- in sqlite_sequence and never goes below it, as PostgreSQL's identity
-- columns never do. Every table whose id a client sees is rebuilt with it
-- (SQLite's twelve-step ALTER TABLE: create, copy, drop, rename, indexes),
-- columns, constraints and indexes unchanged. The runner turns foreign keys
-- off first (DROP TABLE users would otherwise cascade through every table)
-- and runs PRAGMA foreign_key_check before committing.
--
-- Copying the rows sets each sequence to the highest id left. An id deleted
-- before this migration and above every id left cannot be known in general;
-- where a record of it remains, the sequence starts above it: the
-- revocation log names every key deleted (and account revoked) within its
-- retention (an hour), which covers a client retrying the deletion of a key
-- it has just deleted.

CREATE TABLE users_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT    NOT NULL,
    email_norm    TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('pending', 'active', 'disabled')),
    is_admin      INTEGER NOT NULL DEFAULT 0,
    cac           INTEGER NOT NULL DEFAULT 0,
    company_id    TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
INSERT INTO users_new (id, email, email_norm, password_hash, status, is_admin, cac, company_id, created_at, updated_at)
    SELECT id, email, email_norm, password_hash, status, is_admin, cac, company_id, created_at, updated_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

CREATE TABLE api_keys_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    hash         BLOB    NOT NULL UNIQUE,
    hint         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
);
INSERT INTO api_keys_new (id, user_id, name, hash, hint, created_at, last_used_at)
    SELECT id, user_id, name, hash, hint, created_at, last_used_at FROM api_keys;
DROP TABLE api_keys;
ALTER TABLE api_keys_new RENAME TO api_keys;
CREATE INDEX api_keys_user_id ON api_keys (user_id);

CREATE TABLE logins_new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at         INTEGER NOT NULL,
    ip         TEXT    NOT NULL,
    user_agent TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    success    INTEGER NOT NULL,
    reason     TEXT    NOT NULL
);
INSERT INTO logins_new (id, user_id, at, ip, user_agent, kind, success, reason)
    SELECT id, user_id, at, ip, user_agent, kind, success, reason FROM logins;
DROP TABLE logins;
ALTER TABLE logins_new RENAME TO logins;
CREATE INDEX logins_user_id ON logins (user_id, id);

CREATE TABLE datasets_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name           TEXT    NOT NULL,
    classification TEXT    NOT NULL CHECK (classification IN ('Unclassified', 'CUI')),
    created_at     INTEGER NOT NULL,
    UNIQUE (owner_id, name)
);
INSERT INTO datasets_new (id, owner_id, name, classification, created_at)
    SELECT id, owner_id, name, classification, created_at FROM datasets;
DROP TABLE datasets;
ALTER TABLE datasets_new RENAME TO datasets;

CREATE TABLE chat_messages_new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT    NOT NULL REFERENCES chat_sessions (id) ON DELETE CASCADE,
    role       TEXT    NOT NULL CHECK (role IN ('user', 'assistant')),
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
INSERT INTO chat_messages_new (id, session_id, role, body, created_at)
    SELECT id, session_id, role, body, created_at FROM chat_messages;
DROP TABLE chat_messages;
ALTER TABLE chat_messages_new RENAME TO chat_messages;
CREATE INDEX chat_messages_session_id ON chat_messages (session_id, id);

CREATE TABLE prompt_logs_new (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
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
INSERT INTO prompt_logs_new (id, user_id, session_id, at, prompt, completion, model, prompt_tokens, completion_tokens, total_tokens, ip)
    SELECT id, user_id, session_id, at, prompt, completion, model, prompt_tokens, completion_tokens, total_tokens, ip FROM prompt_logs;
DROP TABLE prompt_logs;
ALTER TABLE prompt_logs_new RENAME TO prompt_logs;
CREATE INDEX prompt_logs_user_id ON prompt_logs (user_id, id);

-- Start above ids deleted before this migration that the revocation log
-- still names: keys (kind 'key') and accounts (kind 'user').
DELETE FROM sqlite_sequence WHERE name IN ('api_keys', 'users');
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'api_keys', m FROM (SELECT MAX(id) AS m FROM (
        SELECT MAX(id) AS id FROM api_keys
        UNION ALL SELECT MAX(subject_id) FROM revocations WHERE kind = 'key'))
    WHERE m IS NOT NULL;
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'users', m FROM (SELECT MAX(id) AS m FROM (
        SELECT MAX(id) AS id FROM users
        UNION ALL SELECT MAX(subject_id) FROM revocations WHERE kind = 'user'))
    WHERE m IS NOT NULL;
