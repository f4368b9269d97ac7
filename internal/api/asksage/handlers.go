package asksage

import (
	"log/slog"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/reqinfo"
)

// defaultLoginsLimit is get-user-logins' default (Ask Sage: "limited to 5 by
// default").
const defaultLoginsLimit = 5

// HandleTokenExchange serves POST /user/get-token-with-api-key.
func HandleTokenExchange(svc *core.Service, log *slog.Logger) http.Handler {
	return handle(log, bodyLimit, func(r *http.Request, req tokenRequest) (any, error) {
		tok, _, err := svc.ExchangeToken(r.Context(), req.Email, req.APIKey, clientInfo(r))
		if err != nil {
			return nil, err
		}
		return reply(tokenResponse{AccessToken: tok}), nil
	})
}

// HandleLoginsList serves POST /user/get-user-logins.
func HandleLoginsList(svc *core.Service, log *slog.Logger) http.Handler {
	return handle(log, bodyLimit, func(r *http.Request, req loginsRequest) (any, error) {
		ls, err := svc.ListLogins(r.Context(), req.Limit.intOr(defaultLoginsLimit))
		if err != nil {
			return nil, err
		}
		return reply(toLoginRows(ls)), nil
	})
}

// HandleKeysList serves POST /user/get-user-api-keys.
func HandleKeysList(svc *core.Service, log *slog.Logger) http.Handler {
	return handle(log, bodyLimit, func(r *http.Request, _ struct{}) (any, error) {
		ks, err := svc.ListKeys(r.Context())
		if err != nil {
			return nil, err
		}
		return reply(toKeyRows(ks)), nil
	})
}

// HandleKeyCreate serves POST /user/user-api-key. Its answer is the only
// time the new key is shown.
func HandleKeyCreate(svc *core.Service, log *slog.Logger) http.Handler {
	return handle(log, bodyLimit, func(r *http.Request, req keyCreateRequest) (any, error) {
		k, clear, err := svc.CreateKey(r.Context(), req.Name)
		if err != nil {
			return nil, err
		}
		return reply(keyCreated{ID: k.ID, Name: k.Name, APIKey: clear}), nil
	})
}

// HandleKeyDelete serves DELETE /user/user-api-key.
func HandleKeyDelete(svc *core.Service, log *slog.Logger) http.Handler {
	return handle(log, bodyLimit, func(r *http.Request, req keyDeleteRequest) (any, error) {
		id, err := req.ID.requiredID()
		if err != nil {
			return nil, err
		}
		if err := svc.DeleteKey(r.Context(), id); err != nil {
			return nil, err
		}
		return reply("API key deleted."), nil
	})
}

func clientInfo(r *http.Request) core.ClientInfo {
	return core.ClientInfo{IP: reqinfo.From(r.Context()).IP, UserAgent: r.UserAgent()}
}
