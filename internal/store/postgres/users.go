package postgres

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
)

type users struct{ tx querier }

const userCols = `id, email, password_hash, status, is_admin, cac, company_id, created_at, updated_at`

// userRow is where a row's userCols are scanned; value makes the User.
type userRow struct {
	u                gatehouse.User
	status           string
	created, updated time.Time
}

func (r *userRow) dest() []any {
	return []any{&r.u.ID, &r.u.Email, &r.u.PasswordHash, &r.status, &r.u.Admin, &r.u.CAC, &r.u.CompanyID, &r.created, &r.updated}
}

func (r *userRow) value() *gatehouse.User {
	r.u.Status = gatehouse.UserStatus(r.status)
	r.u.CreatedAt, r.u.UpdatedAt = r.created.UTC(), r.updated.UTC()
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
	err := s.tx.QueryRow(ctx, `INSERT INTO users (email, email_norm, password_hash, status, is_admin, cac, company_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		u.Email, gatehouse.NormalizeEmail(u.Email), u.PasswordHash, string(u.Status), u.Admin, u.CAC, u.CompanyID, ts(u.CreatedAt), ts(u.UpdatedAt)).
		Scan(&u.ID)
	return mapErr(err)
}

func (s users) FindUserByID(ctx context.Context, id int64) (*gatehouse.User, error) {
	return scanUser(s.tx.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, id))
}

// LockUser takes FOR NO KEY UPDATE, the lock an UPDATE of the row takes:
// it waits for another LockUser or UpdateUser of the account, not for the
// foreign-key checks (FOR KEY SHARE) of rows inserted under the account, so
// two accounts' writes never wait for each other and one account's child
// rows do not wait for its lock. Under READ COMMITTED every statement after
// it sees what the Update it waited for committed.
func (s users) LockUser(ctx context.Context, id int64) (*gatehouse.User, error) {
	return scanUser(s.tx.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = $1 FOR NO KEY UPDATE`, id))
}

func (s users) FindUserByEmail(ctx context.Context, email string) (*gatehouse.User, error) {
	return scanUser(s.tx.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE email_norm = $1`, gatehouse.NormalizeEmail(email)))
}

func (s users) FindUsers(ctx context.Context, f gatehouse.UserFilter) ([]*gatehouse.User, error) {
	// NULL parameters do not filter or limit, so this is one statement.
	var status *string
	if f.Status != "" {
		status = new(string(f.Status))
	}
	var limit *int
	if f.Limit > 0 {
		limit = &f.Limit
	}
	rows, err := s.tx.Query(ctx, `SELECT `+userCols+` FROM users WHERE ($1::text IS NULL OR status = $1) ORDER BY id LIMIT $2`, status, limit)
	return sqlrows.OrNil(collect(rows, err, scanUser))
}

func (s users) UpdateUser(ctx context.Context, id int64, upd gatehouse.UserUpdate) (*gatehouse.User, error) {
	var status *string
	if upd.Status != nil {
		if !upd.Status.Valid() {
			return nil, gatehouse.CodeErr(gatehouse.EINVALID)
		}
		status = new(string(*upd.Status))
	}
	// A nil field is NULL, and COALESCE keeps the stored value.
	u, err := scanUser(s.tx.QueryRow(ctx, `UPDATE users SET
			status = COALESCE($1, status),
			is_admin = COALESCE($2, is_admin),
			cac = COALESCE($3, cac),
			password_hash = COALESCE($4, password_hash),
			updated_at = $5
		WHERE id = $6 RETURNING `+userCols,
		status, upd.Admin, upd.CAC, upd.PasswordHash, ts(upd.UpdatedAt), id))
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND {
		return nil, gatehouse.CodeErr(gatehouse.ENOTFOUND)
	}
	return u, err
}
