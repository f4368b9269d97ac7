package httpserver_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	createChatPath = "/user/create-chat-session"
	appendChatPath = "/user/append-chat"
	getChatsPath   = "/user/get-chats"
	getChatPath    = "/user/get-chat-session"
	deleteChatPath = "/user/delete-chat-session"
)

// uuidRE is the canonical form of a session id.
var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// chatMsg is one message of a session on the wire.
type chatMsg struct {
	ID       int64  `json:"id"`
	User     string `json:"user"`
	Message  string `json:"message"`
	DateTime string `json:"date_time"`
}

// chatSess is a session as get-chats and get-chat-session list it.
type chatSess struct {
	SessionID string    `json:"session_id"`
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	CreatedAt string    `json:"created_at"`
	UpdatedAt string    `json:"updated_at"`
	Chats     []chatMsg `json:"chats"`
}

// sessionAnswer answers create-chat-session and append-chat.
type sessionAnswer struct {
	SessionID string `json:"session_id"`
	Title     string `json:"title"`
}

func texts(ms []chatMsg) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Message
	}
	return out
}

func speakers(ms []chatMsg) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.User
	}
	return out
}

// createChat creates a session (body may be empty: no body at all) and
// returns its id.
func (e *env) createChat(t *testing.T, cred, body string) string {
	t.Helper()
	r := e.call(t, http.MethodPost, createChatPath, withToken(cred), body)
	if r.status != http.StatusOK {
		t.Fatalf("create-chat-session: %s", r)
	}
	var a sessionAnswer
	envelopeOf(t, r, &a)
	if !uuidRE.MatchString(a.SessionID) {
		t.Fatalf("create-chat-session: session_id %q is not a UUID: %s", a.SessionID, r)
	}
	return a.SessionID
}

// appendChat appends with body, which must succeed.
func (e *env) appendChat(t *testing.T, cred, body string) sessionAnswer {
	t.Helper()
	r := e.call(t, http.MethodPost, appendChatPath, withToken(cred), body)
	if r.status != http.StatusOK {
		t.Fatalf("append-chat %s: %s", body, r)
	}
	var a sessionAnswer
	envelopeOf(t, r, &a)
	if !uuidRE.MatchString(a.SessionID) {
		t.Fatalf("append-chat: session_id %q is not a UUID: %s", a.SessionID, r)
	}
	return a
}

// chatsJSON is get-chats' "response": a JSON string.
func (e *env) chatsJSON(t *testing.T, cred string) string {
	t.Helper()
	r := e.call(t, http.MethodPost, getChatsPath, withToken(cred), `{}`)
	if r.status != http.StatusOK {
		t.Fatalf("get-chats: %s", r)
	}
	var s string
	envelopeOf(t, r, &s)
	return s
}

// parseChats decodes get-chats' JSON string: exactly {"chats": [...],
// "buttons": []}.
func parseChats(t *testing.T, s string) []chatSess {
	t.Helper()
	var keys map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &keys); err != nil {
		t.Fatalf("get-chats response %q is not a JSON object string: %v", s, err)
	}
	if len(keys) != 2 || string(keys["buttons"]) != "[]" || keys["chats"] == nil || string(keys["chats"]) == "null" {
		t.Fatalf("get-chats response %s: want exactly {\"chats\": [...], \"buttons\": []}", s)
	}
	var out struct {
		Chats []chatSess `json:"chats"`
	}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Fatalf("decode get-chats: %v: %s", err, s)
	}
	for _, c := range out.Chats {
		if c.Chats == nil {
			t.Errorf("session %s lists chats as null, want []", c.SessionID)
		}
	}
	return out.Chats
}

// chats lists cred's sessions through get-chats.
func (e *env) chats(t *testing.T, cred string) []chatSess {
	t.Helper()
	return parseChats(t, e.chatsJSON(t, cred))
}

func findChat(cs []chatSess, id string) (chatSess, bool) {
	for _, c := range cs {
		if c.SessionID == id {
			return c, true
		}
	}
	return chatSess{}, false
}

