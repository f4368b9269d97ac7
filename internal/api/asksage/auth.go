package asksage

import (
	"crypto/x509"
	"encoding/asn1"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
)

// maxCredentialLen bounds a credential header; longer values are refused
// before any work is done.
const maxCredentialLen = 256

// credential extracts the one credential of a request: the x-access-tokens
// header (an API key or an access token), or X-API-Key (an API key, as
// sumtyme clients send it). A missing, empty, repeated or oversized header,
// or two headers that disagree, yield ok=false: one generic refusal.
func credential(h http.Header) (string, bool) {
	var found string
	for _, name := range [...]string{"X-Access-Tokens", "X-Api-Key"} {
		vs := h.Values(name)
		if len(vs) == 0 {
			continue
		}
		if len(vs) > 1 {
			return "", false
		}
		v := strings.TrimSpace(vs[0])
		if v == "" || len(v) > maxCredentialLen {
			return "", false
		}
		if found != "" && found != v {
			return "", false
		}
		found = v
	}
	return found, found != ""
}

// Authenticate is the dialect's one authentication middleware: it turns the
// credential header into a gatehouse.Principal in the request context, or
// refuses the request in the envelope. Handlers behind it never read
// credentials. Core decides the answer to every failure, a header that
// does not parse included, since each counts against the client's IP.
func Authenticate(svc *core.Service, log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			cred, ok := credential(r.Header)
			if !ok {
				writeError(w, r, log, svc.Unauthenticated(clientInfo(r)))
				return
			}
			p, err := svc.Authenticate(r.Context(), cred, clientInfo(r))
			if err != nil {
				writeError(w, r, log, err)
				return
			}
			if r.TLS != nil && len(r.TLS.VerifiedChains) > 0 && len(r.TLS.VerifiedChains[0]) > 0 {
				p = core.WithClientCertificate(p, certEmails(r.TLS.VerifiedChains[0][0]))
			}
			next.ServeHTTP(w, r.WithContext(gatehouse.NewContextWithPrincipal(r.Context(), p)))
		})
	}
}

// oidEmailAddress is PKCS #9 emailAddress, how CAC/PIV certificates often
// carry the holder's e-mail in the subject.
var oidEmailAddress = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}

// certEmails returns the e-mail addresses a verified client certificate
// names: its e-mail SANs and its subject's emailAddress attributes.
func certEmails(c *x509.Certificate) []string {
	out := append([]string(nil), c.EmailAddresses...)
	for _, n := range c.Subject.Names {
		if n.Type.Equal(oidEmailAddress) {
			if s, ok := n.Value.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}
