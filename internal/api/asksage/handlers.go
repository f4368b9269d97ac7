package asksage

import (
	"log/slog"
	"net/http"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/httpio"
)

// defaultLoginsLimit is get-user-logins' default (Ask Sage: "limited to 5 by
// default").
const defaultLoginsLimit = 5

// HandleTokenExchange serves POST /user/get-token-with-api-key.
func HandleTokenExchange(svc *core.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req tokenRequest
		if err := httpio.DecodeJSON(w, r, bodyLimit, &req); err != nil {
			writeError(w, r, log, err)
			return
		}
		tok, _, err := svc.ExchangeToken(r.Context(), req.Email, req.APIKey, clientInfo(r))
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		httpio.JSON(w, http.StatusOK, envelope{Response: tokenResponse{AccessToken: tok}, Status: http.StatusOK})
	})
}

// HandleLoginsList serves POST /user/get-user-logins.
func HandleLoginsList(svc *core.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req loginsRequest
		if err := httpio.DecodeJSON(w, r, bodyLimit, &req); err != nil {
			writeError(w, r, log, err)
			return
		}
		limit := int64(defaultLoginsLimit)
		if req.Limit.Set {
			limit = req.Limit.Value
		}
		if limit < 1 || limit > core.LoginsMaxLimit {
			writeError(w, r, log, gatehouse.Err(gatehouse.ReasonLimitRange).WithLimit(core.LoginsMaxLimit))
			return
		}
		ls, err := svc.ListLogins(r.Context(), int(limit))
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		httpio.JSON(w, http.StatusOK, envelope{Response: toLoginRows(ls), Status: http.StatusOK})
	})
}

// HandleKeysList serves POST /user/get-user-api-keys.
func HandleKeysList(svc *core.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{}
		if err := httpio.DecodeJSON(w, r, bodyLimit, &req); err != nil {
			writeError(w, r, log, err)
			return
		}
		ks, err := svc.ListKeys(r.Context())
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		httpio.JSON(w, http.StatusOK, envelope{Response: toKeyRows(ks), Status: http.StatusOK})
	})
}

// HandleKeyCreate serves POST /user/user-api-key. Its answer is the only
// time the new key is shown.
func HandleKeyCreate(svc *core.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req keyCreateRequest
		if err := httpio.DecodeJSON(w, r, bodyLimit, &req); err != nil {
			writeError(w, r, log, err)
			return
		}
		k, clear, err := svc.CreateKey(r.Context(), req.Name)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		httpio.JSON(w, http.StatusOK, envelope{Response: keyCreated{ID: k.ID, Name: k.Name, APIKey: clear}, Status: http.StatusOK})
	})
}

// HandleKeyDelete serves DELETE /user/user-api-key.
func HandleKeyDelete(svc *core.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req keyDeleteRequest
		if err := httpio.DecodeJSON(w, r, bodyLimit, &req); err != nil {
			writeError(w, r, log, err)
			return
		}
		if !req.ID.Set {
			writeError(w, r, log, gatehouse.Err(gatehouse.ReasonIDRequired))
			return
		}
		if err := svc.DeleteKey(r.Context(), req.ID.Value); err != nil {
			writeError(w, r, log, err)
			return
		}
		httpio.JSON(w, http.StatusOK, envelope{Response: "API key deleted.", Status: http.StatusOK})
	})
}

func clientInfo(r *http.Request) core.ClientInfo {
	return core.ClientInfo{IP: httpio.InfoFrom(r.Context()).IP, UserAgent: r.UserAgent()}
}