// chatSession is get-chat-session of id, which must succeed.
func (e *env) chatSession(t *testing.T, cred, id string) chatSess {
	t.Helper()
	r := e.call(t, http.MethodPost, getChatPath, withToken(cred), mustJSON(t, map[string]string{"session_id": id}))
	if r.status != http.StatusOK {
		t.Fatalf("get-chat-session %s: %s", id, r)
	}
	var c chatSess
	envelopeOf(t, r, &c)
	if c.SessionID != id || c.ID != id || c.Chats == nil {
		t.Fatalf("get-chat-session %s: bad answer %s", id, r)
	}
	return c
}

// checkWireTime asserts the RFC 1123 GMT form Ask Sage uses.
func checkWireTime(t *testing.T, what, s string) {
	t.Helper()
	at, err := time.Parse("Mon, 02 Jan 2006 15:04:05 GMT", s)
	if err != nil {
		t.Errorf("%s %q is not RFC 1123 GMT: %v", what, s, err)
		return
	}
	if d := time.Since(at); d < -time.Minute || d > time.Hour {
		t.Errorf("%s %q is not about now", what, s)
	}
}

// TestChatLifecycle: create (no body, title, chat_title), append in both
// published shapes, list (the JSON string), get, delete.
func TestChatLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.newUser(t)

	if cs := e.chats(t, u.token); len(cs) != 0 {
		t.Fatalf("a new user has sessions: %+v", cs)
	}

	// create-chat-session takes no body (UOAS), or a title.
	empty := e.createChat(t, u.token, "")
	titled := e.createChat(t, u.token, `{"title": "Planning"}`)
	clientTitled := e.createChat(t, u.token, `{"chat_title": "Other"}`)
	if len(slices.Compact([]string{empty, titled, clientTitled})) != 3 {
		t.Fatalf("session ids repeat: %s %s %s", empty, titled, clientTitled)
	}
	cs := e.chats(t, u.token)
	if len(cs) != 3 {
		t.Fatalf("get-chats lists %d sessions, want 3: %+v", len(cs), cs)
	}
	for id, title := range map[string]string{empty: "New Chat", titled: "Planning", clientTitled: "Other"} {
		c, ok := findChat(cs, id)
		if !ok || c.Title != title || len(c.Chats) != 0 {
			t.Errorf("session %s = %+v (found %v), want title %q and no messages", id, c, ok, title)
		}
		checkWireTime(t, "created_at", c.CreatedAt)
	}

	// The OpenAPI shape: one message from "me" into a session.
	a := e.appendChat(t, u.token, mustJSON(t, map[string]string{"session_id": empty, "message": "hello there"}))
	if a.SessionID != empty {
		t.Errorf("append-chat answered session %s, want %s", a.SessionID, empty)
	}
	e.appendChat(t, u.token, mustJSON(t, map[string]string{"session_id": empty, "message": "second line"}))
	c := e.chatSession(t, u.token, empty)
	if got := texts(c.Chats); !slices.Equal(got, []string{"hello there", "second line"}) {
		t.Errorf("messages %q", got)
	}
	if got := speakers(c.Chats); !slices.Equal(got, []string{"me", "me"}) {
		t.Errorf("speakers %q", got)
	}
	if c.Chats[0].ID >= c.Chats[1].ID {
		t.Errorf("message ids not increasing: %+v", c.Chats)
	}
	checkWireTime(t, "date_time", c.Chats[0].DateTime)

	// The Python client's shape: a titled new session from a message list.
	py := e.appendChat(t, u.token, `{"chats": {"chats": [{"user": "me", "message": "Hello"}, {"user": "gpt", "message": "Hi"}]}, "chat_title": "Greeting"}`)
	if py.SessionID == empty || py.SessionID == titled || py.Title != "Greeting" {
		t.Errorf("python-shape append answered %+v; want a new session titled Greeting", py)
	}
	c = e.chatSession(t, u.token, py.SessionID)
	if got := texts(c.Chats); !slices.Equal(got, []string{"Hello", "Hi"}) || !slices.Equal(speakers(c.Chats), []string{"me", "gpt"}) || c.Title != "Greeting" {
		t.Errorf("python-shape session = %+v", c)
	}
	// The Python shape with a session_id appends to that session.
	e.appendChat(t, u.token, mustJSON(t, map[string]any{"session_id": titled, "chats": map[string]any{"chats": []map[string]string{{"user": "me", "message": "q"}, {"user": "gpt", "message": "a"}}}}))
	if c := e.chatSession(t, u.token, titled); !slices.Equal(texts(c.Chats), []string{"q", "a"}) || c.Title != "Planning" {
		t.Errorf("python shape into a session = %+v", c)
	}
	// chats as a bare array; no title: one is made from the first message.
	bare := e.appendChat(t, u.token, `{"chats": [{"user": "me", "message": "What is a dataset?"}]}`)
	if bare.Title != "What is a dataset?" {
		t.Errorf("derived title %q", bare.Title)
	}

	// A long first message makes a title of its first 60 characters, with
	// runs of white space folded.
	longFirst := "Tell me   about\tthe history of " + strings.Repeat("é", 80)
	lt := e.appendChat(t, u.token, mustJSON(t, map[string]any{"chats": []map[string]string{{"user": "me", "message": longFirst}}}))
	if want := "Tell me about the history of " + strings.Repeat("é", 31) + "…"; lt.Title != want {
		t.Errorf("derived long title %q, want %q", lt.Title, want)
	}
	wantStatus(t, "delete the long-title session", e.call(t, http.MethodPost, deleteChatPath, withToken(u.token), mustJSON(t, map[string]string{"session_id": lt.SessionID})), 200)

	// get-chats lists all five with their messages.
	cs = e.chats(t, u.token)
	if len(cs) != 5 {
		t.Errorf("get-chats lists %d sessions, want 5", len(cs))
	}
	if c, _ := findChat(cs, empty); !slices.Equal(texts(c.Chats), []string{"hello there", "second line"}) {
		t.Errorf("get-chats session %s = %+v", empty, c)
	}
	if c, _ := findChat(cs, py.SessionID); !slices.Equal(texts(c.Chats), []string{"Hello", "Hi"}) {
		t.Errorf("get-chats session %s = %+v", py.SessionID, c)
	}

	// delete-chat-session.
	e.run(t, []scenario{
		{name: "delete", path: deleteChatPath, headers: withToken(u.token), body: mustJSON(t, map[string]string{"session_id": titled}),
			wantStatus: 200, want: []string{`"response":"OK"`}},
		{name: "get deleted", path: getChatPath, headers: withToken(u.token), body: mustJSON(t, map[string]string{"session_id": titled}), wantStatus: 404},
		{name: "delete again", path: deleteChatPath, headers: withToken(u.token), body: mustJSON(t, map[string]string{"session_id": titled}), wantStatus: 404},
		{name: "append to deleted", path: appendChatPath, headers: withToken(u.token), body: mustJSON(t, map[string]string{"session_id": titled, "message": "x"}), wantStatus: 404},
	})
	cs = e.chats(t, u.token)
	if _, ok := findChat(cs, titled); ok || len(cs) != 4 {
		t.Errorf("after delete get-chats lists %d sessions (deleted one listed: %v)", len(cs), ok)
	}
}

