package sqlite

import (
	"context"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
)

type users struct{ tx *sqlTx }

const userCols = `id, email, password_hash, status, is_admin, cac, company_id, created_at, updated_at`

// userRow is where a row's userCols are scanned; value makes the User.
type userRow struct {
	u                gatehouse.User
	status           string
	created, updated int64
}

func (r *userRow) dest() []any {
	return []any{&r.u.ID, &r.u.Email, &r.u.PasswordHash, &r.status, &r.u.Admin, &r.u.CAC, &r.u.CompanyID, &r.created, &r.updated}
}

func (r *userRow) value() *gatehouse.User {
	r.u.Status = gatehouse.UserStatus(r.status)
	r.u.CreatedAt, r.u.UpdatedAt = fromMS(r.created), fromMS(r.updated)
	return &r.u
}

func scanUser(row sqlrows.Row) (*gatehouse.User, error) {
	var r userRow
	if err := row.Scan(r.dest()...); err != nil {
		return nil, mapErr(err)
	}
	return r.value(), nil
}

func (s users) CreateUser(ctx context.Context, u *gatehouse.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	res, err := s.tx.ExecContext(ctx, `INSERT INTO users (email, email_norm, password_hash, status, is_admin, cac, company_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.Email, gatehouse.NormalizeEmail(u.Email), u.PasswordHash, string(u.Status), u.Admin, u.CAC, u.CompanyID, ms(u.CreatedAt), ms(u.UpdatedAt))
	if err != nil {
		return mapErr(err)
	}
	u.ID, err = res.LastInsertId()
	return err
}

func (s users) FindUserByID(ctx context.Context, id int64) (*gatehouse.User, error) {
	return scanUser(s.tx.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
}

// LockUser only reads: SQLite runs one Update at a time (one writer), so
// the row is the Update's anyway.
func (s users) LockUser(ctx context.Context, id int64) (*gatehouse.User, error) {
	return s.FindUserByID(ctx, id)
}

func (s users) FindUserByEmail(ctx context.Context, email string) (*gatehouse.User, error) {
	return scanUser(s.tx.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE email_norm = ?`, gatehouse.NormalizeEmail(email)))
}

func (s users) FindUsers(ctx context.Context, f gatehouse.UserFilter) ([]*gatehouse.User, error) {
	q := `SELECT ` + userCols + ` FROM users`
	var args []any
	if f.Status != "" {
		q += ` WHERE status = ?`
		args = append(args, string(f.Status))
	}
	q += ` ORDER BY id`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := s.tx.QueryContext(ctx, q, args...)
	return sqlrows.OrNil(collect(rows, err, scanUser))
}

func (s users) UpdateUser(ctx context.Context, id int64, upd gatehouse.UserUpdate) (*gatehouse.User, error) {
	var sets []string
	var args []any
	if upd.Status != nil {
		if !upd.Status.Valid() {
			return nil, gatehouse.CodeErr(gatehouse.EINVALID)
		}
		sets, args = append(sets, "status = ?"), append(args, string(*upd.Status))
	}
	if upd.Admin != nil {
		sets, args = append(sets, "is_admin = ?"), append(args, *upd.Admin)
	}
	if upd.CAC != nil {
		sets, args = append(sets, "cac = ?"), append(args, *upd.CAC)
	}
	if upd.PasswordHash != nil {
		sets, args = append(sets, "password_hash = ?"), append(args, *upd.PasswordHash)
	}
	sets, args = append(sets, "updated_at = ?"), append(args, ms(upd.UpdatedAt))
	args = append(args, id)
	res, err := s.tx.ExecContext(ctx, `UPDATE users SET `+strings.Join(sets, ", ")+` WHERE id = ?`, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, gatehouse.CodeErr(gatehouse.ENOTFOUND)
	}
	return s.FindUserByID(ctx, id)
}
