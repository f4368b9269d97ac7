package asksage

import (
	"log/slog"
	"net/http"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/httpio"
)

// Account keys (act_...) are gatehouse's bridge to the Sunshine dialect: a
// user, authenticated here with an API key or token, makes the account key
// that then manages their apps on /v2. These endpoints are gatehouse's own,
// in this dialect's envelope:
//
//	POST   /user/account-keys      {"name"}        → {"id","name","secret"} (the secret shown this once)
//	POST   /user/get-account-keys  {}              → [{"id","name","created_at"}]
//	DELETE /user/account-keys      {"id":"act_…"}  → "Account key deleted."

type accountKeyCreated struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Secret string `json:"secret"`
}

type accountKeyRow struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	CreatedAt string `json:"created_at"`
}

type accountKeyRequest struct {
	Name string `json:"name"`
	ID   string `json:"id"`
}

// HandleAccountKeyCreate serves POST /user/account-keys.
func HandleAccountKeyCreate(svc *core.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req accountKeyRequest
		if err := httpio.DecodeJSON(w, r, bodyLimit, &req); err != nil {
			writeError(w, r, log, err)
			return
		}
		v, err := svc.CreateAccountKey(r.Context(), req.Name)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		httpio.JSON(w, http.StatusOK, envelope{Response: accountKeyCreated{ID: v.Key.ID, Name: v.Key.Name, Secret: v.Secret}, Status: http.StatusOK})
	})
}

// HandleAccountKeysList serves POST /user/get-account-keys.
func HandleAccountKeysList(svc *core.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{}
		if err := httpio.DecodeJSON(w, r, bodyLimit, &req); err != nil {
			writeError(w, r, log, err)
			return
		}
		ks, err := svc.ListAccountKeys(r.Context())
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		out := make([]accountKeyRow, 0, len(ks))
		for _, k := range ks {
			out = append(out, accountKeyRow{ID: k.ID, Name: k.Name, CreatedAt: wireTime(k.CreatedAt)})
		}
		httpio.JSON(w, http.StatusOK, envelope{Response: out, Status: http.StatusOK})
	})
}

// HandleAccountKeyDelete serves DELETE /user/account-keys.
func HandleAccountKeyDelete(svc *core.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req accountKeyRequest
		if err := httpio.DecodeJSON(w, r, bodyLimit, &req); err != nil {
			writeError(w, r, log, err)
			return
		}
		if req.ID == "" {
			writeError(w, r, log, gatehouse.Err(gatehouse.ReasonIDRequired))
			return
		}
		if err := svc.DeleteAccountKey(r.Context(), req.ID); err != nil {
			writeError(w, r, log, err)
			return
		}
		httpio.JSON(w, http.StatusOK, envelope{Response: "Account key deleted.", Status: http.StatusOK})
	})
}
