-- 0009: web console sessions. The browser holds a random token; only its
-- SHA-256 is kept here, so a copy of the database opens no session. A
-- session ends at expires_at (sign-in + 12 h) or after two idle hours
-- (seen_at), and goes with its account.
CREATE TABLE console_sessions (
    hash       BLOB    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    seen_at    INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    ip         TEXT    NOT NULL,
    user_agent TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX console_sessions_user_id ON console_sessions (user_id);
CREATE INDEX console_sessions_expires_at ON console_sessions (expires_at);
CREATE INDEX console_sessions_seen_at ON console_sessions (seen_at);
