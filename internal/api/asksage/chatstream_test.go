package asksage

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
)

// pieces are what random chat text is made of: the characters JSON
// escapes, those HTML escaping would, multi-byte ones, and bytes that are
// not UTF-8.
var pieces = []string{"a", "Z", " ", `"`, `\`, "<", ">", "&", "\x00", "\x01", "\b", "\f", "\n", "\r", "\t", "\x1f", "\x7f",
	"\u2028", "\u2029", "é", "‹", "🙂", "\xff", "\xe2\x80", "\ufffd", "/", "'"}

func randomText(r *rand.Rand, n int) string {
	var b bytes.Buffer
	for range r.IntN(n + 1) {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

func randomChats(r *rand.Rand) []core.Chat {
	at := time.Date(2026, 11, 22, 10, 57, 25, 0, time.UTC)
	var out []core.Chat
	for i := range r.IntN(5) {
		c := core.Chat{Session: &gatehouse.ChatSession{ID: "0b7e4a52-3c1f-4d6a-9b8e-00000000000" + string(rune('0'+i)),
			Title: randomText(r, 8), CreatedAt: at, UpdatedAt: at.Add(time.Duration(i) * time.Hour)}, Messages: []*gatehouse.ChatMessage{}}
		for j := range r.IntN(6) {
			role := gatehouse.RoleUser
			if j%2 == 1 {
				role = gatehouse.RoleAssistant
			}
			c.Messages = append(c.Messages, &gatehouse.ChatMessage{ID: int64(100*i + j), Role: role, Text: randomText(r, 40), CreatedAt: at})
		}
		out = append(out, c)
	}
	return out
}

// stream writes chats through a chatStream, each session's messages in
// pages of random sizes, as core does.
func stream(t *testing.T, r *rand.Rand, list bool, chats []core.Chat) []byte {
	t.Helper()
	rec := httptest.NewRecorder()
	st := newChatStream(rec, list)
	for _, c := range chats {
		if err := st.StartChat(c.Session); err != nil {
			t.Fatal(err)
		}
		for ms := c.Messages; len(ms) > 0; {
			n := 1 + r.IntN(len(ms))
			if err := st.Messages(ms[:n]); err != nil {
				t.Fatal(err)
			}
			ms = ms[n:]
		}
		if err := st.EndChat(); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.finish(); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("status %d, headers %v", rec.Code, rec.Header())
	}
	return rec.Body.Bytes()
}

// toChatRow is a session as the wire types hold it, for comparing with
// what the stream writes.
func toChatRow(c core.Chat) chatRow {
	row := chatRow{SessionID: c.Session.ID, ID: c.Session.ID, Title: c.Session.Title,
		CreatedAt: wireTime(c.Session.CreatedAt), UpdatedAt: wireTime(c.Session.UpdatedAt), Chats: make([]chatMessageRow, 0, len(c.Messages))}
	for _, m := range c.Messages {
		row.Chats = append(row.Chats, chatMessageRow{ID: m.ID, User: fromRole(m.Role), Message: m.Text, DateTime: wireTime(m.CreatedAt)})
	}
	return row
}

// encode is how the handlers encoded answers before they were streamed
// (httpio.JSON), with HTML escaping on or off for get-chats' inner string.
func encode(t *testing.T, v any, escapeHTML bool) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// TestChatStreamWire: a streamed answer is, byte for byte, the wire types
// encoded whole without HTML escaping; and it decodes to exactly what the
// handlers answered before streaming (which escaped <, > and & inside
// get-chats' string).
func TestChatStreamWire(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(8, 3))
	for i := range 500 {
		chats := randomChats(r)
		rows := make([]chatRow, 0, len(chats))
		for _, c := range chats {
			rows = append(rows, toChatRow(c))
		}
		payload := chatsPayload{Chats: rows, Buttons: []any{}}

		got := stream(t, r, true, chats)
		want := encode(t, envelope{Response: string(encode(t, payload, false)), Status: 200}, false)
		if !bytes.Equal(got, want) {
			t.Fatalf("case %d: get-chats streamed\n%q\nwant\n%q", i, got, want)
		}
		old := encode(t, envelope{Response: string(encode(t, payload, true)), Status: 200}, false)
		var gotEnv, oldEnv struct {
			Response string
			Status   int
		}
		if err := json.Unmarshal(got, &gotEnv); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		json.Unmarshal(old, &oldEnv)
		var gotV, oldV any
		if err := json.Unmarshal([]byte(gotEnv.Response), &gotV); err != nil {
			t.Fatalf("case %d: the response string is not JSON: %v", i, err)
		}
		json.Unmarshal([]byte(oldEnv.Response), &oldV)
		if !reflect.DeepEqual(gotV, oldV) || gotEnv.Status != 200 {
			t.Fatalf("case %d: get-chats decodes to\n%v\nbefore streaming it was\n%v", i, gotV, oldV)
		}

		if len(chats) > 0 {
			got := stream(t, r, false, chats[:1])
			want := encode(t, envelope{Response: rows[0], Status: 200}, false)
			if !bytes.Equal(got, want) {
				t.Fatalf("case %d: get-chat-session streamed\n%q\nwant\n%q", i, got, want)
			}
		}
	}
}

// TestListStreamWire: get-user-logs streamed, in pages of any size, is byte
// for byte what encoding its rows whole gave.
func TestListStreamWire(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 7))
	at := time.Date(2026, 11, 22, 10, 57, 25, 0, time.UTC)
	for i := range 300 {
		var ls []*gatehouse.PromptLog
		for j := range r.IntN(7) {
			ls = append(ls, &gatehouse.PromptLog{ID: int64(j + 1), UserID: 3, SessionID: randomText(r, 3), At: at, Prompt: randomText(r, 30),
				Completion: randomText(r, 30), Model: randomText(r, 4), PromptTokens: j, CompletionTokens: 2 * j, TotalTokens: 3 * j, IP: "192.0.2.1"})
		}
		rec := httptest.NewRecorder()
		st := newListStream(rec)
		for rest := ls; len(rest) > 0; {
			n := 1 + r.IntN(len(rest))
			for _, row := range toPromptLogRows(rest[:n]) {
				st.item(row)
			}
			rest = rest[n:]
		}
		if err := st.finish(); err != nil {
			t.Fatal(err)
		}
		want := encode(t, envelope{Response: toPromptLogRows(ls), Status: 200}, false)
		if got := rec.Body.Bytes(); !bytes.Equal(got, want) || rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("case %d: streamed %d\n%q\nwant\n%q", i, rec.Code, got, want)
		}
	}
}

// TestEndStream: a listing that fails before writing anything answers the
// error in the envelope; one that fails after the answer began cuts the
// connection (http.ErrAbortHandler), so that a client never takes a
// truncated listing for a whole one.
func TestEndStream(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.DiscardHandler)
	req := httptest.NewRequest(http.MethodPost, "/user/get-chats", nil)
	fail := gatehouse.Err(gatehouse.ReasonDatabaseDown)

	rec := httptest.NewRecorder()
	st := newChatStream(rec, true)
	endStream(rec, req, log, &st.jsonStream, fail, st.finish)
	if rec.Code != http.StatusServiceUnavailable || rec.Body.String() != `{"response":"The database is unavailable.","status":503}` {
		t.Errorf("failure before the answer: %d %s", rec.Code, rec.Body)
	}

	rec = httptest.NewRecorder()
	st = newChatStream(rec, true)
	st.StartChat(&gatehouse.ChatSession{ID: "x"})
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("failure mid-answer: recovered %v, want http.ErrAbortHandler", v)
		}
	}()
	endStream(rec, req, log, &st.jsonStream, fail, st.finish)
	t.Errorf("failure mid-answer returned normally")
}
