-- 0004: values the server keeps for itself (the master key's fingerprint).
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
