package httpserver_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/core"
)

// Chat quotas (docs/security.md 23c): per message, per session, per account.

// withChatLimits is a core option: the chat quotas.
func withChatLimits(l core.ChatLimits) func(*core.Options) {
	return func(o *core.Options) { o.Chats = l }
}

// Sizes as the quotas count them (README): text as JSON, plus the
// bookkeeping of each message and session.
func msgCost(text string) int64 { return jsonLen(text) + core.ChatMessageOverhead }
func sessCost(title string) int64 {
	return jsonLen(title) + core.ChatSessionOverhead
}

// jsonLen is the length of s as a JSON string without its quotes, as
// encoding/json writes it without HTML escaping.
func jsonLen(s string) int64 {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return int64(b.Len() - 3) // the quotes and the newline
}

// appendStatus appends body and returns the answer, whatever its status.
func (e *env) appendStatus(t *testing.T, cred, body string) result {
	t.Helper()
	return e.call(t, http.MethodPost, appendChatPath, withToken(cred), body)
}

// wantRefusal asserts a refusal in the envelope, with a message that
// contains each of words.
func wantRefusal(t *testing.T, what string, r result, status int, words ...string) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: %s, want %d", what, r, status)
		return
	}
	var msg string
	envelopeOf(t, r, &msg)
	for _, w := range words {
		if !strings.Contains(msg, w) {
			t.Errorf("%s: message %q does not say %q", what, msg, w)
		}
	}
}

// usage is what the quotas count for cred's chats, from get-chats.
func usage(cs []chatSess) int64 {
	var n int64
	for _, c := range cs {
		n += sessCost(c.Title)
		for _, m := range c.Chats {
			n += msgCost(m.Message)
		}
	}
	return n
}

