package core

import (
	"context"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/google/uuid"
)

// QueryInput is a /server/query request.
type QueryInput struct {
	// Messages is the conversation to continue; the last must be the
	// user's new prompt. A single message means "continue the session".
	Messages     []gatehouse.ChatTurn
	Model        string
	SystemPrompt string
	Temperature  *float64
	// SessionID names the caller's chat session to append to; empty starts
	// a new one.
	SessionID string
	Client    ClientInfo
}

// QueryResult is the model's answer and where it was recorded.
type QueryResult struct {
	ID         string // a UUID for this exchange
	SessionID  string
	Completion gatehouse.Completion
}

// historyLimit bounds how many stored messages are replayed to the model
// when a query continues a session.
const historyLimit = 50

var errNoModels = gatehouse.Err(gatehouse.ReasonNoModelServer)

// Query forwards a prompt to the model server and records the exchange: the
// prompt and the answer are appended to the named chat session (or a new
// one), and a prompt-log row is written, in one transaction, before the
// answer is returned. Returns EUNAVAILABLE with no model server, EUPSTREAM or
// ETIMEOUT when it fails, ENOTFOUND for a session that is not the caller's.
// Callers: an API key, an access token or a console session (userCallers).
func (s *Service) Query(ctx context.Context, in QueryInput) (*QueryResult, error) {
	p, err := authorize(ctx, userCallers)
	if err != nil {
		return nil, err
	}
	if s.opt.Models == nil {
		return nil, errNoModels
	}
	if len(in.Messages) == 0 || in.Messages[len(in.Messages)-1].Role != gatehouse.RoleUser ||
		strings.TrimSpace(in.Messages[len(in.Messages)-1].Text) == "" {
		return nil, gatehouse.Err(gatehouse.ReasonMessageRequired)
	}
	if err := s.validateTurns(in.Messages); err != nil {
		return nil, err
	}
	if in.Temperature != nil && (*in.Temperature < 0 || *in.Temperature > 2) {
		return nil, gatehouse.Err(gatehouse.ReasonTemperatureRange)
	}
	in.SessionID = normSessionID(in.SessionID)
	if in.SessionID != "" {
		if err := validSessionID(in.SessionID); err != nil {
			return nil, err
		}
	}

	// Read the session (and, for a single new prompt, its history) first,
	// and check that the exchange has room in the chat quotas, so a bad
	// session id or a full session costs no model call.
	var history []gatehouse.ChatTurn
	err = s.store.View(ctx, func(tx gatehouse.Tx) error {
		var c *gatehouse.ChatSession
		if in.SessionID != "" {
			var err error
			c, err = tx.Chats().FindChatByID(ctx, in.SessionID)
			if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND || err == nil && c.UserID != p.UserID {
				return errChatNotFound
			}
			if err != nil {
				return err
			}
			if len(in.Messages) == 1 {
				msgs, err := tx.Chats().FindChatMessages(ctx, in.SessionID)
				if err != nil {
					return err
				}
				msgs = msgs[max(0, len(msgs)-historyLimit):]
				for _, m := range msgs {
					history = append(history, gatehouse.ChatTurn{Role: m.Role, Text: m.Text})
				}
			}
		}
		return s.checkQueryRoom(ctx, tx, p, c, in.Messages[len(in.Messages)-1].Text)
	})
	if err != nil {
		return nil, err
	}

	req := gatehouse.CompletionRequest{Model: in.Model, Temperature: in.Temperature}
	if sp := strings.TrimSpace(in.SystemPrompt); sp != "" {
		req.Messages = append(req.Messages, gatehouse.ChatTurn{Role: gatehouse.RoleSystem, Text: sp})
	}
	req.Messages = append(append(req.Messages, history...), in.Messages...)
	comp, err := s.opt.Models.Complete(ctx, req)
	if err != nil {
		return nil, err
	}

	prompt := in.Messages[len(in.Messages)-1].Text
	now := s.now().UTC()
	res := &QueryResult{ID: uuid.NewString(), Completion: *comp}
	err = s.store.Update(ctx, func(tx gatehouse.Tx) error {
		// The chat and the prompt log keep the texts as storedText makes
		// them, and the answer within the chat quotas (see appendExchange).
		c, err := s.appendExchange(ctx, tx, p, in.SessionID, prompt, comp.Text, now)
		if err != nil {
			return err
		}
		res.SessionID = c.ID
		return tx.PromptLogs().CreatePromptLog(ctx, &gatehouse.PromptLog{
			UserID: p.UserID, SessionID: c.ID, At: now, Prompt: s.storedText(prompt), Completion: s.storedText(comp.Text), Model: comp.Model,
			PromptTokens: comp.PromptTokens, CompletionTokens: comp.CompletionTokens, TotalTokens: comp.TotalTokens,
			IP: in.Client.IP,
		})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// ListModels lists the model server's models.
// Callers: an API key, an access token or a console session (userCallers).
func (s *Service) ListModels(ctx context.Context) ([]gatehouse.Model, error) {
	if _, err := authorize(ctx, userCallers); err != nil {
		return nil, err
	}
	if s.opt.Models == nil {
		return nil, errNoModels
	}
	return s.opt.Models.Models(ctx)
}
