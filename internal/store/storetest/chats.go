package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

func newChat(id string, userID int64, updated time.Time) *gatehouse.ChatSession {
	return &gatehouse.ChatSession{ID: id, UserID: userID, Title: "chat " + id, CreatedAt: t0, UpdatedAt: updated}
}

// findChats lists a user's sessions in the store's order: the ids from
// FindChatIDsByUser, each read back with FindChatsByIDs.
func findChats(t *testing.T, s gatehouse.Store, userID int64) []*gatehouse.ChatSession {
	t.Helper()
	var cs []*gatehouse.ChatSession
	mustView(t, s, func(tx gatehouse.Tx) error {
		ids, err := tx.Chats().FindChatIDsByUser(t.Context(), userID)
		if err != nil {
			return err
		}
		found, err := tx.Chats().FindChatsByIDs(t.Context(), userID, ids)
		if err != nil {
			return err
		}
		byID := map[string]*gatehouse.ChatSession{}
		for _, c := range found {
			byID[c.ID] = c
		}
		if len(byID) != len(ids) || len(found) != len(ids) {
			return fmt.Errorf("FindChatsByIDs(%d, %q) = %s: want each of those sessions once", userID, ids, show(found))
		}
		cs = []*gatehouse.ChatSession{}
		for _, id := range ids {
			cs = append(cs, byID[id])
		}
		return nil
	})
	return cs
}

// findMessagesByUser returns every message of every session of the user,
// grouped by session, read with FindChatMessagesPage in pages of at most
// two messages (so that paging is exercised wherever this is used).
func findMessagesByUser(t *testing.T, s gatehouse.Store, userID int64) map[string][]*gatehouse.ChatMessage {
	t.Helper()
	m := map[string][]*gatehouse.ChatMessage{}
	mustView(t, s, func(tx gatehouse.Tx) error {
		ids, err := tx.Chats().FindChatIDsByUser(t.Context(), userID)
		if err != nil {
			return err
		}
		upTo, err := tx.Chats().LatestChatMessageID(t.Context())
		if err != nil {
			return err
		}
		var after int64
		for {
			page, err := tx.Chats().FindChatMessagesPage(t.Context(), gatehouse.ChatMessagePage{SessionIDs: ids, After: after, UpTo: upTo, MaxSize: 1 << 40, MaxRows: 2})
			if err != nil {
				return err
			}
			if len(page) == 0 {
				return nil
			}
			for _, msg := range page {
				if msg.ID <= after {
					return fmt.Errorf("FindChatMessagesPage after %d returned message %d", after, msg.ID)
				}
				after = msg.ID
				m[msg.SessionID] = append(m[msg.SessionID], msg)
			}
		}
	})
	return m
}

// messages builds one message per text, alternating user and assistant,
// for session sessionID, at increasing times from at.
func messages(sessionID string, at time.Time, texts ...string) []*gatehouse.ChatMessage {
	out := make([]*gatehouse.ChatMessage, 0, len(texts))
	for i, text := range texts {
		role := gatehouse.RoleUser
		if i%2 == 1 {
			role = gatehouse.RoleAssistant
		}
		out = append(out, &gatehouse.ChatMessage{SessionID: sessionID, Role: role, Text: text, CreatedAt: at.Add(time.Duration(i) * time.Second)})
	}
	return out
}

func appendMessages(t *testing.T, s gatehouse.Store, sessionID string, msgs []*gatehouse.ChatMessage, at time.Time) {
	t.Helper()
	mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Chats().AppendChatMessages(t.Context(), sessionID, msgs, at) })
	for _, m := range msgs {
		if m.ID == 0 {
			t.Fatalf("AppendChatMessages(%s) left a message ID zero", sessionID)
		}
	}
}

