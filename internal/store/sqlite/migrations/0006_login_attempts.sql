-- 0006: failed sign-ins that name no account (an e-mail no account has).
-- They have no login history to go to; keeping them gives the operator a
-- view of credential stuffing and makes such a failure cost what a failure
-- for an existing account costs. The key or password tried is never kept.
CREATE TABLE login_attempts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    ip         TEXT    NOT NULL,
    user_agent TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    email      TEXT    NOT NULL,
    reason     TEXT    NOT NULL
);
CREATE INDEX login_attempts_at ON login_attempts (at);
