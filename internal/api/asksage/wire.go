package asksage

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpio"
)

// envelope is every response of this dialect. It writes its own JSON
// (httpio.Appender) when its response does.
type envelope struct {
	Response any `json:"response"`
	Status   int `json:"status"`
}

func (e envelope) AppendJSON(dst []byte) ([]byte, bool) {
	r, ok := e.Response.(httpio.Appender)
	if !ok {
		return dst, false
	}
	if dst, ok = r.AppendJSON(append(dst, `{"response":`...)); !ok {
		return dst, false
	}
	dst = strconv.AppendInt(append(dst, `,"status":`...), int64(e.Status), 10)
	return append(dst, '}'), true
}

// Body limit for /user requests.
const bodyLimit = 1 << 20

// timeFormat is how Ask Sage (a Flask app) writes times: RFC 1123 in GMT,
// e.g. "Thu, 08 May 2025 21:42:04 GMT".
const timeFormat = "Mon, 02 Jan 2006 15:04:05 GMT"

// wireTime is t in timeFormat. It writes the bytes itself for a year of
// four digits (every time gatehouse stores), as net/http does for the same
// format: time.Format's layout interpreter was a sixth of get-user-logins'
// handler, five rows a request (pprof of BenchmarkLoginsRead).
// TestWireTime holds it to time.Format.
func wireTime(t time.Time) string {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.Format(timeFormat)
	}
	hour, min, sec := t.Clock()
	const days, months = "SunMonTueWedThuFriSat", "JanFebMarAprMayJunJulAugSepOctNovDec"
	wd, mo := int(t.Weekday())*3, (int(month)-1)*3
	b := [len(timeFormat)]byte{
		days[wd], days[wd+1], days[wd+2], ',', ' ',
		byte('0' + day/10), byte('0' + day%10), ' ',
		months[mo], months[mo+1], months[mo+2], ' ',
		byte('0' + year/1000), byte('0' + year/100%10), byte('0' + year/10%10), byte('0' + year%10), ' ',
		byte('0' + hour/10), byte('0' + hour%10), ':',
		byte('0' + min/10), byte('0' + min%10), ':',
		byte('0' + sec/10), byte('0' + sec%10), ' ', 'G', 'M', 'T',
	}
	return string(b[:])
}

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
			return &httpio.FieldError{Reason: gatehouse.ReasonExpectedInteger}
		}
		b = []byte(s)
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		// Accept 5.0 but not 5.5.
		fl, ferr := strconv.ParseFloat(string(b), 64)
		if ferr != nil || fl != math.Trunc(fl) || math.Abs(fl) > 1<<53 {
			return &httpio.FieldError{Reason: gatehouse.ReasonExpectedInteger}
		}
		n = int64(fl)
	}
	f.Set, f.Value = true, n
	return nil
}

// intOr is the value as an int, or def when the field was not sent. A
// value no int holds is -1: out of every range core accepts.
func (f flexInt) intOr(def int) int {
	if !f.Set {
		return def
	}
	if n := int(f.Value); int64(n) == f.Value {
		return n
	}
	return -1
}