// TestChatBadInput: wrong speakers, empty lists, long titles and missing ids
// are 400; ids that are not UUIDs, unknown, or another user's are 404 with
// one identical body; nothing is changed by a refused request.
func TestChatBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, b := e.newUser(t), e.newUser(t)
	mine := e.createChat(t, a.token, `{"title": "mine"}`)
	e.appendChat(t, a.token, mustJSON(t, map[string]string{"session_id": mine, "message": "original"}))
	theirs := e.createChat(t, b.token, `{"title": "theirs"}`)
	e.appendChat(t, b.token, mustJSON(t, map[string]string{"session_id": theirs, "message": "b's words"}))
	before := e.chatsJSON(t, a.token)
	beforeB := e.chatsJSON(t, b.token)

	h := withToken(a.token)
	bad := func(name, path, body string, status int) scenario {
		return scenario{name: name, path: path, headers: h, body: body, wantStatus: status,
			want: []string{`"status":` + strconv.Itoa(status)}, notWant: []string{"b's words", b.email, "theirs"}}
	}
	random := "7a0c3d8e-1f2b-4c5d-9e8f-0a1b2c3d4e5f"
	long := strings.Repeat("t", 201)
	scs := []scenario{
		bad("append: bad speaker (python shape)", appendChatPath, `{"chat_title": "x", "chats": {"chats": [{"user": "bot", "message": "hi"}]}}`, 400),
		bad("append: bad speaker into a session", appendChatPath, mustJSON(t, map[string]any{"session_id": mine, "chats": []map[string]string{{"user": "me", "message": "ok"}, {"user": "system", "message": "sneak"}}}), 400),
		bad("append: empty speaker", appendChatPath, `{"chats": {"chats": [{"message": "hi"}]}}`, 400),
		bad("append: empty list", appendChatPath, `{"chat_title": "x", "chats": {"chats": []}}`, 400),
		bad("append: empty bare list", appendChatPath, `{"chats": []}`, 400),
		bad("append: nothing", appendChatPath, `{}`, 400),
		bad("append: session only", appendChatPath, mustJSON(t, map[string]string{"session_id": mine}), 400),
		bad("append: chats a string", appendChatPath, `{"chats": "hello"}`, 400),
		bad("append: inner chats a string", appendChatPath, `{"chats": {"chats": "hello"}}`, 400),
		bad("append: message a number", appendChatPath, mustJSON(t, map[string]any{"session_id": mine, "message": 5}), 400),
		bad("append: session_id a number", appendChatPath, `{"session_id": 5, "message": "x"}`, 400),
		bad("append: item message a number", appendChatPath, `{"chats": {"chats": [{"user": "me", "message": 5}]}}`, 400),
		bad("append: title too long", appendChatPath, mustJSON(t, map[string]any{"chat_title": long, "chats": []map[string]string{{"user": "me", "message": "x"}}}), 400),
		bad("create: title too long", createChatPath, mustJSON(t, map[string]string{"title": long}), 400),
		bad("create: title a number", createChatPath, `{"title": 5}`, 400),
		bad("get: no session_id", getChatPath, `{}`, 400),
		bad("get: empty session_id", getChatPath, `{"session_id": ""}`, 400),
		bad("get: session_id a number", getChatPath, `{"session_id": 5}`, 400),
		bad("get: session_id an array", getChatPath, `{"session_id": ["x"]}`, 400),
		bad("delete: no session_id", deleteChatPath, `{}`, 400),
		bad("delete: session_id a number", deleteChatPath, `{"session_id": 5}`, 400),
		bad("get-chats: malformed", getChatsPath, `{"response": `, 400),
		bad("append: message over 256 KiB", appendChatPath, mustJSON(t, map[string]string{"session_id": mine, "message": strings.Repeat("m", 256<<10+1)}), 413),
		bad("append: over 1000 messages", appendChatPath, mustJSON(t, map[string]any{"session_id": mine, "chats": slices.Repeat([]map[string]string{{"user": "me", "message": "m"}}, 1001)}), 400),
	}
	e.run(t, scs)

	// Not a UUID, unknown, another user's: one 404, byte for byte.
	bodyFor := func(path, id string) string {
		if path == appendChatPath {
			return mustJSON(t, map[string]string{"session_id": id, "message": "intruder"})
		}
		return mustJSON(t, map[string]string{"session_id": id})
	}
	for _, path := range []string{getChatPath, deleteChatPath, appendChatPath} {
		var bodies [][]byte
		for _, id := range []string{"your_session_id", "not-a-uuid", random, strings.ToUpper(random), theirs, "{" + theirs + "}", theirs + " "} {
			r := e.call(t, http.MethodPost, path, h, bodyFor(path, id))
			if r.status != http.StatusNotFound {
				t.Errorf("%s %q: %s, want 404", path, id, r)
			}
			if strings.Contains(string(r.body), "b's words") || strings.Contains(string(r.body), theirs) {
				t.Errorf("%s %q: body reveals the other session: %s", path, id, r)
			}
			bodies = append(bodies, r.body)
		}
		for i := 1; i < len(bodies); i++ {
			if string(bodies[i]) != string(bodies[0]) {
				t.Errorf("%s: 404 bodies differ: %s vs %s", path, bodies[0], bodies[i])
			}
		}
	}

	if after := e.chatsJSON(t, a.token); after != before {
		t.Errorf("refused requests changed A's chats:\nbefore %s\nafter  %s", before, after)
	}
	if after := e.chatsJSON(t, b.token); after != beforeB {
		t.Errorf("A's requests changed B's chats:\nbefore %s\nafter  %s", beforeB, after)
	}
}

