package asksage

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpio"
)

// envelope is every response of this dialect.
type envelope struct {
	Response any `json:"response"`
	Status   int `json:"status"`
}

// Body limit for /user requests.
const bodyLimit = 1 << 20

// timeFormat is how Ask Sage (a Flask app) writes times: RFC 1123 in GMT,
// e.g. "Thu, 08 May 2025 21:42:04 GMT".
const timeFormat = "Mon, 02 Jan 2006 15:04:05 GMT"

func wireTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func wireTimeOrNil(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := wireTime(t)
	return &s
}

// flexInt accepts a JSON integer or a string of digits ("5"), as loosely
// typed clients send; anything else is a type error.
type flexInt struct {
	Set   bool
	Value int64
}

func (f *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return &httpio.FieldError{Message: "Expected an integer."}
		}
		b = []byte(s)
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		// Accept 5.0 but not 5.5.
		fl, ferr := strconv.ParseFloat(string(b), 64)
		if ferr != nil || fl != math.Trunc(fl) || math.Abs(fl) > 1<<53 {
			return &httpio.FieldError{Message: "Expected an integer."}
		}
		n = int64(fl)
	}
	f.Set, f.Value = true, n
	return nil
}

// tokenRequest is POST /user/get-token-with-api-key.
type tokenRequest struct {
	Email  string `json:"email"`
	APIKey string `json:"api_key"`
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
}

// loginsRequest is POST /user/get-user-logins.
type loginsRequest struct {
	Limit flexInt `json:"limit"`
}

// loginRow carries the seed's fields (date_time, IP) and the real service's
// (id, ip, status, type), plus the user agent.
type loginRow struct {
	ID        int64  `json:"id"`
	DateTime  string `json:"date_time"`
	IP        string `json:"IP"`
	IPLower   string `json:"ip"`
	Status    string `json:"status"`
	Type      string `json:"type"`
	UserAgent string `json:"user_agent"`
}

func toLoginRows(ls []*gatehouse.Login) []loginRow {
	out := make([]loginRow, 0, len(ls))
	for _, l := range ls {
		status := "Failure"
		if l.Success {
			status = "Success"
		}
		out = append(out, loginRow{ID: l.ID, DateTime: wireTime(l.At), IP: l.IP, IPLower: l.IP, Status: status, Type: "login", UserAgent: l.UserAgent})
	}
	return out
}

// keyRow is one entry of get-user-api-keys: never the key itself.
type keyRow struct {
	ID         int64   `json:"id"`
	Name       string  `json:"name"`
	Hint       string  `json:"hint"`
	CreatedAt  string  `json:"created_at"`
	LastUsedAt *string `json:"last_used_at"`
}

func toKeyRows(ks []*gatehouse.APIKey) []keyRow {
	out := make([]keyRow, 0, len(ks))
	for _, k := range ks {
		out = append(out, keyRow{ID: k.ID, Name: k.Name, Hint: k.Hint, CreatedAt: wireTime(k.CreatedAt), LastUsedAt: wireTimeOrNil(k.LastUsedAt)})
	}
	return out
}

// keyCreateRequest is POST /user/user-api-key.
type keyCreateRequest struct {
	Name string `json:"name"`
}

// keyCreated is the only response that carries a key in clear.
type keyCreated struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	APIKey string `json:"api_key"`
}

// keyDeleteRequest is DELETE /user/user-api-key.
type keyDeleteRequest struct {
	ID flexInt `json:"id"`
}
