-- 0010: the audit trail. One row per security event, written in the same
-- transaction as the change. email_norm is the lower-cased e-mail of the
-- account concerned, and actor_norm of the actor, for `gatehouse audit
-- --email`. No secret is ever stored here.
CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    type       TEXT    NOT NULL,
    actor      TEXT    NOT NULL,
    actor_norm TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    email      TEXT    NOT NULL,
    email_norm TEXT    NOT NULL,
    ip         TEXT    NOT NULL,
    request_id TEXT    NOT NULL,
    outcome    TEXT    NOT NULL,
    detail     TEXT    NOT NULL
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_email_norm ON audit_events (email_norm, at);
CREATE INDEX audit_events_actor_norm ON audit_events (actor_norm, at);
