package gatehouse

import "time"

// ChatRole is who wrote a chat message.
type ChatRole string

// Chat roles (Ask Sage calls them "me" and "gpt").
const (
	RoleUser      ChatRole = "user"
	RoleAssistant ChatRole = "assistant"
	RoleSystem    ChatRole = "system" // only sent to a model server, never stored
)

// ChatSession is a conversation of one account; its id is a UUID.
type ChatSession struct {
	ID        string
	UserID    int64
	Title     string
	CreatedAt time.Time
	UpdatedAt time.Time
	// Size is what the session counts against the chat quotas: its own
	// size plus the Size of each of its messages, as core reckons them.
	Size int64
}

// ChatMessage is one message of a session, in order.
type ChatMessage struct {
	ID        int64
	SessionID string
	Role      ChatRole
	Text      string
	CreatedAt time.Time
	// Size is what the message counts against the chat quotas (set by
	// core; see ChatSession.Size).
	Size int64
}

// ChatTitleMaxLen bounds a chat title, in characters. The quotas on
// messages, sessions and accounts are settings (core.ChatLimits).
const ChatTitleMaxLen = 200

// PromptLog is one /server/query exchange, for get-user-logs.
type PromptLog struct {
	ID               int64
	UserID           int64
	SessionID        string
	At               time.Time
	Prompt           string
	Completion       string
	Model            string
	PromptTokens     int
	CompletionTokens int
	TotalTokens      int
	IP               string
}
