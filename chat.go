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
}

// ChatMessage is one message of a session, in order.
type ChatMessage struct {
	ID        int64
	SessionID string
	Role      ChatRole
	Text      string
	CreatedAt time.Time
}

// Chat limits.
const (
	ChatTitleMaxLen   = 200
	ChatMessageMaxLen = 256 << 10
)

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