// TestQueryChats: every /server/query shows in get-chats. No session_id
// starts a session; a session_id continues it, and the model receives the
// session's history when message is a plain string; a history array is
// forwarded as given.
func TestQueryChats(t *testing.T) {
	t.Parallel()
	e, up := newEnvWithUpstream(t)
	u := e.newUser(t)

	q1 := e.query(t, u.token, `{"message": "What is Ask Sage?"}`)
	if !uuidRE.MatchString(q1.SessionID) {
		t.Fatalf("query session_id %q is not a UUID", q1.SessionID)
	}
	cs := e.chats(t, u.token)
	c, ok := findChat(cs, q1.SessionID)
	if !ok || len(cs) != 1 {
		t.Fatalf("get-chats after a query = %+v, want the query's session", cs)
	}
	if !slices.Equal(texts(c.Chats), []string{"What is Ask Sage?", "echo: What is Ask Sage?"}) || !slices.Equal(speakers(c.Chats), []string{"me", "gpt"}) {
		t.Errorf("query session = %+v", c)
	}
	if c.Title != "What is Ask Sage?" {
		t.Errorf("query session title %q", c.Title)
	}

	// Continue it: the model sees the stored history first.
	q2 := e.query(t, u.token, mustJSON(t, map[string]string{"message": "And who runs it?", "session_id": q1.SessionID}))
	if q2.SessionID != q1.SessionID {
		t.Errorf("continued query answered session %s, want %s", q2.SessionID, q1.SessionID)
	}
	got := up.lastChat(t).Messages
	want := []upstreamMessage{{"user", "What is Ask Sage?"}, {"assistant", "echo: What is Ask Sage?"}, {"user", "And who runs it?"}}
	if !slices.Equal(got, want) {
		t.Errorf("the model received %+v, want %+v", got, want)
	}
	c = e.chatSession(t, u.token, q1.SessionID)
	if !slices.Equal(texts(c.Chats), []string{"What is Ask Sage?", "echo: What is Ask Sage?", "And who runs it?", "echo: And who runs it?"}) {
		t.Errorf("session after two queries = %q", texts(c.Chats))
	}

	// A system prompt goes first, and is never stored.
	e.query(t, u.token, mustJSON(t, map[string]string{"message": "third", "session_id": q1.SessionID, "system_prompt": "Be brief."}))
	got = up.lastChat(t).Messages
	if len(got) != 6 || got[0] != (upstreamMessage{"system", "Be brief."}) || got[5] != (upstreamMessage{"user", "third"}) {
		t.Errorf("with a system prompt the model received %+v", got)
	}

	// A history array is forwarded as given; only its last prompt and the
	// answer are stored.
	hist := `{"message": [{"user": "me", "message": "Name a colour."}, {"user": "gpt", "message": "Blue."}, {"user": "me", "message": "Another?"}]}`
	q3 := e.query(t, u.token, hist)
	if q3.SessionID == q1.SessionID {
		t.Errorf("a query without session_id continued an old session")
	}
	got = up.lastChat(t).Messages
	want = []upstreamMessage{{"user", "Name a colour."}, {"assistant", "Blue."}, {"user", "Another?"}}
	if !slices.Equal(got, want) {
		t.Errorf("history: the model received %+v, want %+v", got, want)
	}
	if q3.Message != "echo: Another?" {
		t.Errorf("history answer %q", q3.Message)
	}
	c = e.chatSession(t, u.token, q3.SessionID)
	if !slices.Equal(texts(c.Chats), []string{"Another?", "echo: Another?"}) {
		t.Errorf("history session = %q", texts(c.Chats))
	}
	// A history into an existing session is forwarded as given (no replay).
	e.query(t, u.token, mustJSON(t, map[string]any{"session_id": q3.SessionID, "message": []map[string]string{{"user": "me", "message": "x"}, {"user": "gpt", "message": "y"}, {"user": "me", "message": "z"}}}))
	if got := up.lastChat(t).Messages; len(got) != 3 {
		t.Errorf("history into a session: the model received %+v, want only the given 3", got)
	}

	// A session made by create-chat-session or append-chat takes queries.
	sid := e.createChat(t, u.token, "")
	e.appendChat(t, u.token, mustJSON(t, map[string]string{"session_id": sid, "message": "context line"}))
	e.query(t, u.token, mustJSON(t, map[string]string{"message": "go on", "session_id": sid}))
	if got := up.lastChat(t).Messages; len(got) != 2 || got[0].Content != "context line" {
		t.Errorf("query into an appended session: the model received %+v", got)
	}

	n := up.count()
	e.run(t, []scenario{
		{name: "bad speaker in history", path: "/server/query", headers: withToken(u.token),
			body: `{"message": [{"user": "bot", "message": "hi"}]}`, wantStatus: 400},
		{name: "history ending with gpt", path: "/server/query", headers: withToken(u.token),
			body: `{"message": [{"user": "me", "message": "hi"}, {"user": "gpt", "message": "hello"}]}`, wantStatus: 400},
		{name: "empty history", path: "/server/query", headers: withToken(u.token), body: `{"message": []}`, wantStatus: 400},
		{name: "blank message", path: "/server/query", headers: withToken(u.token), body: `{"message": "   "}`, wantStatus: 400},
		{name: "no message", path: "/server/query", headers: withToken(u.token), body: `{"model": "stand-in-small"}`, wantStatus: 400},
		{name: "session not a UUID", path: "/server/query", headers: withToken(u.token), body: `{"message": "hi", "session_id": "your_session_id"}`, wantStatus: 404},
		{name: "unknown session", path: "/server/query", headers: withToken(u.token), body: `{"message": "hi", "session_id": "7a0c3d8e-1f2b-4c5d-9e8f-0a1b2c3d4e5f"}`, wantStatus: 404},
	})
	if up.count() != n {
		t.Errorf("refused queries reached the model server (%d calls)", up.count()-n)
	}
	// Sessions: q1's, q3's, and the created one.
	if cs := e.chats(t, u.token); len(cs) != 3 {
		t.Errorf("get-chats lists %d sessions, want 3", len(cs))
	}
}

