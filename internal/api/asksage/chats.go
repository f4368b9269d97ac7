package asksage

import (
	"log/slog"
	"net/http"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
)

// HandleChatsList serves POST /user/get-chats. Any body is accepted and
// ignored (the seed sends {"response": "string"}). As the OpenAPI file
// says, "response" is a JSON string holding {"chats": [...], "buttons": []}.
// The answer is written while it is read (see chatStream).
func HandleChatsList(svc *core.Service, log *slog.Logger) http.Handler {
	return handleStream(log, bodyLimit, func(w http.ResponseWriter, r *http.Request, _ struct{}) (streamed, error) {
		st := newChatStream(w, true)
		return st, svc.ListChats(r.Context(), st)
	})
}

// HandleChatGet serves POST /user/get-chat-session: the session object.
func HandleChatGet(svc *core.Service, log *slog.Logger) http.Handler {
	return handleStream(log, bodyLimit, func(w http.ResponseWriter, r *http.Request, req sessionRequest) (streamed, error) {
		st := newChatStream(w, false)
		return st, svc.GetChat(r.Context(), req.SessionID, st)
	})
}

// HandleChatDelete serves POST /user/delete-chat-session.
func HandleChatDelete(svc *core.Service, log *slog.Logger) http.Handler {
	return handle(log, bodyLimit, func(r *http.Request, req sessionRequest) (any, error) {
		return ok, svc.DeleteChat(r.Context(), req.SessionID)
	})
}

// HandleChatCreate serves POST /user/create-chat-session: an empty session,
// whose id the answer carries.
func HandleChatCreate(svc *core.Service, log *slog.Logger) http.Handler {
	return handle(log, bodyLimit, func(r *http.Request, req createChatRequest) (any, error) {
		c, err := svc.CreateChat(r.Context(), req.title())
		if err != nil {
			return nil, err
		}
		return reply(sessionCreated{SessionID: c.ID, Title: c.Title}), nil
	})
}

// HandleChatAppend serves POST /user/append-chat (both published shapes;
// see appendChatRequest).
func HandleChatAppend(svc *core.Service, log *slog.Logger) http.Handler {
	return handle(log, queryBodyLimit, func(r *http.Request, req appendChatRequest) (any, error) {
		turns, err := req.turns()
		if err != nil {
			return nil, err
		}
		c, err := svc.AppendChat(r.Context(), req.SessionID, req.ChatTitle, turns)
		if err != nil {
			return nil, err
		}
		return reply(sessionCreated{SessionID: c.ID, Title: c.Title}), nil
	})
}

// HandlePromptLogsList serves POST /user/get-user-logs: the caller's
// prompt log, newest first (default and most: 100 rows), written while it
// is read (see jsonStream).
func HandlePromptLogsList(svc *core.Service, log *slog.Logger) http.Handler {
	return handleStream(log, bodyLimit, func(w http.ResponseWriter, r *http.Request, req logsRequest) (streamed, error) {
		st := newListStream(w)
		return st, svc.ListPromptLogs(r.Context(), req.Limit.intOr(core.PromptLogsDefaultLimit), func(ls []*gatehouse.PromptLog) error {
			for _, row := range toPromptLogRows(ls) {
				st.item(row)
			}
			return st.err
		})
	})
}
