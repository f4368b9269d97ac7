package core_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
)

// chatRecorder is a core.ChatWriter that keeps what it is given and can act
// (write to the store) when a session starts.
type chatRecorder struct {
	sessions []string
	msgs     map[string][]string
	cur      string
	calls    int // Messages calls
	onStart  func(c *gatehouse.ChatSession) error
}

func (r *chatRecorder) StartChat(c *gatehouse.ChatSession) error {
	if r.msgs == nil {
		r.msgs = map[string][]string{}
	}
	r.sessions = append(r.sessions, c.ID)
	r.cur = c.ID
	if r.onStart != nil {
		return r.onStart(c)
	}
	return nil
}

func (r *chatRecorder) Messages(ms []*gatehouse.ChatMessage) error {
	r.calls++
	for _, m := range ms {
		if m.SessionID != r.cur {
			return fmt.Errorf("message %d of session %s given inside session %s", m.ID, m.SessionID, r.cur)
		}
		r.msgs[r.cur] = append(r.msgs[r.cur], m.Text)
	}
	return nil
}

func (r *chatRecorder) EndChat() error { r.cur = ""; return nil }

// TestListChatsIsASnapshot: a listing holds the sessions and messages
// there were when it started, in the order they had: what is appended or
// created while it is written is not in it, a session deleted meanwhile is
// left out, and a writer's error stops it.
func TestListChatsIsASnapshot(t *testing.T) {
	t.Parallel()
	clk := newClock()
	svc := core.New(openStore(t, ""), core.Options{Argon2: cheap, Now: clk.Now})
	_, p := activeUser(t, svc, "a@example.com")
	ctx := as(p)
	big := strings.Repeat("b", 200<<10)
	var ids []string // oldest first
	for i := range 5 {
		texts := []gatehouse.ChatTurn{{Role: gatehouse.RoleUser, Text: fmt.Sprint("q", i)}, {Role: gatehouse.RoleAssistant, Text: fmt.Sprint("a", i)}}
		if i == 2 { // larger than a page: read in several
			for range 8 {
				texts = append(texts, gatehouse.ChatTurn{Role: gatehouse.RoleUser, Text: big})
			}
		}
		c, err := svc.AppendChat(ctx, "", fmt.Sprint("chat ", i), texts)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
		clk.Add(1e9)
	}
	r := &chatRecorder{}
	r.onStart = func(c *gatehouse.ChatSession) error {
		if c.ID != ids[4] {
			return nil
		}
		// While the newest session is being written: append to it and to
		// an older one (which moves that one to the front), start a new
		// session, delete another.
		clk.Add(1e9)
		for _, id := range []string{ids[4], ids[0]} {
			if _, err := svc.AppendChat(ctx, id, "", []gatehouse.ChatTurn{{Role: gatehouse.RoleUser, Text: "late"}}); err != nil {
				return err
			}
		}
		if _, err := svc.CreateChat(ctx, "new"); err != nil {
			return err
		}
		return svc.DeleteChat(ctx, ids[1])
	}
	if err := svc.ListChats(ctx, r); err != nil {
		t.Fatal(err)
	}
	// The deleted session is left out, or (when its header was read before
	// it went) listed without messages.
	listed := r.sessions
	if len(listed) == 5 && listed[3] == ids[1] {
		if n := len(r.msgs[ids[1]]); n != 0 {
			t.Errorf("the deleted session is listed with %d messages", n)
		}
		listed = append(listed[:3:3], listed[4])
	}
	want := []string{ids[4], ids[3], ids[2], ids[0]}
	if fmt.Sprint(listed) != fmt.Sprint(want) {
		t.Fatalf("listed %v, want %v (newest first as at the start, and the deleted %s out or empty)", r.sessions, want, ids[1])
	}
	for i, id := range want {
		n := map[int]int{0: 2, 1: 2, 2: 10, 3: 2}[i]
		if got := r.msgs[id]; len(got) != n || got[0] == "late" || got[len(got)-1] == "late" {
			t.Errorf("session %s listed %d messages (%.10q…), want its %d from the start", id, len(got), got, n)
		}
	}
	if r.calls < 3 {
		t.Errorf("the large session came in %d pages; want several", r.calls)
	}

	// GetChat streams one session the same way.
	g := &chatRecorder{}
	if err := svc.GetChat(ctx, ids[2], g); err != nil {
		t.Fatal(err)
	}
	if len(g.sessions) != 1 || len(g.msgs[ids[2]]) != 10 {
		t.Errorf("GetChat gave %v with %d messages", g.sessions, len(g.msgs[ids[2]]))
	}
	// A writer's error stops the listing and is returned.
	stop := errors.New("client gone")
	calls := 0
	w := &chatRecorder{onStart: func(*gatehouse.ChatSession) error { calls++; return stop }}
	if err := svc.ListChats(ctx, w); !errors.Is(err, stop) || calls != 1 {
		t.Errorf("ListChats with a failing writer = %v after %d sessions, want the writer's error after one", err, calls)
	}
	// Another account's session is not found, and nothing is written.
	_, q := activeUser(t, svc, "b@example.com")
	o := &chatRecorder{}
	if err := svc.GetChat(as(q), ids[2], o); gatehouse.ErrorCode(err) != gatehouse.ENOTFOUND || len(o.sessions) != 0 {
		t.Errorf("GetChat of another account's session = %v, wrote %v", err, o.sessions)
	}
	if err := svc.ListChats(context.Background(), o); gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED || len(o.sessions) != 0 {
		t.Errorf("ListChats without a caller = %v", err)
	}
}
