package asksage

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/httpio"
)

// queryBodyLimit bounds /server/query and append-chat bodies.
const queryBodyLimit = 4 << 20

// queryRequest is /server/query. message is a string or a history
// [{"user": "me"|"gpt", "message": ...}]. session_id (a gatehouse extension)
// names the chat session to continue. dataset, persona, live,
// limit_references, tools and the rest are accepted and ignored: gatehouse
// forwards to a plain chat-completions server, with no retrieval.
type queryRequest struct {
	Message      json.RawMessage `json:"message"`
	Model        string          `json:"model"`
	SystemPrompt string          `json:"system_prompt"`
	Temperature  json.RawMessage `json:"temperature"`
	SessionID    string          `json:"session_id"`
}

// queryFields is a decoded queryRequest.
type queryFields struct {
	turns        []gatehouse.ChatTurn
	model        string
	systemPrompt string
	temperature  *float64
	sessionID    string
}

// queryLimits bound /server/query bodies. A form value (the message
// above all) may be as long as a JSON body allows; file parts, which the
// official client sends with query_with_file, are read and dropped (gatehouse
// forwards no files to the model server); 64 parts is several times what any
// client sends.
var queryLimits = httpio.BodyLimits{Body: queryBodyLimit, Value: queryBodyLimit, File: queryBodyLimit, Parts: 64}

// decodeQuery reads /server/query by httpio's one body rule: a JSON object
// is JSON whatever the Content-Type (the README's curl -d example sends one
// labelled as a form); otherwise a form, as the official Python client posts
// it (url-encoded, or multipart with a file), with numbers as strings.
func decodeQuery(w http.ResponseWriter, r *http.Request) (queryFields, error) {
	var q queryFields
	var req queryRequest
	form, err := httpio.DecodeJSONOrForm(w, r, queryLimits, &req)
	if err != nil {
		return q, err
	}
	if form != nil {
		// A form carries strings only: a message that is a JSON history
		// array is taken as one (and must be well formed); anything else, even
		// "[draft] ...", is text.
		msg := form.Get("message")
		q.turns = []gatehouse.ChatTurn{{Role: gatehouse.RoleUser, Text: msg}}
		var arr []json.RawMessage
		if t := strings.TrimSpace(msg); strings.HasPrefix(t, "[") && json.Unmarshal([]byte(t), &arr) == nil {
			turns, err := parseMessage(json.RawMessage(t))
			if err != nil {
				return q, err
			}
			q.turns = turns
		}
		q.model, q.systemPrompt, q.sessionID = form.Get("model"), form.Get("system_prompt"), form.Get("session_id")
		if t := form.Get("temperature"); t != "" {
			f, err := strconv.ParseFloat(t, 64)
			if err != nil {
				return q, gatehouse.Err(gatehouse.ReasonTemperatureNotNumber)
			}
			q.temperature = &f
		}
		return q, nil
	}
	turns, err := parseMessage(req.Message)
	if err != nil {
		return q, err
	}
	q.turns, q.model, q.systemPrompt, q.sessionID = turns, req.Model, req.SystemPrompt, req.SessionID
	if len(req.Temperature) > 0 && string(req.Temperature) != "null" {
		var f flexFloat
		if err := json.Unmarshal(req.Temperature, &f); err != nil {
			return q, gatehouse.Err(gatehouse.ReasonTemperatureNotNumber)
		}
		v := float64(f)
		q.temperature = &v
	}
	return q, nil
}

// parseMessage reads message: a string, or a history array.
func parseMessage(raw json.RawMessage) ([]gatehouse.ChatTurn, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, gatehouse.Err(gatehouse.ReasonMessageRequired)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return []gatehouse.ChatTurn{{Role: gatehouse.RoleUser, Text: s}}, nil
	}
	var items []chatItem
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, gatehouse.Err(gatehouse.ReasonMessageShape)
	}
	return chatTurns(items)
}

// flexFloat accepts a JSON number or a numeric string.
type flexFloat float64

func (f *flexFloat) UnmarshalJSON(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"`)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return err
	}
	*f = flexFloat(v)
	return nil
}

// queryUsage mirrors Ask Sage's usage block.
type queryUsage struct {
	ModelTokens struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
		TotalTokens      int `json:"total_tokens"`
	} `json:"model_tokens"`
	AsksageTokens int `json:"asksage_tokens"`
}

// queryResponse is the Server API's query answer, plus session_id and model.
type queryResponse struct {
	Response         string     `json:"response"`
	Message          string     `json:"message"`
	UUID             string     `json:"uuid"`
	References       string     `json:"references"`
	Type             string     `json:"type"`
	EmbeddingDown    bool       `json:"embedding_down"`
	VectorsDown      bool       `json:"vectors_down"`
	AddedObj         any        `json:"added_obj"`
	ToolCalls        any        `json:"tool_calls"`
	ToolResponses    []any      `json:"tool_responses"`
	ToolCallsUnified []any      `json:"tool_calls_unified"`
	Usage            queryUsage `json:"usage"`
	SessionID        string     `json:"session_id"`
	Model            string     `json:"model"`
	Status           int        `json:"status"`
}

// HandleQuery serves /server/query.
func HandleQuery(svc *core.Service, log *slog.Logger) http.Handler {
	return serve(log, decodeQuery, func(r *http.Request, q queryFields) (any, error) {
		res, err := svc.Query(r.Context(), core.QueryInput{
			Messages: q.turns, Model: q.model, SystemPrompt: q.systemPrompt, Temperature: q.temperature,
			SessionID: q.sessionID, Client: clientInfo(r),
		})
		if err != nil {
			return nil, err
		}
		out := queryResponse{
			Response: "OK", Message: res.Completion.Text, UUID: res.ID, Type: "completion",
			ToolResponses: []any{}, ToolCallsUnified: []any{}, SessionID: res.SessionID, Model: res.Completion.Model, Status: http.StatusOK,
		}
		out.Usage.ModelTokens.PromptTokens = res.Completion.PromptTokens
		out.Usage.ModelTokens.CompletionTokens = res.Completion.CompletionTokens
		out.Usage.ModelTokens.TotalTokens = res.Completion.TotalTokens
		out.Usage.AsksageTokens = res.Completion.TotalTokens
		return out, nil
	})
}

// modelRow is one entry of get-models' OpenAI-style "data".
type modelRow struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created string `json:"created"`
	Name    string `json:"name"`
	OwnedBy string `json:"owned_by"`
}

type modelsResponse struct {
	Response []string   `json:"response"`
	Object   string     `json:"object"`
	Data     []modelRow `json:"data"`
	Status   int        `json:"status"`
}

// HandleModels serves /server/get-models: the model server's models, as
// ids in "response" and OpenAI-style entries in "data".
func HandleModels(svc *core.Service, log *slog.Logger) http.Handler {
	return handle(log, bodyLimit, func(r *http.Request, _ struct{}) (any, error) {
		ms, err := svc.ListModels(r.Context())
		if err != nil {
			return nil, err
		}
		out := modelsResponse{Response: make([]string, 0, len(ms)), Object: "list", Data: make([]modelRow, 0, len(ms)), Status: http.StatusOK}
		for _, m := range ms {
			out.Response = append(out.Response, m.ID)
			out.Data = append(out.Data, modelRow{ID: m.ID, Object: "model", Created: strconv.FormatInt(m.Created, 10), Name: m.ID, OwnedBy: m.OwnedBy})
		}
		return out, nil
	})
}
