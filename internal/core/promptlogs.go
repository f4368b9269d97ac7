package core

import (
	"context"

	"github.com/gatehouse/gatehouse"
)

// Prompt-log listing bounds (BYOK: "the endpoint caps it at 100").
const (
	PromptLogsDefaultLimit = 100
	PromptLogsMaxLimit     = 100
)

// promptLogPage is how many prompt-log rows ListPromptLogs reads at a time.
const promptLogPage = 4

// ListPromptLogs gives the caller's prompt-log rows, newest first, at most
// limit, to each a page at a time (each page read in its own short
// transaction, so a listing is never held whole and no transaction waits
// on a slow client). An error before the first call to each leaves
// nothing written.
// Callers: an API key, an access token or a console session (userCallers).
func (s *Service) ListPromptLogs(ctx context.Context, limit int, each func([]*gatehouse.PromptLog) error) error {
	p, err := authorize(ctx, userCallers)
	if err != nil {
		return err
	}
	if limit < 1 || limit > PromptLogsMaxLimit {
		return gatehouse.Err(gatehouse.ReasonLimitRange).WithLimit(PromptLogsMaxLimit)
	}
	var before int64
	for limit > 0 {
		var page []*gatehouse.PromptLog
		err := s.store.View(ctx, func(tx gatehouse.Tx) error {
			var err error
			page, err = tx.PromptLogs().FindPromptLogsByUser(ctx, p.UserID, before, min(limit, promptLogPage))
			return err
		})
		if err != nil || len(page) == 0 {
			return err
		}
		if err := each(page); err != nil {
			return err
		}
		limit -= len(page)
		before = page[len(page)-1].ID
	}
	return nil
}