// TestChatQuotas: a message over its quota is 413; a session or an account
// that a write would take over its quota is 409; each in the envelope, with
// a message naming the quota, and nothing of a refused write is stored.
func TestChatQuotas(t *testing.T) {
	t.Parallel()
	lim := core.ChatLimits{MaxMessage: 1000, MaxSession: 4000, MaxAccount: 10000}
	e := newEnv(t, withChatLimits(lim))
	msg := func(sid, text string) string {
		return mustJSON(t, map[string]string{"session_id": sid, "message": text})
	}
	batch := func(sid string, texts ...string) string {
		items := []map[string]string{}
		for _, s := range texts {
			items = append(items, map[string]string{"user": "me", "message": s})
		}
		b := map[string]any{"chats": map[string]any{"chats": items}}
		if sid != "" {
			b["session_id"] = sid
		}
		return mustJSON(t, b)
	}

	t.Run("message", func(t *testing.T) {
		t.Parallel()
		u := e.newUser(t)
		sid := e.createChat(t, u.token, `{"title": "t"}`)
		for _, tc := range []struct {
			name, text string
			status     int
		}{
			{"at the quota", strings.Repeat("m", 1000), 200},
			{"one byte over", strings.Repeat("m", 1001), 413},
			{"two-byte characters at the quota", strings.Repeat("é", 500), 200},
			{"two-byte characters over", strings.Repeat("é", 501), 413},
			{"escaped characters count as JSON: at the quota", strings.Repeat(`"`, 500), 200},
			{"escaped characters count as JSON: over", strings.Repeat(`\`, 501), 413},
			{"control characters count six", strings.Repeat("\x01", 167), 413},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := e.chatSession(t, u.token, sid)
				r := e.appendStatus(t, u.token, msg(sid, tc.text))
				if tc.status != 200 {
					wantRefusal(t, "append", r, tc.status, "1000 bytes")
					if after := e.chatSession(t, u.token, sid); len(after.Chats) != len(before.Chats) {
						t.Errorf("a refused message was stored")
					}
					return
				}
				wantStatus(t, "append", r, 200)
				if after := e.chatSession(t, u.token, sid); len(after.Chats) != len(before.Chats)+1 || after.Chats[len(after.Chats)-1].Message != tc.text {
					t.Errorf("message not stored as sent")
				}
				// A new session, so the session quota stays out of the way.
				sid = e.createChat(t, u.token, `{"title": "t"}`)
			})
		}
		// A refused message in a batch refuses the batch, and a query
		// prompt over the quota is refused the same way.
		r := e.appendStatus(t, u.token, batch(sid, "ok", strings.Repeat("m", 1001)))
		wantRefusal(t, "batch with one message over the quota", r, 413)
		if c := e.chatSession(t, u.token, sid); len(c.Chats) != 0 {
			t.Errorf("part of a refused batch was stored: %+v", c.Chats)
		}
	})

	t.Run("session", func(t *testing.T) {
		t.Parallel()
		u := e.newUser(t)
		sid := e.createChat(t, u.token, `{"title": "t"}`)
		k1 := strings.Repeat("k", 1000)
		used := sessCost("t")
		for range 3 {
			e.appendChat(t, u.token, msg(sid, k1))
			used += msgCost(k1)
		}
		// 257 + 3×1128 = 3641: one more 1000-byte message would be 4769.
		before := e.chatSession(t, u.token, sid)
		wantRefusal(t, "a message the session has no room for", e.appendStatus(t, u.token, msg(sid, k1)), 409, "session is full", "4000 bytes")
		// Exactly up to the quota is fine, one byte more is not.
		fill := strings.Repeat("f", int(lim.MaxSession-used-core.ChatMessageOverhead))
		wantRefusal(t, "one byte more than the room left", e.appendStatus(t, u.token, msg(sid, fill+"f")), 409, "session is full")
		e.appendChat(t, u.token, msg(sid, fill))
		wantRefusal(t, "an empty message in a full session", e.appendStatus(t, u.token, msg(sid, "")), 409, "session is full")
		after := e.chatSession(t, u.token, sid)
		if len(after.Chats) != len(before.Chats)+1 {
			t.Errorf("session holds %d messages, want %d", len(after.Chats), len(before.Chats)+1)
		}
		if got := usage([]chatSess{after}); got != lim.MaxSession {
			t.Errorf("full session counts %d, want exactly %d", got, lim.MaxSession)
		}
		// A batch that does not fit is refused whole, into a session or as
		// a new one.
		sid2 := e.createChat(t, u.token, `{"title": "t"}`)
		wantRefusal(t, "a batch over the session quota", e.appendStatus(t, u.token, batch(sid2, k1, k1, k1, k1)), 409, "session is full")
		if c := e.chatSession(t, u.token, sid2); len(c.Chats) != 0 {
			t.Errorf("part of a refused batch was stored: %d messages", len(c.Chats))
		}
		n := len(e.chats(t, u.token))
		wantRefusal(t, "a new session over the session quota", e.appendStatus(t, u.token, batch("", k1, k1, k1, k1)), 409, "session is full")
		if got := len(e.chats(t, u.token)); got != n {
			t.Errorf("a refused new session was created: %d sessions, want %d", got, n)
		}
		// Another session still takes messages.
		e.appendChat(t, u.token, msg(sid2, k1))
	})

	t.Run("account", func(t *testing.T) {
		t.Parallel()
		u := e.newUser(t)
		k1 := strings.Repeat("k", 1000)
		var sids []string
		// Two sessions of 257 + 3×1128 = 3641, a third to 257 + 2×1128:
		// 9795 of 10000.
		for i := range 3 {
			sid := e.createChat(t, u.token, `{"title": "t"}`)
			sids = append(sids, sid)
			for range 3 - i/2 {
				e.appendChat(t, u.token, msg(sid, k1))
			}
		}
		if got := usage(e.chats(t, u.token)); got != 9795 {
			t.Fatalf("usage %d, want 9795", got)
		}
		before := e.chatsJSON(t, u.token)
		wantRefusal(t, "a message the account has no room for", e.appendStatus(t, u.token, msg(sids[2], k1)), 409, "chat storage is full", "10000 bytes")
		wantRefusal(t, "a new session the account has no room for", e.appendStatus(t, u.token, batch("", k1)), 409, "chat storage is full")
		fill := strings.Repeat("f", 10000-9795-core.ChatMessageOverhead)
		e.appendChat(t, u.token, msg(sids[2], fill))
		wantRefusal(t, "create-chat-session in a full account", e.call(t, http.MethodPost, createChatPath, withToken(u.token), `{"title": "t"}`), 409, "chat storage is full")
		wantRefusal(t, "an empty message in a full account", e.appendStatus(t, u.token, msg(sids[0], "")), 409)
		if got := usage(e.chats(t, u.token)); got != lim.MaxAccount {
			t.Errorf("full account counts %d, want exactly %d", got, lim.MaxAccount)
		}
		if after := e.chatsJSON(t, u.token); len(after) <= len(before) {
			t.Errorf("the fill message did not show")
		}
		// Another account is not affected, and deleting makes room.
		other := e.newUser(t)
		e.appendChat(t, other.token, batch("", k1))
		wantStatus(t, "delete", e.call(t, http.MethodPost, deleteChatPath, withToken(u.token), mustJSON(t, map[string]string{"session_id": sids[0]})), 200)
		e.appendChat(t, u.token, batch("", k1, k1))
	})

	t.Run("racing writers never overshoot", func(t *testing.T) {
		t.Parallel()
		u := e.newUser(t)
		k1 := strings.Repeat("r", 1000)
		// Each call makes a session titled from its message: 63 + 256 +
		// 1128 = 1447; six fit in 10000, a seventh does not.
		const writers = 24
		var mu sync.Mutex
		statuses := map[int]int{}
		var wg sync.WaitGroup
		for range writers {
			wg.Go(func() {
				r, err := e.tryDo(t, http.MethodPost, appendChatPath, withToken(u.token), []byte(batch("", k1)))
				if err != nil {
					t.Errorf("append: %v", err)
					return
				}
				mu.Lock()
				statuses[r.status]++
				mu.Unlock()
			})
		}
		wg.Wait()
		cs := e.chats(t, u.token)
		if statuses[200] != 6 || statuses[409] != writers-6 || len(cs) != 6 {
			t.Errorf("statuses %v and %d sessions; want 6 accepted and %d refused", statuses, len(cs), writers-6)
		}
		if got := usage(cs); got > lim.MaxAccount {
			t.Errorf("racing writers took the account to %d, over %d", got, lim.MaxAccount)
		}
	})
}

// TestChatQuotasQuery: /server/query stores its prompt and answer under
// the same quotas. A prompt with no room is refused before the model is
// called; an answer is stored cut to the room left (the client still gets
// it whole).
func TestChatQuotasQuery(t *testing.T) {
	t.Parallel()
	up := newUpstream(t)
	lim := core.ChatLimits{MaxMessage: 1000, MaxSession: 4000, MaxAccount: 10000}
	e := newEnv(t, withModels(up.client(10*time.Second)), withChatLimits(lim))
	// An answer over the message quota is kept cut to it, in the chat and
	// in the prompt log (the client gets it whole).
	w := e.newUser(t)
	long := strings.Repeat("w", 1000)
	qw := e.query(t, w.token, mustJSON(t, map[string]string{"message": long}))
	if qw.Message != "echo: "+long {
		t.Errorf("the client got %d bytes of answer, want all %d", len(qw.Message), len(long)+6)
	}
	if c := e.chatSession(t, w.token, qw.SessionID); len(c.Chats) != 2 || c.Chats[1].Message != ("echo: " + long)[:1000] {
		t.Errorf("stored answer of %d bytes, want the first 1000", len(c.Chats[len(c.Chats)-1].Message))
	}
	if logs := e.promptLogs(t, w.token, ""); len(logs) != 1 || logs[0].Completion != ("echo: " + long)[:1000] || logs[0].Prompt != long {
		t.Errorf("prompt log keeps %d bytes of answer, want the first 1000", len(logs[0].Completion))
	}

	u := e.newUser(t)
	p := strings.Repeat("p", 900)
	q1 := e.query(t, u.token, mustJSON(t, map[string]string{"message": p}))
	c := e.chatSession(t, u.token, q1.SessionID)
	used := usage([]chatSess{c})
	if want := sessCost(c.Title) + msgCost(p) + msgCost("echo: "+p); used != want {
		t.Fatalf("after one query the session counts %d, want %d", used, want)
	}
	// The second exchange fits its prompt; its answer is cut to the room.
	q2 := e.queryWith(t, withToken(u.token), []byte(mustJSON(t, map[string]string{"message": p, "session_id": q1.SessionID})))
	if q2.Message != "echo: "+p {
		t.Errorf("the client got %d bytes of answer, want all %d", len(q2.Message), len("echo: "+p))
	}
	c = e.chatSession(t, u.token, q1.SessionID)
	room := lim.MaxSession - used - msgCost(p) - core.ChatMessageOverhead
	if n := len(c.Chats); n != 4 || c.Chats[3].Message != ("echo: " + p)[:room] {
		t.Fatalf("stored answer %q (of %d messages), want the first %d bytes of the answer", c.Chats[n-1].Message, n, room)
	}
	if got := usage([]chatSess{c}); got != lim.MaxSession {
		t.Errorf("session counts %d, want exactly %d", got, lim.MaxSession)
	}
	// Now the session is full: refused, and the model is not asked.
	calls := len(up.chats())
	r := e.call(t, http.MethodPost, queryPath, withToken(u.token), mustJSON(t, map[string]string{"message": "x", "session_id": q1.SessionID}))
	wantRefusal(t, "a query into a full session", r, 409, "session is full")
	// A prompt over the message quota is 413, also before the model.
	r = e.call(t, http.MethodPost, queryPath, withToken(u.token), mustJSON(t, map[string]string{"message": strings.Repeat("p", 1001)}))
	wantRefusal(t, "a prompt over the message quota", r, 413, "1000 bytes")
	if got := len(up.chats()); got != calls {
		t.Errorf("refused queries called the model %d times", got-calls)
	}
	// The prompt log keeps the answer whole (it is within the quota).
	logs := e.promptLogs(t, u.token, "")
	if len(logs) != 2 || logs[0].Completion != "echo: "+p {
		t.Errorf("prompt log %+v", logs)
	}
	// Fill the account with new sessions; the query that has no room for
	// its prompt in the account is refused before the model is called.
	for range 10 {
		r := e.call(t, http.MethodPost, queryPath, withToken(u.token), mustJSON(t, map[string]string{"message": p}))
		if r.status == http.StatusConflict {
			wantRefusal(t, "a query into a full account", r, 409, "chat storage is full")
			break
		}
		wantStatus(t, "query", r, 200)
	}
	cs := e.chats(t, u.token)
	if got := usage(cs); got > lim.MaxAccount || got < lim.MaxAccount-sessCost(titleOf(p))-2*msgCost(p) {
		t.Errorf("account counts %d after filling it, want at most %d and close to it", got, lim.MaxAccount)
	}
	if got, want := len(up.chats()), calls+len(cs)-1; got != want {
		t.Errorf("the model was called %d times for %d stored sessions", got-calls, len(cs)-1)
	}
}

// titleOf is the title a session gets from its first message.
func titleOf(text string) string {
	if r := []rune(text); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return text
}

// TestChatAnswerBound: whatever the text, get-chats answers at most twice
// and get-chat-session at most once (plus the envelope) what the quotas
// count as stored, and a full account's get-chats stays within 3× the
// account quota. The contents are those that escape most in JSON.
func TestChatAnswerBound(t *testing.T) {
	t.Parallel()
	lim := core.ChatLimits{MaxMessage: 4096, MaxSession: 32 << 10, MaxAccount: 96 << 10}
	e := newEnv(t, withChatLimits(lim))
	for _, tc := range []struct {
		name  string
		unit  string // repeated to make each message
		title string
	}{
		{"ascii", "a", "plain"},
		{"html characters", "<>&", "<b>&amp;</b>"},
		{"quotes", `"`, `""""`},
		{"backslashes", `\`, `\\\\`},
		{"newlines and tabs", "\n\t\r", "\t"},
		{"control characters", "\x01\x02\x1f", "\x07\x08"},
		{"line separators", "\u2028\u2029", "\u2028"},
		{"two-byte", "é", "é"},
		{"three-byte", "‹", "‹"},
		{"four-byte", "🙂", "🙂"},
		{"json in json", `{"a":"\"b\\"}`, `{"t":"\""}`},
		{"empty messages", "", "e"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u := e.newUser(t)
			text := strings.Repeat(tc.unit, 1000)
			if tc.unit != "" {
				text = clipJSON(text, lim.MaxMessage)
			}
			e.fillAccount(t, u.token, tc.title, text, lim)
			raw := e.call(t, http.MethodPost, getChatsPath, withToken(u.token), `{}`)
			var listing string
			envelopeOf(t, raw, &listing)
			cs := parseChats(t, listing)
			stored := usage(cs)
			var textBytes int
			for _, c := range cs {
				textBytes += len(c.Title)
				for _, m := range c.Chats {
					textBytes += len(m.Message)
				}
			}
			if stored > lim.MaxAccount || stored < lim.MaxAccount-msgCost(text)-sessCost(tc.title) {
				t.Errorf("account holds %d, want nearly full (%d)", stored, lim.MaxAccount)
			}
			defer func() {
				// And it is full: one more message is refused.
				r := e.appendStatus(t, u.token, mustJSON(t, map[string]string{"session_id": cs[len(cs)-1].SessionID, "message": text}))
				wantRefusal(t, "a message more", r, 409)
			}()
			got := int64(len(raw.body))
			t.Logf("%s: %d sessions, %d bytes of text, quotas count %d, get-chats %d bytes (%.2f× the count, %.2f× the text)",
				tc.name, len(cs), textBytes, stored, got, float64(got)/float64(stored), float64(got)/float64(max(textBytes, 1)))
			if got > 2*stored+64 || got > 3*lim.MaxAccount {
				t.Errorf("get-chats answers %d bytes for %d stored: more than twice", got, stored)
			}
			for _, c := range cs[:2] {
				r := e.call(t, http.MethodPost, getChatPath, withToken(u.token), mustJSON(t, map[string]string{"session_id": c.SessionID}))
				if n, want := int64(len(r.body)), usage([]chatSess{c}); n > want+32 {
					t.Errorf("get-chat-session answers %d bytes for %d stored", n, want)
				}
			}
		})
	}
}

// clipJSON cuts s to at most n bytes of JSON text.
func clipJSON(s string, n int64) string {
	for jsonLen(s) > n {
		r := []rune(s)
		s = string(r[:len(r)-len(r)/10-1])
	}
	return s
}

// TestChatAnswerOrder: get-chats lists sessions most recently updated
// first, each with its messages in order, also when a listing spans many
// pages (sessions of many messages, more sessions than a batch), and
// get-chat-session agrees with it.
func TestChatAnswerOrder(t *testing.T) {
	t.Parallel()
	clk := newTestClock()
	e := newEnv(t, clk.option())
	u := e.newUser(t)
	var want []chatSess // most recent first
	big := strings.Repeat("b", 200<<10)
	for i := range 70 {
		var texts []string
		switch {
		case i == 3: // a session larger than a page, streamed in pages
			texts = []string{big, big, "after " + big, big, big, big}
		case i%10 == 0: // many small messages
			for j := range 300 {
				texts = append(texts, fmt.Sprintf("s%d m%d", i, j))
			}
		case i%7 == 0: // none
		default:
			texts = []string{fmt.Sprintf("s%d q", i), fmt.Sprintf("s%d a", i)}
		}
		sid := e.createChat(t, u.token, mustJSON(t, map[string]string{"title": fmt.Sprint("chat ", i)}))
		for len(texts) > 0 {
			n := min(len(texts), 100)
			items := []map[string]string{}
			for _, s := range texts[:n] {
				items = append(items, map[string]string{"user": "me", "message": s})
			}
			e.appendChat(t, u.token, mustJSON(t, map[string]any{"session_id": sid, "chats": items}))
			texts = texts[n:]
		}
		want = append([]chatSess{e.chatSession(t, u.token, sid)}, want...)
		clk.Advance(2 * time.Millisecond) // distinct update times
	}
	got := e.chats(t, u.token)
	if len(got) != len(want) {
		t.Fatalf("get-chats lists %d sessions, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].SessionID != want[i].SessionID || got[i].Title != want[i].Title || !slices.Equal(texts(got[i].Chats), texts(want[i].Chats)) {
			t.Errorf("session %d: got %s (%d messages), want %s (%d messages)", i, got[i].Title, len(got[i].Chats), want[i].Title, len(want[i].Chats))
		}
		for j := 1; j < len(got[i].Chats); j++ {
			if got[i].Chats[j].ID <= got[i].Chats[j-1].ID {
				t.Errorf("session %d: message ids out of order", i)
				break
			}
		}
	}
}

// fillAccount fills cred's account with sessions titled title of
// messages of text, as many as the quotas lim allow by the sizes the README
// gives (counted here, so that it stops also where quotas are not
// enforced), and returns the bytes of text stored.
func (e *env) fillAccount(t *testing.T, cred, title, text string, lim core.ChatLimits) int64 {
	t.Helper()
	var used, stored int64
	sc, mc := sessCost(strings.TrimSpace(title)), msgCost(text)
	for used+sc+mc <= lim.MaxAccount {
		sid := e.createChat(t, cred, mustJSON(t, map[string]string{"title": title}))
		used += sc
		for inSession := sc; inSession+mc <= lim.MaxSession && used+mc <= lim.MaxAccount; inSession += mc {
			e.appendChat(t, cred, mustJSON(t, map[string]string{"session_id": sid, "message": text}))
			used += mc
			stored += int64(len(text))
		}
	}
	return stored
}

// slowGetChats sends get-chats on a raw connection and reads the answer
// chunk bytes at a time with a pause after each, and returns the bytes read
// (headers included).
func slowGetChats(t *testing.T, e *env, cred string, chunk int, pause time.Duration) (int64, error) {
	u, _ := url.Parse(e.srv.URL)
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: %s\r\nx-access-tokens: %s\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}", getChatsPath, u.Host, cred)
	buf := make([]byte, chunk)
	var n int64
	br := bufio.NewReaderSize(c, chunk)
	for {
		k, err := io.ReadFull(br, buf)
		n += int64(k)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		time.Sleep(pause)
	}
}

// TestChatListingMemory: four slow readers of the largest answer an
// account may have cost the process little heap: answers are written
// while they are read, a page at a time, never held whole. (Not parallel:
// it measures the heap of the whole test process.)
func TestChatListingMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("fills an account")
	}
	lim := core.ChatLimits{MaxMessage: 256 << 10, MaxSession: 4 << 20, MaxAccount: 16 << 20}
	e := newEnv(t, withChatLimits(lim))
	u := e.newUser(t)
	stored := e.fillAccount(t, u.token, "full", strings.Repeat("<a>", 256<<10/3), lim)
	full := e.call(t, http.MethodPost, getChatsPath, withToken(u.token), `{}`)
	answer := int64(len(full.body))
	full = result{}

	// The heap is measured with the collector kept tight, so that the
	// peak counts what is held, not garbage the default pacing would let
	// pile up to twice the live heap (which grows over -count runs).
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	const readers = 4
	var wg sync.WaitGroup
	read := make([]int64, readers)
	start := time.Now()
	for i := range readers {
		wg.Go(func() {
			n, err := slowGetChats(t, e, u.token, 32<<10, 4*time.Millisecond)
			if err != nil {
				t.Errorf("reader %d: %v", i, err)
			}
			read[i] = n
		})
	}
	wg.Wait()
	close(stop)
	<-sampled
	grew := int64(peak.Load()) - int64(base)
	t.Logf("%d bytes of text stored, get-chats %d bytes; %d slow readers in %v: heap grew by at most %.1f MiB (from %.1f MiB)",
		stored, answer, readers, time.Since(start).Round(time.Millisecond), float64(grew)/(1<<20), float64(base)/(1<<20))
	for i, n := range read {
		if n < answer {
			t.Errorf("reader %d read %d bytes, want the whole answer (%d and headers)", i, n, answer)
		}
	}
	// Holding each answer once would be 4 × 16 MiB; the old handler held
	// three or four copies each.
	if limit := int64(48 << 20); grew > limit {
		t.Errorf("heap grew by %.1f MiB serving %d slow readers of a %.1f MiB answer; want under %d MiB",
			float64(grew)/(1<<20), readers, float64(answer)/(1<<20), limit>>20)
	}
}
