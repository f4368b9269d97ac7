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
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req signupRequest
		if err := httpio.DecodeJSON(w, r, bodyLimit, &req); err != nil {
			writeError(w, r, log, err)
			return
		}
		u, key, err := svc.Signup(r.Context(), core.SignupInput{
			Email: req.Email, Password: req.Password, ConfirmPassword: req.ConfirmPassword, CompanyID: req.CompanyID,
			Client: core.ClientInfo{IP: reqinfo.From(r.Context()).IP, UserAgent: r.UserAgent()},
		})
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		msg := msgCreated
		if u.Status != gatehouse.UserActive {
			msg += msgPending
		}
		httpio.JSON(w, http.StatusOK, signupResponse{Message: msg, Email: u.Email, APIKey: key})
	})
}
