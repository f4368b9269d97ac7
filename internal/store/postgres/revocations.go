package postgres

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
	"github.com/jackc/pgx/v5"
)

type revocations struct{ tx pgx.Tx }

func (s revocations) CreateRevocation(ctx context.Context, r *gatehouse.Revocation) error {
	// Every node tails the log by asking for seq > the last seq it saw.
	// That is only sound if seqs become visible in order. A sequence hands
	// out numbers when rows are inserted, not when they commit: without
	// this lock, transaction A could take seq 5, B take seq 6 and commit
	// first, a tailer read 6 and move past it, and A's 5 commit afterwards
	// and never be seen, leaving a revoked credential cached on that node.
	// The transaction-level advisory lock makes appenders take turns from
	// before they draw a seq until they commit or roll back (when
	// PostgreSQL releases it, after the commit is visible), so seq order is
	// commit order. Updates run side by side, so this lock is what orders
	// the log: revoking transactions (deletes of keys, apps, accounts; rare
	// next to exchanges and reads) take turns from their append to their
	// commit, and nothing else waits for it. It costs one round trip.
	if _, err := s.tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, revocationLockKey); err != nil {
		return mapErr(err)
	}
	err := s.tx.QueryRow(ctx, `INSERT INTO revocations (kind, subject_id, subject, at) VALUES ($1, $2, $3, $4) RETURNING seq`,
		string(r.Kind), r.SubjectID, r.Subject, ts(r.At)).Scan(&r.Seq)
	if err != nil {
		return mapErr(err)
	}
	// Delivered to every node's feed at commit, and not at all on a
	// rollback (notify.go).
	_, err = s.tx.Exec(ctx, `SELECT pg_notify($1, '')`, revocationChannel)
	return mapErr(err)
}

func (s revocations) FindRevocationsAfter(ctx context.Context, seq int64, limit int) ([]gatehouse.Revocation, error) {
	rows, err := s.tx.Query(ctx, `SELECT seq, kind, subject_id, subject, at FROM revocations WHERE seq > $1 ORDER BY seq LIMIT $2`, seq, limitArg(limit))
	return sqlrows.OrNil(collect(rows, err, func(row sqlrows.Row) (gatehouse.Revocation, error) {
		var r gatehouse.Revocation
		var kind string
		var at time.Time
		if err := row.Scan(&r.Seq, &kind, &r.SubjectID, &r.Subject, &at); err != nil {
			return r, mapErr(err)
		}
		r.Kind, r.At = gatehouse.RevocationKind(kind), at.UTC()
		return r, nil
	}))
}

func (s revocations) LatestRevocationSeq(ctx context.Context) (int64, error) {
	var seq int64
	err := s.tx.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM revocations`).Scan(&seq)
	return seq, mapErr(err)
}

func (s revocations) DeleteRevocationsBefore(ctx context.Context, t time.Time) error {
	_, err := s.tx.Exec(ctx, `DELETE FROM revocations WHERE at < $1`, ts(t))
	return mapErr(err)
}
