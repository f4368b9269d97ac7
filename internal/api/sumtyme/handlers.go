package sumtyme

import (
	"log/slog"
	"net/http"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/httpio"
	"github.com/gatehouse/gatehouse/internal/reqinfo"
)

// HandleSignup serves POST /signup: it creates the account and answers 200
// with its first API key, shown this once.
func HandleSignup(svc *core.Service, log *slog.Logger) http.Handler {
	return handle(log, func(r *http.Request, req signupRequest) (any, error) {
		u, key, err := svc.Signup(r.Context(), core.SignupInput{
			Email: req.Email, Password: req.Password, ConfirmPassword: req.ConfirmPassword, CompanyID: req.CompanyID,
			Client: core.ClientInfo{IP: reqinfo.From(r.Context()).IP, UserAgent: r.UserAgent()},
		})
		if err != nil {
			return nil, err
		}
		msg := msgCreated
		if u.Status != gatehouse.UserActive {
			msg += msgPending
		}
		return signupResponse{Message: msg, Email: u.Email, APIKey: key}, nil
	})
}

// handle makes the handler of a JSON endpoint: the body is decoded into a
// Req and given to fn, which calls core and returns the answer (200) or an
// error, answered in the envelope.
func handle[Req any](log *slog.Logger, fn func(r *http.Request, req Req) (any, error)) http.Handler {
	return Errors.Handler(log, httpio.JSON, func(w http.ResponseWriter, r *http.Request) (int, any, error) {
		var req Req
		if err := httpio.DecodeJSON(w, r, bodyLimit, &req); err != nil {
			return 0, nil, err
		}
		v, err := fn(r, req)
		return http.StatusOK, v, err
	})
}
