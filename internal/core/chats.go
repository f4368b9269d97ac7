package core

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse"
	"github.com/google/uuid"
)

// ChatLimits are the chat quotas (docs/security.md 23c): what one message, one
// session and one account may hold, in bytes of JSON text (see jsonSize):
// a message counts its text plus ChatMessageOverhead, a session its title
// plus ChatSessionOverhead plus its messages, an account all its sessions.
// Counting text as JSON is what bounds every answer by the quota: a text
// whose characters all need escaping counts what it costs to send. A zero
// field takes its default (DefaultChatLimits).
type ChatLimits struct {
	MaxMessage int64 // the text of one message
	MaxSession int64 // one session
	MaxAccount int64 // all the sessions of one account
}

// DefaultChatLimits: 256 KiB of text per message (about 64,000 tokens: a
// long document pasted whole, and the limit messages had before there
// were quotas), 4 MiB per session (16 such messages, or over a thousand
// turns of an ordinary conversation), 32 MiB per account (8 full sessions,
// or thousands of ordinary ones).
var DefaultChatLimits = ChatLimits{MaxMessage: 256 << 10, MaxSession: 4 << 20, MaxAccount: 32 << 20}

// What a message and a session count beyond their text: the bookkeeping
// each row costs (its id, times and field names in an answer), so that
// empty messages and sessions are not free. Migration 0007 sized existing
// rows with the same numbers.
const (
	ChatMessageOverhead = 128
	ChatSessionOverhead = 256
)

func (l ChatLimits) withDefaults() ChatLimits {
	def := func(v, d int64) int64 {
		if v <= 0 {
			return d
		}
		return v
	}
	return ChatLimits{
		MaxMessage: def(l.MaxMessage, DefaultChatLimits.MaxMessage),
		MaxSession: def(l.MaxSession, DefaultChatLimits.MaxSession),
		MaxAccount: def(l.MaxAccount, DefaultChatLimits.MaxAccount),
	}
}

func messageSize(text string) int64  { return jsonSize(text) + ChatMessageOverhead }
func sessionSize(title string) int64 { return jsonSize(title) + ChatSessionOverhead }

// jsonSize is the length of text as a JSON string, without its quotes, as
// encoding/json writes it with HTML escaping off: " and \ and the control
// characters with a short escape take 2 bytes, the other control
// characters, U+2028, U+2029 and each byte that is not UTF-8 take 6, and
// every other character its UTF-8 bytes.
func jsonSize(text string) int64 {
	var n int64
	for i := 0; i < len(text); {
		r, w := utf8.DecodeRuneInString(text[i:])
		n += runeJSONSize(r, w)
		i += w
	}
	return n
}

// runeJSONSize is jsonSize of one character r of w bytes (r is
// utf8.RuneError and w is 1 for a byte that is not UTF-8).
func runeJSONSize(r rune, w int) int64 {
	switch {
	case r == '"' || r == '\\' || r == '\b' || r == '\f' || r == '\n' || r == '\r' || r == '\t':
		return 2
	case r < 0x20 || r == '\u2028' || r == '\u2029' || r == utf8.RuneError && w == 1:
		return 6 // \u00XX, \u2028, \ufffd
	}
	return int64(w)
}

// Chat is a session with its messages.
type Chat struct {
	Session  *gatehouse.ChatSession
	Messages []*gatehouse.ChatMessage
}

// ChatWriter receives a chat listing while it is read, a page at a time,
// so that no listing is ever held whole: StartChat opens a session,
// Messages gives the next of its messages in order (zero or more calls),
// EndChat closes it. An error from the writer stops the listing and is
// returned.
type ChatWriter interface {
	StartChat(c *gatehouse.ChatSession) error
	Messages(msgs []*gatehouse.ChatMessage) error
	EndChat() error
}

