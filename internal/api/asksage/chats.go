package asksage

import (
	"log/slog"
	"net/http"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/httpio"
)

// HandleChatsList serves POST /user/get-chats. Any body is accepted and
// ignored (the seed sends {"response": "string"}). As the OpenAPI file
// says, "response" is a JSON string holding {"chats": [...], "buttons": []}.
// The answer is written while it is read (see chatStream).
func HandleChatsList(svc *core.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{}
		if err := httpio.DecodeJSON(w, r, bodyLimit, &req); err != nil {
			writeError(w, r, log, err)
			return
		}
		st := newChatStream(w, true)
		endStream(w, r, log, &st.jsonStream, svc.ListChats(r.Context(), st), st.finish)
	})
}

// HandleChatGet serves POST /user/get-chat-session: the session object.
func HandleChatGet(svc *core.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req sessionRequest
		if err := httpio.DecodeJSON(w, r, bodyLimit, &req); err != nil {
			writeError(w, r, log, err)
			return
		}
		st := newChatStream(w, false)
		endStream(w, r, log, &st.jsonStream, svc.GetChat(r.Context(), req.SessionID, st), st.finish)
	})
}

// HandleChatDelete serves POST /user/delete-chat-session.
func HandleChatDelete(svc *core.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req sessionRequest
		if err := httpio.DecodeJSON(w, r, bodyLimit, &req); err != nil {
			writeError(w, r, log, err)
			return
		}
		if err := svc.DeleteChat(r.Context(), req.SessionID); err != nil {
			writeError(w, r, log, err)
			return
		}
		httpio.JSON(w, http.StatusOK, ok)
	})
}

// HandleChatCreate serves POST /user/create-chat-session: an empty session,
// whose id the answer carries.
func HandleChatCreate(svc *core.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req createChatRequest
		if err := httpio.DecodeJSON(w, r, bodyLimit, &req); err != nil {
			writeError(w, r, log, err)
			return
		}
		title := req.Title
		if title == "" {
			title = req.ChatTitle
		}
		if title == "" {
			title = "New Chat"
		}
		c, err := svc.CreateChat(r.Context(), title)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		httpio.JSON(w, http.StatusOK, envelope{Response: sessionCreated{SessionID: c.ID, Title: c.Title}, Status: http.StatusOK})
	})
}

// HandleChatAppend serves POST /user/append-chat (both published shapes;
// see appendChatRequest).
func HandleChatAppend(svc *core.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req appendChatRequest
		if err := httpio.DecodeJSON(w, r, queryBodyLimit, &req); err != nil {
			writeError(w, r, log, err)
			return
		}
		turns, err := req.turns()
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		c, err := svc.AppendChat(r.Context(), req.SessionID, req.ChatTitle, turns)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		httpio.JSON(w, http.StatusOK, envelope{Response: sessionCreated{SessionID: c.ID, Title: c.Title}, Status: http.StatusOK})
	})
}

// HandlePromptLogsList serves POST /user/get-user-logs: the caller's
// prompt log, newest first (default and most: 100 rows), written while it
// is read (see jsonStream).
func HandlePromptLogsList(svc *core.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req logsRequest
		if err := httpio.DecodeJSON(w, r, bodyLimit, &req); err != nil {
			writeError(w, r, log, err)
			return
		}
		limit := int64(core.PromptLogsDefaultLimit)
		if req.Limit.Set {
			limit = req.Limit.Value
		}
		if limit < 1 || limit > core.PromptLogsMaxLimit {
			limit = 0 // let core refuse it with its message
		}
		st := newListStream(w)
		err := svc.ListPromptLogs(r.Context(), int(limit), func(ls []*gatehouse.PromptLog) error {
			for _, row := range toPromptLogRows(ls) {
				st.item(row)
			}
			return st.err
		})
		endStream(w, r, log, &st.jsonStream, err, st.finish)
	})
}
