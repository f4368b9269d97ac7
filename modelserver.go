package gatehouse

import "context"

// ModelServer is an OpenAI-compatible model server (Ollama, vLLM,
// llama.cpp, ...) that /server/query forwards to. It is outside gatehouse's
// control, which is why tests may stand in for it.
type ModelServer interface {
	// Complete runs a chat completion. Returns EUPSTREAM when the server
	// fails or answers nonsense, ETIMEOUT when it does not answer in time.
	Complete(ctx context.Context, req CompletionRequest) (*Completion, error)
	// Models lists the server's models (same errors).
	Models(ctx context.Context) ([]Model, error)
}

// ChatTurn is one message sent to a model.
type ChatTurn struct {
	Role ChatRole
	Text string
}

// CompletionRequest asks a model to continue a conversation.
type CompletionRequest struct {
	Model       string // empty: the server's default
	Messages    []ChatTurn
	Temperature *float64
}

// Completion is a model's answer with its token counts.
type Completion struct {
	Text             string
	Model            string
	PromptTokens     int
	CompletionTokens int
	TotalTokens      int
}

// Model is one model a server offers.
type Model struct {
	ID      string
	OwnedBy string
	Created int64
}