// Listing pages: at most chatPageSize bytes (by Size) or chatPageRows
// messages are read at a time, and session headers chatBatch at a time.
// Each page is its own short read transaction: no transaction stays open
// while a slow client reads.
const (
	chatPageSize = 1 << 20
	chatPageRows = 2048
	chatBatch    = 64
)

var errChatNotFound = gatehouse.Err(gatehouse.ReasonChatNotFound)

// maxAppend bounds the messages one call may add.
const maxAppend = 1000

// CreateChat starts an empty chat session for the caller.
// Callers: an API key, an access token or a console session (userCallers).
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
	c := &gatehouse.ChatSession{ID: uuid.NewString(), UserID: p.UserID, Title: title, CreatedAt: now, UpdatedAt: now, Size: sessionSize(title)}
	err = s.store.Update(ctx, func(tx gatehouse.Tx) error {
		if err := lockAccount(ctx, tx, p.UserID); err != nil {
			return err
		}
		if err := tx.Chats().CreateChat(ctx, c); err != nil {
			return err
		}
		return s.checkChatRoom(ctx, tx, c, 0)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// AppendChat adds messages to the caller's session sessionID, or, when
// sessionID is empty, to a new session titled title. Returns the session.
// Messages that would take the session or the account over its quota are
// refused (ECONFLICT) and none of them is stored.
// Callers: an API key, an access token or a console session (userCallers).
func (s *Service) AppendChat(ctx context.Context, sessionID, title string, msgs []gatehouse.ChatTurn) (*gatehouse.ChatSession, error) {
	sessionID = normSessionID(sessionID)
	p, err := authorize(ctx, userCallers)
	if err != nil {
		return nil, err
	}
	if len(msgs) == 0 {
		return nil, gatehouse.Err(gatehouse.ReasonChatsEmpty)
	}
	if len(msgs) > maxAppend {
		return nil, gatehouse.Err(gatehouse.ReasonAppendMax).WithLimit(maxAppend)
	}
	if err := s.validateTurns(msgs); err != nil {
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
		ms := toMessages(msgs, now)
		var add int64
		for _, m := range ms {
			add += m.Size
		}
		if err := s.checkChatRoom(ctx, tx, c, add); err != nil {
			return err
		}
		c.Size += add
		return recode(tx.Chats().AppendChatMessages(ctx, c.ID, ms, now), gatehouse.ENOTFOUND, errChatNotFound)
	})
	if err != nil {
		return nil, err
	}
	c.UpdatedAt = now
	return c, nil
}

// checkChatRoom refuses to add add bytes to session c (already written,
// and already counted in its account's usage) when that would take the
// session or the account over its quota. It runs in the transaction that
// then writes, after the caller locked the account (lockAccount), so the
// count and the write are one step and concurrent appends cannot both pass.
func (s *Service) checkChatRoom(ctx context.Context, tx gatehouse.Tx, c *gatehouse.ChatSession, add int64) error {
	if c.Size+add > s.chat.MaxSession {
		return s.errSessionFull()
	}
	used, err := tx.Chats().ChatUsage(ctx, c.UserID)
	if err != nil {
		return err
	}
	if used+add > s.chat.MaxAccount {
		return s.errAccountFull()
	}
	return nil
}

func (s *Service) errSessionFull() error {
	return gatehouse.Err(gatehouse.ReasonSessionFull).WithLimit(s.chat.MaxSession)
}

func (s *Service) errAccountFull() error {
	return gatehouse.Err(gatehouse.ReasonChatStorageFull).WithLimit(s.chat.MaxAccount)
}

// ownChat returns the caller's session id, creating it when id is empty.
// Another user's session is ENOTFOUND, like a missing one.
//
// It locks the account first: the quota check that follows counts all of
// the account's sessions, and racing appends must take turns.
func (s *Service) ownChat(ctx context.Context, tx gatehouse.Tx, p gatehouse.Principal, id, title string, now time.Time) (*gatehouse.ChatSession, error) {
	if err := lockAccount(ctx, tx, p.UserID); err != nil {
		return nil, err
	}
	if id == "" {
		c := &gatehouse.ChatSession{ID: uuid.NewString(), UserID: p.UserID, Title: title, CreatedAt: now, UpdatedAt: now, Size: sessionSize(title)}
		return c, tx.Chats().CreateChat(ctx, c)
	}
	c, err := tx.Chats().FindChatByID(ctx, id)
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND || err == nil && c.UserID != p.UserID {
		return nil, errChatNotFound
	}
	return c, err
}

// checkQueryRoom is asked before a query calls the model: its prompt and
// an (empty) answer must fit in session c (nil: a new session) and in the
// caller's account, or the query would cost a model call for nothing.
func (s *Service) checkQueryRoom(ctx context.Context, tx gatehouse.Tx, p gatehouse.Principal, c *gatehouse.ChatSession, prompt string) error {
	prompt = s.storedText(prompt)
	add := messageSize(prompt) + messageSize("")
	if c == nil {
		c = &gatehouse.ChatSession{UserID: p.UserID}
		add += sessionSize(titleFrom(prompt))
	}
	return s.checkChatRoom(ctx, tx, c, add)
}

// appendExchange stores a query's prompt and the model's answer in the
// caller's session sessionID (or a new one), and returns the session. The
// prompt must fit (else ECONFLICT, as in
// AppendChat); the answer is stored cut to what room is left, and to the
// message quota.
func (s *Service) appendExchange(ctx context.Context, tx gatehouse.Tx, p gatehouse.Principal, sessionID, prompt, answer string, now time.Time) (*gatehouse.ChatSession, error) {
	prompt, answer = s.storedText(prompt), s.storedText(answer)
	c, err := s.ownChat(ctx, tx, p, sessionID, titleFrom(prompt), now)
	if err != nil {
		return nil, err
	}
	need := messageSize(prompt) + messageSize("")
	if err := s.checkChatRoom(ctx, tx, c, need); err != nil {
		return nil, err
	}
	used, err := tx.Chats().ChatUsage(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	room := min(s.chat.MaxSession-c.Size, s.chat.MaxAccount-used) - need
	answer = clipText(answer, min(room, s.chat.MaxMessage))
	ms := toMessages([]gatehouse.ChatTurn{{Role: gatehouse.RoleUser, Text: prompt}, {Role: gatehouse.RoleAssistant, Text: answer}}, now)
	if err := tx.Chats().AppendChatMessages(ctx, c.ID, ms, now); err != nil {
		return nil, err
	}
	return c, nil
}

// storedText is text from a query as chats and the prompt log keep it:
// valid UTF-8 without NUL (which PostgreSQL cannot store; each becomes
// U+FFFD), and within the message quota.
func (s *Service) storedText(text string) string {
	if strings.IndexByte(text, 0) >= 0 || !utf8.ValidString(text) {
		text = strings.ReplaceAll(strings.ToValidUTF8(text, "\uFFFD"), "\x00", "\uFFFD")
	}
	return clipText(text, s.chat.MaxMessage)
}

// clipText cuts text to its longest prefix whose jsonSize is at most n.
func clipText(text string, n int64) string {
	if int64(len(text)) <= n/6 || jsonSize(text) <= n {
		return text
	}
	var size int64
	for i := 0; i < len(text); {
		r, w := utf8.DecodeRuneInString(text[i:])
		if size += runeJSONSize(r, w); size > n {
			return text[:i]
		}
		i += w
	}
	return text
}

// ListChats writes the caller's sessions, most recent first, each with its
// messages, to w. It reads them a page at a time, each page in its own
// short transaction, so that neither a large listing nor a slow client
// makes the process hold it whole or keep a transaction open: the sessions
// are those that existed when the listing started, in the order they had
// then, with the messages they had then (a session deleted meanwhile is
// left out, or listed without its messages). An error before the first
// call to w leaves w untouched.
// Callers: an API key, an access token or a console session (userCallers).
func (s *Service) ListChats(ctx context.Context, w ChatWriter) error {
	p, err := authorize(ctx, userCallers)
	if err != nil {
		return err
	}
	var ids []string
	var upTo int64
	err = s.store.View(ctx, func(tx gatehouse.Tx) error {
		if ids, err = tx.Chats().FindChatIDsByUser(ctx, p.UserID); err != nil {
			return err
		}
		upTo, err = tx.Chats().LatestChatMessageID(ctx)
		return err
	})
	if err != nil {
		return err
	}
	for len(ids) > 0 {
		batch := ids[:min(len(ids), chatBatch)]
		ids = ids[len(batch):]
		var sessions []*gatehouse.ChatSession
		err := s.store.View(ctx, func(tx gatehouse.Tx) error {
			found, err := tx.Chats().FindChatsByIDs(ctx, p.UserID, batch)
			byID := make(map[string]*gatehouse.ChatSession, len(found))
			for _, c := range found {
				byID[c.ID] = c
			}
			for _, id := range batch {
				if c := byID[id]; c != nil { // else deleted since
					sessions = append(sessions, c)
				}
			}
			return err
		})
		if err != nil {
			return err
		}
		// Sessions that fit in a page together are read together.
		for len(sessions) > 0 {
			n, total := 1, sessions[0].Size
			for n < len(sessions) && total+sessions[n].Size <= chatPageSize {
				total += sessions[n].Size
				n++
			}
			if err := s.writeChats(ctx, w, sessions[:n], upTo); err != nil {
				return err
			}
			sessions = sessions[n:]
		}
	}
	return nil
}

// writeChats writes sessions (in that order) with their messages up to
// message id upTo. One session is streamed a page at a time; several
// (which together fit in a page) are read whole first.
func (s *Service) writeChats(ctx context.Context, w ChatWriter, sessions []*gatehouse.ChatSession, upTo int64) error {
	ids := make([]string, len(sessions))
	for i, c := range sessions {
		ids[i] = c.ID
	}
	var after int64
	page := func() ([]*gatehouse.ChatMessage, error) {
		var msgs []*gatehouse.ChatMessage
		err := s.store.View(ctx, func(tx gatehouse.Tx) error {
			var err error
			msgs, err = tx.Chats().FindChatMessagesPage(ctx, gatehouse.ChatMessagePage{
				SessionIDs: ids, After: after, UpTo: upTo, MaxSize: chatPageSize, MaxRows: chatPageRows})
			return err
		})
		if len(msgs) > 0 {
			after = msgs[len(msgs)-1].ID
		}
		return msgs, err
	}
	if len(sessions) == 1 {
		return s.streamChat(w, sessions[0], page)
	}
	bySession := make(map[string][]*gatehouse.ChatMessage, len(sessions))
	for {
		msgs, err := page()
		if err != nil {
			return err
		}
		if len(msgs) == 0 {
			break
		}
		for _, m := range msgs {
			bySession[m.SessionID] = append(bySession[m.SessionID], m)
		}
	}
	for _, c := range sessions {
		if err := w.StartChat(c); err != nil {
			return err
		}
		if msgs := bySession[c.ID]; len(msgs) > 0 {
			if err := w.Messages(msgs); err != nil {
				return err
			}
		}
		if err := w.EndChat(); err != nil {
			return err
		}
	}
	return nil
}

// streamChat writes session c, reading its messages with page until it
// returns none. The first page is read before c is started.
func (s *Service) streamChat(w ChatWriter, c *gatehouse.ChatSession, page func() ([]*gatehouse.ChatMessage, error)) error {
	msgs, err := page()
	if err != nil {
		return err
	}
	if err := w.StartChat(c); err != nil {
		return err
	}
	for len(msgs) > 0 {
		if err := w.Messages(msgs); err != nil {
			return err
		}
		if msgs, err = page(); err != nil {
			return err
		}
	}
	return w.EndChat()
}

// GetChat writes one of the caller's sessions with its messages to w, a
// page at a time, as ListChats does. An error before the first call to w
// (not found, database down) leaves w untouched.
// Callers: an API key, an access token or a console session (userCallers).
func (s *Service) GetChat(ctx context.Context, id string, w ChatWriter) error {
	p, id, err := sessionOfCaller(ctx, id)
	if err != nil {
		return err
	}
	var c *gatehouse.ChatSession
	var upTo int64
	err = s.store.View(ctx, func(tx gatehouse.Tx) error {
		c, err = tx.Chats().FindChatByID(ctx, id)
		if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND || err == nil && c.UserID != p.UserID {
			return errChatNotFound
		}
		if err != nil {
			return err
		}
		upTo, err = tx.Chats().LatestChatMessageID(ctx)
		return err
	})
	if err != nil {
		return err
	}
	return s.writeChats(ctx, w, []*gatehouse.ChatSession{c}, upTo)
}

// DeleteChat deletes one of the caller's sessions and its messages.
// Callers: an API key, an access token or a console session (userCallers).
func (s *Service) DeleteChat(ctx context.Context, id string) error {
	p, id, err := sessionOfCaller(ctx, id)
	if err != nil {
		return err
	}
	err = s.store.Update(ctx, func(tx gatehouse.Tx) error { return tx.Chats().DeleteChat(ctx, p.UserID, id) })
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND {
		return errChatNotFound
	}
	return err
}

// sessionOfCaller is how a user caller (userCallers) names one of their
// sessions: the caller authorized first, then the id in the form ids are
// stored in (normSessionID) and valid (validSessionID).
func sessionOfCaller(ctx context.Context, id string) (gatehouse.Principal, string, error) {
	p, err := authorize(ctx, userCallers)
	if err != nil {
		return p, "", err
	}
	id = normSessionID(id)
	if err := validSessionID(id); err != nil {
		return p, "", err
	}
	return p, id, nil
}

// normSessionID puts a session id in the canonical form ids are stored in:
// UUIDs compare case-insensitively.
func normSessionID(id string) string { return strings.ToLower(strings.TrimSpace(id)) }

// validSessionID: session ids are UUIDs; anything else cannot exist.
func validSessionID(id string) error {
	if strings.TrimSpace(id) == "" {
		return gatehouse.Err(gatehouse.ReasonSessionIDRequired)
	}
	if _, err := uuid.Parse(id); err != nil || len(id) != 36 {
		return errChatNotFound
	}
	return nil
}

func cleanTitle(t string) (string, error) {
	t = strings.TrimSpace(t)
	if !utf8.ValidString(t) || utf8.RuneCountInString(t) > gatehouse.ChatTitleMaxLen {
		return "", gatehouse.Err(gatehouse.ReasonChatTitleTooLong).WithLimit(gatehouse.ChatTitleMaxLen)
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

// validateTurns checks the speakers and the message quota of a
// conversation sent to append-chat or to a model.
func (s *Service) validateTurns(msgs []gatehouse.ChatTurn) error {
	for _, m := range msgs {
		if m.Role != gatehouse.RoleUser && m.Role != gatehouse.RoleAssistant {
			return gatehouse.Err(gatehouse.ReasonChatRole)
		}
		if int64(len(m.Text)) > s.chat.MaxMessage || jsonSize(m.Text) > s.chat.MaxMessage {
			return gatehouse.Err(gatehouse.ReasonChatMessageTooLong).WithLimit(s.chat.MaxMessage)
		}
	}
	return nil
}

func toMessages(turns []gatehouse.ChatTurn, at time.Time) []*gatehouse.ChatMessage {
	out := make([]*gatehouse.ChatMessage, len(turns))
	for i, t := range turns {
		out[i] = &gatehouse.ChatMessage{Role: t.Role, Text: t.Text, CreatedAt: at, Size: messageSize(t.Text)}
	}
	return out
}