// TestChatConcurrent: queries and appends racing into one session all
// succeed, none is lost, and each query's prompt and answer stay adjacent.
func TestChatConcurrent(t *testing.T) {
	t.Parallel()
	e, _ := newEnvWithUpstream(t)
	u := e.newUser(t)
	sid := e.createChat(t, u.token, "")
	const workers, each = 8, 3
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				q := mustJSON(t, map[string]string{"message": fmt.Sprintf("q-%d-%d", w, i), "session_id": sid})
				r, err := e.tryDo(t, http.MethodPost, queryPath, withToken(u.token), []byte(q))
				if err != nil || r.status != http.StatusOK {
					t.Errorf("query %d/%d: %v %s", w, i, err, r)
				}
				a := mustJSON(t, map[string]string{"message": fmt.Sprintf("a-%d-%d", w, i), "session_id": sid})
				r, err = e.tryDo(t, http.MethodPost, appendChatPath, withToken(u.token), []byte(a))
				if err != nil || r.status != http.StatusOK {
					t.Errorf("append %d/%d: %v %s", w, i, err, r)
				}
			}
		}()
	}
	wg.Wait()
	c := e.chatSession(t, u.token, sid)
	if len(c.Chats) != workers*each*3 {
		t.Errorf("session holds %d messages, want %d", len(c.Chats), workers*each*3)
	}
	for i, m := range c.Chats {
		if strings.HasPrefix(m.Message, "q-") && (i+1 >= len(c.Chats) || c.Chats[i+1].Message != "echo: "+m.Message) {
			t.Errorf("query %q is not followed by its answer", m.Message)
		}
	}
	if logs := e.promptLogs(t, u.token, ""); len(logs) != workers*each {
		t.Errorf("%d prompt-log rows, want %d", len(logs), workers*each)
	}
}