func testChats(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	const (
		s1 = "0b7e4a52-3c1f-4d6a-9b8e-000000000001"
		s2 = "0b7e4a52-3c1f-4d6a-9b8e-000000000002"
		s3 = "0b7e4a52-3c1f-4d6a-9b8e-000000000003"
		s4 = "0b7e4a52-3c1f-4d6a-9b8e-000000000004"
	)
	subtests(t, open, []testCase{
		{"CreateAndFindByID", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			c := newChat(s1, u.ID, t0.Add(time.Minute))
			c.Title = "Résumé — ünïcode title"
			mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Chats().CreateChat(t.Context(), c) })
			got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.ChatSession, error) {
				return tx.Chats().FindChatByID(t.Context(), s1)
			})
			if err != nil {
				t.Fatalf("FindChatByID: %v", err)
			}
			wantEqual(t, "FindChatByID", got, c)
			for _, id := range []string{s2, "", "not-a-uuid"} {
				_, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.ChatSession, error) {
					return tx.Chats().FindChatByID(t.Context(), id)
				})
				wantCode(t, "FindChatByID("+id+")", err, gatehouse.ENOTFOUND)
			}
		}},
		{"RepeatedIDIsConflict", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			c := create(t, s, newChat(s1, a.ID, t0))
			for _, owner := range []int64{a.ID, b.ID} {
				dup := newChat(s1, owner, t0.Add(time.Hour))
				dup.Title = "dup"
				err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Chats().CreateChat(t.Context(), dup) })
				wantCode(t, fmt.Sprintf("CreateChat(repeated id, user %d)", owner), err, gatehouse.ECONFLICT)
			}
			got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.ChatSession, error) {
				return tx.Chats().FindChatByID(t.Context(), s1)
			})
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "chat after conflicting CreateChat", got, c)
			if got := findChats(t, s, b.ID); len(got) != 0 {
				t.Errorf("sessions of(b) after conflict = %s, want none", show(got))
			}
		}},
		{"FindChatIDsByUserNewestFirst", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			none := create(t, s, newUser("none@example.com", gatehouse.UserActive))
			// Created in an order unrelated to their update times.
			c1 := create(t, s, newChat(s1, a.ID, t0.Add(1*time.Minute)))
			c2 := create(t, s, newChat(s2, a.ID, t0.Add(3*time.Minute)))
			cb := create(t, s, newChat(s3, b.ID, t0.Add(5*time.Minute)))
			c3 := create(t, s, newChat(s4, a.ID, t0.Add(2*time.Minute)))
			wantEqual(t, "sessions of(a)", findChats(t, s, a.ID), []*gatehouse.ChatSession{c2, c3, c1})
			wantEqual(t, "sessions of(b)", findChats(t, s, b.ID), []*gatehouse.ChatSession{cb})
			for _, id := range []int64{none.ID, 1 << 40} {
				if got := findChats(t, s, id); len(got) != 0 {
					t.Errorf("sessions of(%d) = %s, want none", id, show(got))
				}
			}
			// Appending moves a session to the front.
			appendMessages(t, s, s1, messages(s1, t0, "hello"), t0.Add(4*time.Minute))
			c1.UpdatedAt = t0.Add(4 * time.Minute)
			wantEqual(t, "sessions of(a) after append", findChats(t, s, a.ID), []*gatehouse.ChatSession{c1, c2, c3})
		}},
		{"AppendChatMessages", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			c := create(t, s, newChat(s1, u.ID, t0))
			big := string(bytes.Repeat([]byte("x"), 256<<10))
			first := messages(s1, t0.Add(time.Minute), "What is 2+2?", "4 — «ünïcode» 🙂\nsecond line")
			appendMessages(t, s, s1, first, t0.Add(time.Minute))
			if first[0].ID == first[1].ID {
				t.Errorf("AppendChatMessages gave two messages id %d", first[0].ID)
			}
			second := messages(s1, t0.Add(2*time.Minute), "and a long one", big)
			appendMessages(t, s, s1, second, t0.Add(2*time.Minute))
			all := append(slices.Clone(first), second...)
			for i := 1; i < len(all); i++ {
				if all[i].ID <= all[i-1].ID {
					t.Errorf("message ids %d then %d: want increasing in append order", all[i-1].ID, all[i].ID)
				}
			}
			wantEqual(t, "FindChatMessages", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.ChatMessage, error) {
				return tx.Chats().FindChatMessages(t.Context(), s1)
			}), all)
			got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.ChatSession, error) {
				return tx.Chats().FindChatByID(t.Context(), s1)
			})
			if err != nil {
				t.Fatal(err)
			}
			c.UpdatedAt = t0.Add(2 * time.Minute)
			wantEqual(t, "session after AppendChatMessages", got, c)
		}},
		{"AppendToUnknownSession", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			create(t, s, newChat(s1, u.ID, t0))
			err := s.Update(t.Context(), func(tx gatehouse.Tx) error {
				return tx.Chats().AppendChatMessages(t.Context(), s2, messages(s2, t0, "lost"), t0.Add(time.Hour))
			})
			wantCode(t, "AppendChatMessages(unknown session)", err, gatehouse.ENOTFOUND)
			if got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.ChatMessage, error) {
				return tx.Chats().FindChatMessages(t.Context(), s2)
			}); len(got) != 0 {
				t.Errorf("FindChatMessages(unknown session) = %s, want none", show(got))
			}
			if got := findMessagesByUser(t, s, u.ID); len(got) != 0 {
				t.Errorf("paged messages after failed append = %s, want none", show(got))
			}
		}},
		{"MessagesByUserPaged", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			none := create(t, s, newUser("none@example.com", gatehouse.UserActive))
			create(t, s, newChat(s1, a.ID, t0))
			create(t, s, newChat(s2, a.ID, t0))
			create(t, s, newChat(s3, a.ID, t0)) // no messages
			create(t, s, newChat(s4, b.ID, t0))
			// Appends interleave across sessions and users, so a result in
			// plain id order would not be grouped.
			want := map[string][]*gatehouse.ChatMessage{}
			for i := range 3 {
				for _, sid := range []string{s1, s4, s2} {
					ms := messages(sid, t0.Add(time.Duration(i)*time.Minute), fmt.Sprintf("%s q%d", sid[len(sid)-1:], i), fmt.Sprintf("%s a%d", sid[len(sid)-1:], i))
					appendMessages(t, s, sid, ms, t0.Add(time.Duration(i)*time.Minute))
					want[sid] = append(want[sid], ms...)
				}
			}
			wantB := map[string][]*gatehouse.ChatMessage{s4: want[s4]}
			delete(want, s4)
			got := findMessagesByUser(t, s, a.ID)
			if ms, ok := got[s3]; ok && len(ms) != 0 {
				t.Errorf("paged messages of(a)[s3] = %s, want no messages", show(ms))
			}
			delete(got, s3) // a session without messages may be absent or empty
			wantEqual(t, "paged messages of(a)", got, want)
			for sid, ms := range got {
				for _, m := range ms {
					if m.SessionID != sid {
						t.Errorf("paged messages of(a)[%s] holds a message of session %s", sid, m.SessionID)
					}
				}
			}
			wantEqual(t, "paged messages of(b)", findMessagesByUser(t, s, b.ID), wantB)
			for _, id := range []int64{none.ID, 1 << 40} {
				if got := findMessagesByUser(t, s, id); len(got) != 0 {
					t.Errorf("paged messages of(%d) = %s, want none", id, show(got))
				}
			}
			// FindChatMessages agrees with the grouped view.
			for _, sid := range []string{s1, s2} {
				wantEqual(t, "FindChatMessages("+sid+")", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.ChatMessage, error) {
					return tx.Chats().FindChatMessages(t.Context(), sid)
				}), want[sid])
			}
			if got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.ChatMessage, error) {
				return tx.Chats().FindChatMessages(t.Context(), s3)
			}); len(got) != 0 {
				t.Errorf("FindChatMessages(empty session) = %s, want none", show(got))
			}
		}},
		{"DeleteChat", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			gone := create(t, s, newChat(s1, a.ID, t0))
			kept := create(t, s, newChat(s2, a.ID, t0))
			goneMsgs := messages(s1, t0, "q", "a")
			keptMsgs := messages(s2, t0, "q2", "a2")
			appendMessages(t, s, s1, goneMsgs, t0.Add(time.Minute))
			appendMessages(t, s, s2, keptMsgs, t0.Add(time.Minute))
			gone.UpdatedAt, kept.UpdatedAt = t0.Add(time.Minute), t0.Add(time.Minute)
			del := func(userID int64, id string) error {
				return s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Chats().DeleteChat(t.Context(), userID, id) })
			}
			// Another user's session is not found, and stays whole.
			wantCode(t, "DeleteChat(another user's session)", del(b.ID, s1), gatehouse.ENOTFOUND)
			wantCode(t, "DeleteChat(unknown session)", del(a.ID, s3), gatehouse.ENOTFOUND)
			got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.ChatSession, error) {
				return tx.Chats().FindChatByID(t.Context(), s1)
			})
			if err != nil {
				t.Fatalf("FindChatByID after another user's DeleteChat: %v", err)
			}
			wantEqual(t, "session after another user's DeleteChat", got, gone)
			wantEqual(t, "messages after another user's DeleteChat", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.ChatMessage, error) {
				return tx.Chats().FindChatMessages(t.Context(), s1)
			}), goneMsgs)

			if err := del(a.ID, s1); err != nil {
				t.Fatalf("DeleteChat(own): %v", err)
			}
			_, err = find(t, s, func(tx gatehouse.Tx) (*gatehouse.ChatSession, error) {
				return tx.Chats().FindChatByID(t.Context(), s1)
			})
			wantCode(t, "FindChatByID(deleted)", err, gatehouse.ENOTFOUND)
			if got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.ChatMessage, error) {
				return tx.Chats().FindChatMessages(t.Context(), s1)
			}); len(got) != 0 {
				t.Errorf("FindChatMessages(deleted session) = %s, want none", show(got))
			}
			wantEqual(t, "sessions of(a) after delete", findChats(t, s, a.ID), []*gatehouse.ChatSession{kept})
			wantEqual(t, "paged messages of(a) after delete", findMessagesByUser(t, s, a.ID),
				map[string][]*gatehouse.ChatMessage{s2: keptMsgs})
			wantCode(t, "DeleteChat(again)", del(a.ID, s1), gatehouse.ENOTFOUND)
			// The id is free again, with no messages of the old session.
			create(t, s, newChat(s1, a.ID, t0.Add(time.Hour)))
			if got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.ChatMessage, error) {
				return tx.Chats().FindChatMessages(t.Context(), s1)
			}); len(got) != 0 {
				t.Errorf("FindChatMessages(recreated session) = %s, want none", show(got))
			}
		}},
		{"IDsAreCaseSensitive", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			lower := create(t, s, newChat("0b7c", u.ID, t0))
			upper := create(t, s, newChat("0B7C", u.ID, t0.Add(time.Minute)))
			got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.ChatSession, error) {
				return tx.Chats().FindChatsByIDs(t.Context(), u.ID, []string{"0b7C", "0B7c", "0b7c"})
			})
			wantEqual(t, "FindChatsByIDs(mixed case)", got, []*gatehouse.ChatSession{lower})
			for _, id := range []string{"0b7C", "0B7c"} {
				_, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.ChatSession, error) { return tx.Chats().FindChatByID(t.Context(), id) })
				wantCode(t, "FindChatByID("+id+")", err, gatehouse.ENOTFOUND)
			}
			wantEqual(t, "sessions of(u)", findChats(t, s, u.ID), []*gatehouse.ChatSession{upper, lower})
			wantCode(t, "DeleteChat(other case)", s.Update(t.Context(), func(tx gatehouse.Tx) error {
				return tx.Chats().DeleteChat(t.Context(), u.ID, "0B7c")
			}), gatehouse.ENOTFOUND)
		}},
		{"AppendNothingMovesUpdatedAt", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			c1 := newChat(s1, u.ID, t0)
			c1.Size = 40
			create(t, s, c1)
			c2 := create(t, s, newChat(s2, u.ID, t0.Add(time.Minute)))
			mustUpdate(t, s, func(tx gatehouse.Tx) error {
				return tx.Chats().AppendChatMessages(t.Context(), s1, nil, t0.Add(time.Hour))
			})
			c1.UpdatedAt = t0.Add(time.Hour)
			got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.ChatSession, error) { return tx.Chats().FindChatByID(t.Context(), s1) })
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "session after appending nothing", got, c1)
			wantEqual(t, "sessions of(u) after appending nothing", findChats(t, s, u.ID), []*gatehouse.ChatSession{c1, c2})
			wantUsage(t, "after appending nothing", s, u.ID, 40)
		}},
	})
}
