package core

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse"
	"github.com/google/uuid"
)

// Chat is a session with its messages.
type Chat struct {
	Session  *gatehouse.ChatSession
	Messages []*gatehouse.ChatMessage
}

var errChatNotFound = &gatehouse.Error{Code: gatehouse.ENOTFOUND, Message: "Chat session not found."}

// maxAppend bounds the messages one call may add.
const maxAppend = 1000

// CreateChat starts an empty chat session for the caller.
// Callers: an API key or an access token (userCallers).
func (s *Service) CreateChat(ctx context.Context, title string) (*gatehouse.ChatSession, error) {
	p, err := authorize(ctx, userCallers)
	if err != nil {
		return nil, err
	}
	title, err = cleanTitle(title)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	c := &gatehouse.ChatSession{ID: uuid.NewString(), UserID: p.UserID, Title: title, CreatedAt: now, UpdatedAt: now}
	if err := s.store.Update(ctx, func(tx gatehouse.Tx) error { return tx.Chats().CreateChat(ctx, c) }); err != nil {
		return nil, err
	}
	return c, nil
}

// AppendChat adds messages to the caller's session sessionID, or, when
// sessionID is empty, to a new session titled title. Returns the session.
// Callers: an API key or an access token (userCallers).
func (s *Service) AppendChat(ctx context.Context, sessionID, title string, msgs []gatehouse.ChatTurn) (*gatehouse.ChatSession, error) {
	sessionID = normSessionID(sessionID)
	p, err := authorize(ctx, userCallers)
	if err != nil {
		return nil, err
	}
	if len(msgs) == 0 {
		return nil, gatehouse.Errorf(gatehouse.EINVALID, "chats must hold at least one message.")
	}
	if len(msgs) > maxAppend {
		return nil, gatehouse.Errorf(gatehouse.EINVALID, "At most %d messages may be appended at once.", maxAppend)
	}
	if err := validateTurns(msgs); err != nil {
		return nil, err
	}
	title, err = cleanTitle(title)
	if err != nil {
		return nil, err
	}
	if title == "" {
		title = titleFrom(msgs[0].Text)
	}
	now := s.now().UTC()
	var c *gatehouse.ChatSession
	err = s.store.Update(ctx, func(tx gatehouse.Tx) error {
		if c, err = s.ownChat(ctx, tx, p, sessionID, title, now); err != nil {
			return err
		}
		return tx.Chats().AppendChatMessages(ctx, c.ID, toMessages(msgs, now), now)
	})
	if err != nil {
		return nil, err
	}
	c.UpdatedAt = now
	return c, nil
}

// ownChat returns the caller's session id, creating it when id is empty.
// Another user's session is ENOTFOUND, like a missing one.
func (s *Service) ownChat(ctx context.Context, tx gatehouse.Tx, p gatehouse.Principal, id, title string, now time.Time) (*gatehouse.ChatSession, error) {
	if id == "" {
		c := &gatehouse.ChatSession{ID: uuid.NewString(), UserID: p.UserID, Title: title, CreatedAt: now, UpdatedAt: now}
		return c, tx.Chats().CreateChat(ctx, c)
	}
	c, err := tx.Chats().FindChatByID(ctx, id)
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND || err == nil && c.UserID != p.UserID {
		return nil, errChatNotFound
	}
	return c, err
}

// ListChats returns the caller's sessions, most recent first, with their
// messages (two queries in all, whatever the number of sessions).
// Callers: an API key or an access token (userCallers).
func (s *Service) ListChats(ctx context.Context) ([]Chat, error) {
	p, err := authorize(ctx, userCallers)
	if err != nil {
		return nil, err
	}
	var out []Chat
	err = s.store.View(ctx, func(tx gatehouse.Tx) error {
		sessions, err := tx.Chats().FindChatsByUser(ctx, p.UserID)
		if err != nil {
			return err
		}
		msgs, err := tx.Chats().FindChatMessagesByUser(ctx, p.UserID)
		if err != nil {
			return err
		}
		out = make([]Chat, 0, len(sessions))
		for _, c := range sessions {
			m := msgs[c.ID]
			if m == nil {
				m = []*gatehouse.ChatMessage{}
			}
			out = append(out, Chat{Session: c, Messages: m})
		}
		return nil
	})
	return out, err
}

