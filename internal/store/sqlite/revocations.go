package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
)

type revocations struct{ tx *sqlTx }

func (s revocations) CreateRevocation(ctx context.Context, r *gatehouse.Revocation) error {
	res, err := s.tx.ExecContext(ctx, `INSERT INTO revocations (kind, subject_id, subject, at) VALUES (?, ?, ?, ?)`, string(r.Kind), r.SubjectID, r.Subject, ms(r.At))
	if err != nil {
		return mapErr(err)
	}
	r.Seq, err = res.LastInsertId()
	r.Tx = r.Seq
	return err
}

// SQLite has one writer at a time, so seqs commit in order: an event's Tx
// is its Seq, and the horizon is one past the last seq handed out (from
// sqlite_sequence, so pruning the log does not move it back). A read is
// one statement, so the horizon and the events come from one snapshot.
const horizonSQL = `(SELECT COALESCE(MAX(seq), 0) + 1 FROM sqlite_sequence WHERE name = 'revocations')`

func (s revocations) FindRevocationsAfter(ctx context.Context, after gatehouse.RevocationPos, limit int) ([]gatehouse.Revocation, int64, error) {
	// The one row with a NULL seq carries the horizon when no event
	// matches.
	rows, err := s.tx.QueryContext(ctx, `SELECT `+horizonSQL+`, r.seq, r.kind, r.subject_id, r.subject, r.at
		FROM (SELECT 1) LEFT JOIN (SELECT * FROM revocations WHERE seq > ? OR (seq = ? AND seq > ?) ORDER BY seq LIMIT ?) r ON 1 ORDER BY r.seq`,
		after.Tx, after.Tx, after.Seq, limit)
	var horizon int64
	evs, err := collect(rows, err, func(row sqlrows.Row) (gatehouse.Revocation, error) {
		var r gatehouse.Revocation
		var seq, subjectID, at sql.NullInt64
		var kind, subject sql.NullString
		if err := row.Scan(&horizon, &seq, &kind, &subjectID, &subject, &at); err != nil {
			return r, mapErr(err)
		}
		r.Seq, r.Tx, r.Kind, r.SubjectID, r.Subject, r.At = seq.Int64, seq.Int64, gatehouse.RevocationKind(kind.String), subjectID.Int64, subject.String, fromMS(at.Int64)
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
	err := s.tx.QueryRowContext(ctx, `SELECT `+horizonSQL).Scan(&h)
	return h, mapErr(err)
}

func (s revocations) DeleteRevocationsBefore(ctx context.Context, t time.Time) error {
	_, err := s.tx.ExecContext(ctx, `DELETE FROM revocations WHERE at < ?`, ms(t))
	return mapErr(err)
}
