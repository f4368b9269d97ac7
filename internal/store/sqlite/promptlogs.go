package sqlite

import (
	"context"
	"math"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
)

type promptLogs struct{ tx *sqlTx }

func (s promptLogs) CreatePromptLog(ctx context.Context, l *gatehouse.PromptLog) error {
	res, err := s.tx.ExecContext(ctx, `INSERT INTO prompt_logs (user_id, session_id, at, prompt, completion, model, prompt_tokens, completion_tokens, total_tokens, ip)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		l.UserID, l.SessionID, ms(l.At), l.Prompt, l.Completion, l.Model, l.PromptTokens, l.CompletionTokens, l.TotalTokens, l.IP)
	if err != nil {
		return mapErr(err)
	}
	l.ID, err = res.LastInsertId()
	return err
}

func (s promptLogs) FindPromptLogsByUser(ctx context.Context, userID, beforeID int64, limit int) ([]*gatehouse.PromptLog, error) {
	if beforeID <= 0 {
		beforeID = math.MaxInt64
	}
	rows, err := s.tx.QueryContext(ctx, `SELECT id, user_id, session_id, at, prompt, completion, model, prompt_tokens, completion_tokens, total_tokens, ip
		FROM prompt_logs WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, userID, beforeID, limit)
	return collect(rows, err, func(row sqlrows.Row) (*gatehouse.PromptLog, error) {
		var l gatehouse.PromptLog
		var at int64
		if err := row.Scan(&l.ID, &l.UserID, &l.SessionID, &at, &l.Prompt, &l.Completion, &l.Model, &l.PromptTokens, &l.CompletionTokens, &l.TotalTokens, &l.IP); err != nil {
			return nil, mapErr(err)
		}
		l.At = fromMS(at)
		return &l, nil
	})
}
