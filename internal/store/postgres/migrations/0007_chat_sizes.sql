-- 0007: chat quotas. Mirrors sqlite/migrations/0007_chat_sizes.sql. Each
-- message and each session carries the size it counts against the quotas,
-- set by core (internal/core/chats.go): a text counts its length as a JSON
-- string (jsonSize), a message its text plus 128, a session its title plus
-- 256 plus its messages. chat_usage keeps each account's total, so that
-- checking a quota never reads the text. Existing rows are sized by the
-- same rule: UTF-8 bytes, plus what each character JSON escapes adds
-- (chat_json_extra; PostgreSQL text is valid UTF-8 and holds no NUL).

CREATE TABLE chat_json_extra (c TEXT COLLATE "C" PRIMARY KEY, extra INTEGER NOT NULL);
INSERT INTO chat_json_extra (c, extra)
    SELECT chr(i), CASE WHEN i IN (8, 9, 10, 12, 13) THEN 1 ELSE 5 END FROM generate_series(1, 31) AS i;
INSERT INTO chat_json_extra (c, extra) VALUES ('"', 1), ('\', 1), (chr(8232), 3), (chr(8233), 3);

ALTER TABLE chat_messages ADD COLUMN size BIGINT NOT NULL DEFAULT 0;
UPDATE chat_messages SET size = 128 + octet_length(body) + COALESCE((
    SELECT SUM((length(body) - length(replace(body, e.c, ''))) * e.extra)
    FROM chat_json_extra e WHERE strpos(body, e.c) > 0), 0);

ALTER TABLE chat_sessions ADD COLUMN size BIGINT NOT NULL DEFAULT 0;
UPDATE chat_sessions SET size = 256 + octet_length(title) + COALESCE((
    SELECT SUM((length(title) - length(replace(title, e.c, ''))) * e.extra)
    FROM chat_json_extra e WHERE strpos(title, e.c) > 0), 0)
    + COALESCE((SELECT SUM(m.size) FROM chat_messages m WHERE m.session_id = chat_sessions.id), 0);

DROP TABLE chat_json_extra;

-- Paging a listing reads ids and sizes from the index alone, never a body.
DROP INDEX IF EXISTS chat_messages_session_id;
CREATE INDEX chat_messages_session_size ON chat_messages (session_id, id, size);

CREATE TABLE chat_usage (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    size    BIGINT NOT NULL
);
INSERT INTO chat_usage (user_id, size) SELECT user_id, SUM(size) FROM chat_sessions GROUP BY user_id;