// requiredID is the value of an id field the request must send (any integer:
// 0 is an id like another, one that names nothing).
func (f flexInt) requiredID() (int64, error) {
	if !f.Set {
		return 0, gatehouse.Err(gatehouse.ReasonIDRequired)
	}
	return f.Value, nil
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

// loginRows is get-user-logins' list, which writes its own JSON
// (httpio.Appender).
type loginRows []loginRow

func (rs loginRows) AppendJSON(dst []byte) ([]byte, bool) {
	if rs == nil {
		return append(dst, "null"...), true
	}
	dst = append(dst, '[')
	for i := range rs {
		if i > 0 {
			dst = append(dst, ',')
		}
		r := &rs[i]
		var ok bool
		dst = strconv.AppendInt(append(dst, `{"id":`...), r.ID, 10)
		for _, f := range [...]struct{ name, v string }{
			{`,"date_time":`, r.DateTime}, {`,"IP":`, r.IP}, {`,"ip":`, r.IPLower},
			{`,"status":`, r.Status}, {`,"type":`, r.Type}, {`,"user_agent":`, r.UserAgent},
		} {
			if dst, ok = httpio.AppendString(append(dst, f.name...), f.v); !ok {
				return dst, false
			}
		}
		dst = append(dst, '}')
	}
	return append(dst, ']'), true
}

func toLoginRows(ls []*gatehouse.Login) loginRows {
	out := make([]loginRow, 0, len(ls))
	for _, l := range ls {
		status := "Failure"
		if l.Success {
			status = "Success"
		}
		out = append(out, loginRow{ID: l.ID, DateTime: wireTime(l.At), IP: l.IP, IPLower: l.IP, Status: status, Type: loginType(l.Kind), UserAgent: l.UserAgent})
	}
	return out
}

// loginType names a login as the real service does: a token exchange is
// "get_token_with_api_key" (seen in its get-user-logins output).
func loginType(k gatehouse.LoginKind) string {
	if k == gatehouse.LoginToken {
		return "get_token_with_api_key"
	}
	return "login"
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

// flexBool accepts a JSON boolean, or the strings and numbers clients send
// for one ("true", "false", "1", "0", 1, 0), as the seed sends
// check_permissions as the string "true".
type flexBool struct {
	Set   bool
	Value bool
}

func (f *flexBool) UnmarshalJSON(b []byte) error {
	switch strings.ToLower(strings.TrimSpace(string(b))) {
	case "null":
		return nil
	case "true", `"true"`, "1", `"1"`, `"yes"`:
		f.Set, f.Value = true, true
	case "false", `"false"`, "0", `"0"`, `"no"`:
		f.Set, f.Value = true, false
	default:
		return &httpio.FieldError{Reason: gatehouse.ReasonExpectedBoolean}
	}
	return nil
}

// datasetAddRequest is POST /user/add-dataset. classification may be null
// (the Python client sends null); is_tabular is accepted and ignored.
type datasetAddRequest struct {
	Dataset        string  `json:"dataset"`
	Classification *string `json:"classification"`
}

// datasetRequest names a dataset (delete-dataset).
type datasetRequest struct {
	Dataset string `json:"dataset"`
}

// shareRequest is assign-dataset, update-permission-dataset and
// deassign-dataset. The seed sends "permission", the OpenAPI file
// "permissions": both are read.
type shareRequest struct {
	Dataset     string  `json:"dataset"`
	Email       string  `json:"email"`
	Permission  *string `json:"permission"`
	Permissions *string `json:"permissions"`
}

// permission returns the requested level, refusing two that differ.
func (r shareRequest) permission() (string, error) {
	switch {
	case r.Permission != nil && r.Permissions != nil && *r.Permission != *r.Permissions:
		return "", gatehouse.Err(gatehouse.ReasonPermissionConflict)
	case r.Permission != nil:
		return *r.Permission, nil
	case r.Permissions != nil:
		return *r.Permissions, nil
	}
	return "", nil
}

// datasetsRequest is get-datasets-with-permissions.
type datasetsRequest struct {
	CheckPermissions flexBool `json:"check_permissions"`
}

// datasetRow is one entry of get-datasets-with-permissions (the OpenAPI
// file's shape).
type datasetRow struct {
	Dataset        string `json:"dataset"`
	Classification string `json:"classification"`
	Permissions    string `json:"permissions"`
}

func toDatasetRows(as []gatehouse.DatasetAccess) []datasetRow {
	out := make([]datasetRow, 0, len(as))
	for _, a := range as {
		out = append(out, datasetRow{Dataset: a.Dataset.FullName(), Classification: string(a.Dataset.Classification), Permissions: string(a.Permission)})
	}
	return out
}

func toDatasetNames(as []gatehouse.DatasetAccess) []string {
	out := make([]string, 0, len(as))
	for _, a := range as {
		out = append(out, a.Dataset.FullName())
	}
	return out
}

// Chat wire shapes. Ask Sage names the speakers "me" and "gpt".
func toRole(user string) (gatehouse.ChatRole, bool) {
	switch strings.ToLower(strings.TrimSpace(user)) {
	case "me", "user":
		return gatehouse.RoleUser, true
	case "gpt", "assistant":
		return gatehouse.RoleAssistant, true
	}
	return "", false
}

func fromRole(r gatehouse.ChatRole) string {
	if r == gatehouse.RoleAssistant {
		return "gpt"
	}
	return "me"
}

// chatItem is one message on the wire.
type chatItem struct {
	User    string `json:"user"`
	Message string `json:"message"`
}

// chatMessageRow is a stored message as listed.
type chatMessageRow struct {
	ID       int64  `json:"id"`
	User     string `json:"user"`
	Message  string `json:"message"`
	DateTime string `json:"date_time"`
}

// chatRow is a session as listed by get-chats and get-chat-session.
type chatRow struct {
	SessionID string           `json:"session_id"`
	ID        string           `json:"id"`
	Title     string           `json:"title"`
	CreatedAt string           `json:"created_at"`
	UpdatedAt string           `json:"updated_at"`
	Chats     []chatMessageRow `json:"chats"`
}

// chatsPayload is what get-chats encodes, as a JSON string, into "response"
// (the OpenAPI file: "JSON string containing chats and buttons arrays").
type chatsPayload struct {
	Chats   []chatRow `json:"chats"`
	Buttons []any     `json:"buttons"`
}

// sessionRequest names a session (get-chat-session, delete-chat-session).
type sessionRequest struct {
	SessionID string `json:"session_id"`
}

// createChatRequest is create-chat-session; the body is optional.
type createChatRequest struct {
	Title     string `json:"title"`
	ChatTitle string `json:"chat_title"`
}

// title is the title asked for: title, else chat_title, else Ask Sage's
// "New Chat".
func (r createChatRequest) title() string {
	switch {
	case r.Title != "":
		return r.Title
	case r.ChatTitle != "":
		return r.ChatTitle
	}
	return "New Chat"
}

// sessionCreated answers create-chat-session and append-chat.
type sessionCreated struct {
	SessionID string `json:"session_id"`
	Title     string `json:"title"`
}

// appendChatRequest accepts both published shapes of append-chat: the
// OpenAPI file's {"session_id", "message"} (one message from "me" appended
// to a session) and the Python client's {"chat_title", "chats": {"chats":
// [{"user","message"}...]}} (a new session, unless session_id is given too).
// "chats" may also be the bare array.
type appendChatRequest struct {
	SessionID string          `json:"session_id"`
	Message   *string         `json:"message"`
	ChatTitle string          `json:"chat_title"`
	Chats     json.RawMessage `json:"chats"`
}

func (r appendChatRequest) turns() ([]gatehouse.ChatTurn, error) {
	var items []chatItem
	if len(r.Chats) > 0 && string(r.Chats) != "null" {
		var wrapped struct {
			Chats []chatItem `json:"chats"`
		}
		if err := json.Unmarshal(r.Chats, &items); err != nil {
			if err := json.Unmarshal(r.Chats, &wrapped); err != nil {
				return nil, gatehouse.Err(gatehouse.ReasonChatsShape)
			}
			items = wrapped.Chats
		}
	}
	if r.Message != nil {
		items = append(items, chatItem{User: "me", Message: *r.Message})
	}
	return chatTurns(items)
}

func chatTurns(items []chatItem) ([]gatehouse.ChatTurn, error) {
	out := make([]gatehouse.ChatTurn, 0, len(items))
	for _, it := range items {
		role, ok := toRole(it.User)
		if !ok {
			return nil, gatehouse.Err(gatehouse.ReasonChatRole)
		}
		out = append(out, gatehouse.ChatTurn{Role: role, Text: it.Message})
	}
	return out, nil
}

// promptLogRow is one get-user-logs row: the seed's fields (date_time,
// prompt, completion, IP) and the real service's (id, model, response, ip,
// token counts, teach).
type promptLogRow struct {
	ID               int64  `json:"id"`
	DateTime         string `json:"date_time"`
	Prompt           string `json:"prompt"`
	Completion       string `json:"completion"`
	Response         string `json:"response"`
	IP               string `json:"IP"`
	IPLower          string `json:"ip"`
	Model            string `json:"model"`
	PromptTokens     int    `json:"prompt_tokens"`
	CompletionTokens int    `json:"completion_tokens"`
	TotalTokens      int    `json:"total_tokens"`
	Teach            bool   `json:"teach"`
	SessionID        string `json:"session_id"`
}

func toPromptLogRows(ls []*gatehouse.PromptLog) []promptLogRow {
	out := make([]promptLogRow, 0, len(ls))
	for _, l := range ls {
		out = append(out, promptLogRow{ID: l.ID, DateTime: wireTime(l.At), Prompt: l.Prompt, Completion: l.Completion, Response: l.Completion,
			IP: l.IP, IPLower: l.IP, Model: l.Model, PromptTokens: l.PromptTokens, CompletionTokens: l.CompletionTokens,
			TotalTokens: l.TotalTokens, SessionID: l.SessionID})
	}
	return out
}

// logsRequest is get-user-logs; the body is optional.
type logsRequest struct {
	Limit flexInt `json:"limit"`
}
