package asksage

import (
	"log/slog"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/core"
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
	return handle(log, bodyLimit, func(r *http.Request, req accountKeyRequest) (any, error) {
		v, err := svc.CreateAccountKey(r.Context(), req.Name)
		if err != nil {
			return nil, err
		}
		return reply(accountKeyCreated{ID: v.Key.ID, Name: v.Key.Name, Secret: v.Secret}), nil
	})
}

// HandleAccountKeysList serves POST /user/get-account-keys.
func HandleAccountKeysList(svc *core.Service, log *slog.Logger) http.Handler {
	return handle(log, bodyLimit, func(r *http.Request, _ struct{}) (any, error) {
		ks, err := svc.ListAccountKeys(r.Context())
		if err != nil {
			return nil, err
		}
		out := make([]accountKeyRow, 0, len(ks))
		for _, k := range ks {
			out = append(out, accountKeyRow{ID: k.ID, Name: k.Name, CreatedAt: wireTime(k.CreatedAt)})
		}
		return reply(out), nil
	})
}

// HandleAccountKeyDelete serves DELETE /user/account-keys.
func HandleAccountKeyDelete(svc *core.Service, log *slog.Logger) http.Handler {
	return handle(log, bodyLimit, func(r *http.Request, req accountKeyRequest) (any, error) {
		if err := svc.DeleteAccountKey(r.Context(), req.ID); err != nil {
			return nil, err
		}
		return reply("Account key deleted."), nil
	})
}
