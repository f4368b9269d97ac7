-- 0011: the revocation log is ordered by the writing transaction, not by a
-- lock. Revoking transactions no longer take turns (0001 took an advisory
-- lock around every append), so seq no longer becomes visible in order;
-- each row records its transaction's id instead, and a reader trusts only
-- what lies below the oldest transaction still in flight (the "horizon",
-- pg_snapshot_xmin of its snapshot; see revocations.go). Rows written
-- before this migration all get its own transaction's id, which is below
-- every later one. pg_current_xact_id needs PostgreSQL 13 or newer.
ALTER TABLE revocations
    ADD COLUMN tx BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);
CREATE INDEX revocations_tx ON revocations (tx, seq);
