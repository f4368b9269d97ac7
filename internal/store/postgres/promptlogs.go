package postgres

import (
	"context"
	"math"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
)

type promptLogs struct{ tx querier }

func (s promptLogs) CreatePromptLog(ctx context.Context, l *gatehouse.PromptLog) error {
	err := s.tx.QueryRow(ctx, `INSERT INTO prompt_logs (user_id, session_id, at, prompt, completion, model, prompt_tokens, completion_tokens, total_tokens, ip)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		l.UserID, l.SessionID, ts(l.At), l.Prompt, l.Completion, l.Model, l.PromptTokens, l.CompletionTokens, l.TotalTokens, l.IP).Scan(&l.ID)
	return mapErr(err)
}

func (s promptLogs) FindPromptLogsByUser(ctx context.Context, userID, beforeID int64, limit int) ([]*gatehouse.PromptLog, error) {
	if beforeID <= 0 {
		beforeID = math.MaxInt64
	}
	rows, err := s.tx.Query(ctx, `SELECT id, user_id, session_id, at, prompt, completion, model, prompt_tokens, completion_tokens, total_tokens, ip
		FROM prompt_logs WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, userID, beforeID, limitArg(limit))
	return collect(rows, err, func(row sqlrows.Row) (*gatehouse.PromptLog, error) {
		var l gatehouse.PromptLog
		var at time.Time
		if err := row.Scan(&l.ID, &l.UserID, &l.SessionID, &at, &l.Prompt, &l.Completion, &l.Model, &l.PromptTokens, &l.CompletionTokens, &l.TotalTokens, &l.IP); err != nil {
			return nil, mapErr(err)
		}
		l.At = at.UTC()
		return &l, nil
	})
}