// GetChat returns one of the caller's sessions with its messages.
// Callers: an API key or an access token (userCallers).
func (s *Service) GetChat(ctx context.Context, id string) (*Chat, error) {
	id = normSessionID(id)
	p, err := authorize(ctx, userCallers)
	if err != nil {
		return nil, err
	}
	if err := validSessionID(id); err != nil {
		return nil, err
	}
	var out *Chat
	err = s.store.View(ctx, func(tx gatehouse.Tx) error {
		c, err := tx.Chats().FindChatByID(ctx, id)
		if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND || err == nil && c.UserID != p.UserID {
			return errChatNotFound
		}
		if err != nil {
			return err
		}
		msgs, err := tx.Chats().FindChatMessages(ctx, id)
		if err != nil {
			return err
		}
		out = &Chat{Session: c, Messages: msgs}
		return nil
	})
	return out, err
}

// DeleteChat deletes one of the caller's sessions and its messages.
// Callers: an API key or an access token (userCallers).
func (s *Service) DeleteChat(ctx context.Context, id string) error {
	id = normSessionID(id)
	p, err := authorize(ctx, userCallers)
	if err != nil {
		return err
	}
	if err := validSessionID(id); err != nil {
		return err
	}
	err = s.store.Update(ctx, func(tx gatehouse.Tx) error { return tx.Chats().DeleteChat(ctx, p.UserID, id) })
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND {
		return errChatNotFound
	}
	return err
}

// normSessionID puts a session id in the canonical form ids are stored in:
// UUIDs compare case-insensitively.
func normSessionID(id string) string { return strings.ToLower(strings.TrimSpace(id)) }

// validSessionID: session ids are UUIDs; anything else cannot exist.
func validSessionID(id string) error {
	if strings.TrimSpace(id) == "" {
		return gatehouse.Errorf(gatehouse.EINVALID, "session_id is required.")
	}
	if _, err := uuid.Parse(id); err != nil || len(id) != 36 {
		return errChatNotFound
	}
	return nil
}

func cleanTitle(t string) (string, error) {
	t = strings.TrimSpace(t)
	if !utf8.ValidString(t) || utf8.RuneCountInString(t) > gatehouse.ChatTitleMaxLen {
		return "", gatehouse.Errorf(gatehouse.EINVALID, "The chat title is too long (at most %d characters).", gatehouse.ChatTitleMaxLen)
	}
	return t, nil
}

// titleFrom makes a title from a first message: its first 60 characters.
func titleFrom(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= 60 {
		return text
	}
	r := []rune(text)
	return string(r[:60]) + "…"
}

func validateTurns(msgs []gatehouse.ChatTurn) error {
	for _, m := range msgs {
		if m.Role != gatehouse.RoleUser && m.Role != gatehouse.RoleAssistant {
			return gatehouse.Errorf(gatehouse.EINVALID, "Each message's user must be \"me\" or \"gpt\".")
		}
		if len(m.Text) > gatehouse.ChatMessageMaxLen {
			return gatehouse.Errorf(gatehouse.EINVALID, "A message is too long (at most %d bytes).", gatehouse.ChatMessageMaxLen)
		}
	}
	return nil
}

func toMessages(turns []gatehouse.ChatTurn, at time.Time) []*gatehouse.ChatMessage {
	out := make([]*gatehouse.ChatMessage, len(turns))
	for i, t := range turns {
		out[i] = &gatehouse.ChatMessage{Role: t.Role, Text: t.Text, CreatedAt: at}
	}
	return out
}
