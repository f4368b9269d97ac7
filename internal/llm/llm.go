// Package llm is a client for OpenAI-compatible model servers
// (POST /v1/chat/completions, GET /v1/models), as Ollama, vLLM and
// llama.cpp serve them. It implements gatehouse.ModelServer.
package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse"
)

// Client talks to one model server.
type Client struct {
	base         string // ends in /v1
	key          string
	defaultModel string
	timeout      time.Duration
	hc           *http.Client

	mu     sync.Mutex
	chosen string // the default model learned from /models
}

var _ gatehouse.ModelServer = (*Client)(nil)

// maxResponse bounds what is read from the model server.
const maxResponse = 16 << 20

// New returns a client for the server at baseURL (with or without a trailing
// /v1). apiKey, when set, is sent as a Bearer token; defaultModel is used
// when a request names none (else the server's first listed model).
// timeout bounds each call.
func New(baseURL, apiKey, defaultModel string, timeout time.Duration) *Client {
	base := strings.TrimRight(baseURL, "/")
	if !strings.HasSuffix(base, "/v1") {
		base += "/v1"
	}
	if timeout <= 0 {
		timeout = 120 * time.Second
	}
	return &Client{
		base: base, key: apiKey, defaultModel: defaultModel, timeout: timeout,
		hc: &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()},
	}
}

type wireMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type chatRequest struct {
	Model       string        `json:"model"`
	Messages    []wireMessage `json:"messages"`
	Temperature *float64      `json:"temperature,omitempty"`
	Stream      bool          `json:"stream"`
}

type chatResponse struct {
	Model   string `json:"model"`
	Choices []struct {
		Message struct {
			Content string `json:"content"`
		} `json:"message"`
	} `json:"choices"`
	Usage struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
		TotalTokens      int `json:"total_tokens"`
	} `json:"usage"`
}

type modelsResponse struct {
	Data []struct {
		ID      string `json:"id"`
		OwnedBy string `json:"owned_by"`
		Created int64  `json:"created"`
	} `json:"data"`
}

// Complete implements gatehouse.ModelServer.
func (c *Client) Complete(ctx context.Context, req gatehouse.CompletionRequest) (*gatehouse.Completion, error) {
	model := req.Model
	if model == "" {
		var err error
		if model, err = c.pickModel(ctx); err != nil {
			return nil, err
		}
	}
	body := chatRequest{Model: model, Temperature: req.Temperature}
	for _, m := range req.Messages {
		body.Messages = append(body.Messages, wireMessage{Role: string(m.Role), Content: m.Text})
	}
	var out chatResponse
	if err := c.do(ctx, http.MethodPost, "/chat/completions", body, &out); err != nil {
		return nil, err
	}
	if len(out.Choices) == 0 {
		return nil, gatehouse.Err(gatehouse.ReasonModelNoCompletion)
	}
	comp := &gatehouse.Completion{
		Text: out.Choices[0].Message.Content, Model: out.Model,
		PromptTokens: out.Usage.PromptTokens, CompletionTokens: out.Usage.CompletionTokens, TotalTokens: out.Usage.TotalTokens,
	}
	if comp.Model == "" {
		comp.Model = model
	}
	if comp.TotalTokens == 0 {
		comp.TotalTokens = comp.PromptTokens + comp.CompletionTokens
	}
	return comp, nil
}

// Models implements gatehouse.ModelServer.
func (c *Client) Models(ctx context.Context) ([]gatehouse.Model, error) {
	var out modelsResponse
	if err := c.do(ctx, http.MethodGet, "/models", nil, &out); err != nil {
		return nil, err
	}
	ms := make([]gatehouse.Model, 0, len(out.Data))
	for _, d := range out.Data {
		ms = append(ms, gatehouse.Model{ID: d.ID, OwnedBy: d.OwnedBy, Created: d.Created})
	}
	return ms, nil
}

func (c *Client) pickModel(ctx context.Context) (string, error) {
	if c.defaultModel != "" {
		return c.defaultModel, nil
	}
	c.mu.Lock()
	chosen := c.chosen
	c.mu.Unlock()
	if chosen != "" {
		return chosen, nil
	}
	ms, err := c.Models(ctx)
	if err != nil {
		return "", err
	}
	if len(ms) == 0 {
		return "", gatehouse.Err(gatehouse.ReasonModelNoModels)
	}
	c.mu.Lock()
	c.chosen = ms[0].ID
	c.mu.Unlock()
	return ms[0].ID, nil
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("llm: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return upstreamErr(ctx, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return upstreamErr(ctx, err)
	}
	if len(data) > maxResponse {
		return gatehouse.Err(gatehouse.ReasonModelTooLarge)
	}
	if resp.StatusCode/100 != 2 {
		// Redact before truncating: a key cut in half by the truncation
		// would no longer match.
		detail := string(data)
		if c.key != "" {
			detail = strings.ReplaceAll(detail, c.key, "[redacted]")
		}
		detail = truncate(detail, 300)
		return fmt.Errorf("%w: %s", gatehouse.Err(gatehouse.ReasonModelStatus).WithLimit(int64(resp.StatusCode)), detail)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%w: %v", gatehouse.Err(gatehouse.ReasonModelBadJSON), err)
	}
	return nil
}

// upstreamErr tells a timeout (ETIMEOUT) from any other failure (EUPSTREAM).
// The detail is wrapped for the log, never shown to clients.
func upstreamErr(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %v", gatehouse.CodeErr(gatehouse.ETIMEOUT), err)
	}
	return fmt.Errorf("%w: %v", gatehouse.Err(gatehouse.ReasonModelUnreachable), err)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
