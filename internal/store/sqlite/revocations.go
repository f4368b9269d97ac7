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
	return err
}

func (s revocations) FindRevocationsAfter(ctx context.Context, seq int64, limit int) ([]gatehouse.Revocation, error) {
	rows, err := s.tx.QueryContext(ctx, `SELECT seq, kind, subject_id, subject, at FROM revocations WHERE seq > ? ORDER BY seq LIMIT ?`, seq, limit)
	return sqlrows.OrNil(collect(rows, err, func(row sqlrows.Row) (gatehouse.Revocation, error) {
		var r gatehouse.Revocation
		var kind string
		var at int64
		if err := row.Scan(&r.Seq, &kind, &r.SubjectID, &r.Subject, &at); err != nil {
			return r, mapErr(err)
		}
		r.Kind, r.At = gatehouse.RevocationKind(kind), fromMS(at)
		return r, nil
	}))
}

func (s revocations) LatestRevocationSeq(ctx context.Context) (int64, error) {
	var seq sql.NullInt64
	err := s.tx.QueryRowContext(ctx, `SELECT MAX(seq) FROM revocations`).Scan(&seq)
	return seq.Int64, mapErr(err)
}

func (s revocations) DeleteRevocationsBefore(ctx context.Context, t time.Time) error {
	_, err := s.tx.ExecContext(ctx, `DELETE FROM revocations WHERE at < ?`, ms(t))
	return mapErr(err)
}
