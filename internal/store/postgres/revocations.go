package postgres

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
)

type revocations struct{ tx querier }

// The log's order (migrations/0011_revocations_tx.sql). Revoking
// transactions on every node append side by side, so a seq can commit after
// a higher one: a reader that moved past "the last seq it saw" would skip
// it for good, leaving a revoked credential cached on that node. So each
// row records its transaction's id (the column's default,
// pg_current_xact_id()), and a read also returns the horizon, the xmin of
// the snapshot it read in: every transaction with an id below it has ended,
// so every row it wrote is visible in that snapshot, and no transaction
// that is running or has yet to write can take an id below it. A reader
// starts its next read at the horizon (gatehouse.RevocationStore).
//
// Rejected: a global advisory lock held by revokers from append to commit
// (what 0001 did): revokers on every node took turns, and engines without
// advisory locks could not run it. A commit-time sequence (a counter row
// updated last) is the same lock under another name.

func (s revocations) CreateRevocation(ctx context.Context, r *gatehouse.Revocation) error {
	// The notice is delivered to every node's feed at commit, and not at
	// all on a rollback (notify.go); one round trip with the insert.
	err := s.tx.QueryRow(ctx, `WITH ins AS (
			INSERT INTO revocations (kind, subject_id, subject, at) VALUES ($1, $2, $3, $4) RETURNING seq, tx)
		SELECT seq, tx FROM ins, pg_notify($5, '')`,
		string(r.Kind), r.SubjectID, r.Subject, ts(r.At), revocationChannel).Scan(&r.Seq, &r.Tx)
	return mapErr(err)
}

// horizonSQL is the xmin of the statement's snapshot, the one its rows
// are read in.
const horizonSQL = `pg_snapshot_xmin(pg_current_snapshot())::text::bigint`

func (s revocations) FindRevocationsAfter(ctx context.Context, after gatehouse.RevocationPos, limit int) ([]gatehouse.Revocation, int64, error) {
	// One statement: the horizon and the rows share its snapshot, in a
	// View or a Read alike. The LEFT JOIN keeps one row, with NULL
	// columns, to carry the horizon when no event matches.
	rows, err := s.tx.Query(ctx, `SELECT `+horizonSQL+`, r.seq, r.tx, r.kind, r.subject_id, r.subject, r.at
		FROM (SELECT 1) one LEFT JOIN LATERAL (
			SELECT seq, tx, kind, subject_id, subject, at FROM revocations
			WHERE (tx, seq) > ($1, $2) ORDER BY tx, seq LIMIT $3) r ON true ORDER BY r.tx, r.seq`,
		after.Tx, after.Seq, limitArg(limit))
	var horizon int64
	evs, err := collect(rows, err, func(row sqlrows.Row) (gatehouse.Revocation, error) {
		var r gatehouse.Revocation
		var seq, tx, subjectID *int64
		var kind, subject *string
		var at *time.Time
		if err := row.Scan(&horizon, &seq, &tx, &kind, &subjectID, &subject, &at); err != nil {
			return r, mapErr(err)
		}
		if seq != nil {
			r.Seq, r.Tx, r.Kind, r.SubjectID, r.Subject, r.At = *seq, *tx, gatehouse.RevocationKind(*kind), *subjectID, *subject, at.UTC()
		}
		return r, nil
	})
	if err != nil {
		return nil, 0, err
	}
	if len(evs) == 1 && evs[0].Seq == 0 {
		return nil, horizon, nil
	}
	return evs, horizon, nil
}

func (s revocations) RevocationHorizon(ctx context.Context) (int64, error) {
	var h int64
	err := s.tx.QueryRow(ctx, `SELECT `+horizonSQL).Scan(&h)
	return h, mapErr(err)
}

func (s revocations) DeleteRevocationsBefore(ctx context.Context, t time.Time) error {
	_, err := s.tx.Exec(ctx, `DELETE FROM revocations WHERE at < $1`, ts(t))
	return mapErr(err)
}
