package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

func wantUsage(t *testing.T, what string, s gatehouse.Store, userID, want int64) {
	t.Helper()
	if got := mustFind(t, s, func(tx gatehouse.Tx) (int64, error) {
		return tx.Chats().ChatUsage(t.Context(), userID)
	}); got != want {
		t.Errorf("%s: ChatUsage(%d) = %d, want %d", what, userID, got, want)
	}
}

// sized sets the Size of each message, in order.
func sized(msgs []*gatehouse.ChatMessage, sizes ...int64) []*gatehouse.ChatMessage {
	for i, m := range msgs {
		m.Size = sizes[i]
	}
	return msgs
}

var errFull = errors.New("full")

func testChatSizes(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	const (
		s1 = "0b7e4a52-3c1f-4d6a-9b8e-000000000011"
		s2 = "0b7e4a52-3c1f-4d6a-9b8e-000000000012"
		s3 = "0b7e4a52-3c1f-4d6a-9b8e-000000000013"
	)
	subtests(t, open, []testCase{
		{"SizesAddUp", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			none := create(t, s, newUser("none@example.com", gatehouse.UserActive))
			wantUsage(t, "no sessions", s, a.ID, 0)
			c1, c2, cb := newChat(s1, a.ID, t0), newChat(s2, a.ID, t0), newChat(s3, b.ID, t0)
			c1.Size, c2.Size, cb.Size = 300, 256, 100
			for _, c := range []*gatehouse.ChatSession{c1, c2, cb} {
				mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Chats().CreateChat(t.Context(), c) })
			}
			wantUsage(t, "after CreateChat", s, a.ID, 556)
			wantUsage(t, "after CreateChat", s, b.ID, 100)
			wantUsage(t, "another user", s, none.ID, 0)
			wantUsage(t, "no such user", s, 1<<40, 0)

			first := sized(messages(s1, t0, "q", "a"), 10, 20)
			appendMessages(t, s, s1, first, t0.Add(time.Minute))
			c1.Size, c1.UpdatedAt = 330, t0.Add(time.Minute)
			got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.ChatSession, error) {
				return tx.Chats().FindChatByID(t.Context(), s1)
			})
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "session after append", got, c1)
			wantEqual(t, "messages keep their Size", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.ChatMessage, error) {
				return tx.Chats().FindChatMessages(t.Context(), s1)
			}), first)
			wantUsage(t, "after append", s, a.ID, 586)
			wantUsage(t, "other account after append", s, b.ID, 100)
			wantEqual(t, "FindChatsByIDs", findChats(t, s, a.ID), []*gatehouse.ChatSession{c1, c2})

			// Appending nothing, to a missing session, or in a transaction
			// that rolls back, changes nothing.
			mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Chats().AppendChatMessages(t.Context(), s2, nil, t0) })
			err = s.Update(t.Context(), func(tx gatehouse.Tx) error {
				return tx.Chats().AppendChatMessages(t.Context(), "0b7e4a52-3c1f-4d6a-9b8e-0000000000ff", sized(messages("x", t0, "lost"), 1000), t0)
			})
			wantCode(t, "append to a missing session", err, gatehouse.ENOTFOUND)
			err = s.Update(t.Context(), func(tx gatehouse.Tx) error {
				ghost := newChat("0b7e4a52-3c1f-4d6a-9b8e-0000000000fe", a.ID, t0)
				ghost.Size = 5000
				if err := tx.Chats().CreateChat(t.Context(), ghost); err != nil {
					return err
				}
				if err := tx.Chats().AppendChatMessages(t.Context(), s2, sized(messages(s2, t0, "gone"), 7000), t0); err != nil {
					return err
				}
				if n, err := tx.Chats().ChatUsage(t.Context(), a.ID); err != nil || n != 586+5000+7000 {
					return fmt.Errorf("usage inside the transaction = %d, %v; want its own writes counted (%d)", n, err, 586+5000+7000)
				}
				return errAbort
			})
			if !errors.Is(err, errAbort) {
				t.Fatalf("Update = %v, want errAbort", err)
			}
			wantUsage(t, "after nothing, a missing session and a rollback", s, a.ID, 586)

			// Deleting takes the whole session off; another user's delete
			// takes nothing.
			err = s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Chats().DeleteChat(t.Context(), b.ID, s1) })
			wantCode(t, "another user's DeleteChat", err, gatehouse.ENOTFOUND)
			wantUsage(t, "after another user's DeleteChat", s, a.ID, 586)
			mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Chats().DeleteChat(t.Context(), a.ID, s1) })
			wantUsage(t, "after DeleteChat", s, a.ID, 256)
			mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Chats().DeleteChat(t.Context(), a.ID, s2) })
			wantUsage(t, "after deleting every session", s, a.ID, 0)
			wantUsage(t, "other account at the end", s, b.ID, 100)
		}},
		{"UsageCheckedAndWrittenInOneUpdateIsExact", func(t *testing.T, s gatehouse.Store) {
			// Writers that read the usage and write only while under a cap,
			// in one Update each, never overshoot it together: the store
			// runs read-write transactions one at a time.
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			c := newChat(s1, a.ID, t0)
			c.Size = 100
			mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Chats().CreateChat(t.Context(), c) })
			const capSize, each, writers = 1000, 50, 40
			var wg sync.WaitGroup
			var mu sync.Mutex
			accepted := 0
			for i := range writers {
				wg.Go(func() {
					err := s.Update(t.Context(), func(tx gatehouse.Tx) error {
						// The account's lock first, as core takes it.
						if _, err := tx.Users().LockUser(t.Context(), a.ID); err != nil {
							return err
						}
						n, err := tx.Chats().ChatUsage(t.Context(), a.ID)
						if err != nil {
							return err
						}
						if n+each > capSize {
							return errFull
						}
						if i%2 == 0 {
							nc := newChat(fmt.Sprintf("0b7e4a52-3c1f-4d6a-9b8e-%012d", 100+i), a.ID, t0)
							nc.Size = each
							return tx.Chats().CreateChat(t.Context(), nc)
						}
						return tx.Chats().AppendChatMessages(t.Context(), s1, sized(messages(s1, t0, "m"), each), t0)
					})
					switch {
					case err == nil:
						mu.Lock()
						accepted++
						mu.Unlock()
					case errors.Is(err, errFull), gatehouse.ErrorCode(err) == gatehouse.EUNAVAILABLE:
					default:
						t.Errorf("writer %d: %v", i, err)
					}
				})
			}
			wg.Wait()
			want := int64(100 + accepted*each)
			wantUsage(t, "after racing writers", s, a.ID, want)
			if want > capSize || accepted < (capSize-100)/each/2 {
				t.Errorf("%d writers of %d accepted: usage %d, want at most %d and most writers through", accepted, writers, want, capSize)
			}
			// The usage is the sum of the sessions' sizes.
			var sum int64
			for _, c := range findChats(t, s, a.ID) {
				sum += c.Size
			}
			if sum != want {
				t.Errorf("sessions add up to %d, usage says %d", sum, want)
			}
		}},
		{"FindChatsByIDs", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			c1 := create(t, s, newChat(s1, a.ID, t0))
			create(t, s, newChat(s2, b.ID, t0))
			find := func(userID int64, ids ...string) []*gatehouse.ChatSession {
				cs := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.ChatSession, error) {
					return tx.Chats().FindChatsByIDs(t.Context(), userID, ids)
				})
				return cs
			}
			wantEqual(t, "own and another user's and a missing id", find(a.ID, s1, s2, s3), []*gatehouse.ChatSession{c1})
			if got := find(b.ID, s1); len(got) != 0 {
				t.Errorf("FindChatsByIDs(b, a's session) = %s, want none", show(got))
			}
			if got := find(a.ID); got == nil || len(got) != 0 {
				t.Errorf("FindChatsByIDs(no ids) = %#v, want an empty list", got)
			}
		}},
		{"MessagesPage", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			if id := mustFind(t, s, func(tx gatehouse.Tx) (int64, error) {
				return tx.Chats().LatestChatMessageID(t.Context())
			}); id != 0 {
				t.Errorf("LatestChatMessageID of an empty store = %d, want 0", id)
			}
			create(t, s, newChat(s1, a.ID, t0))
			create(t, s, newChat(s2, a.ID, t0))
			create(t, s, newChat(s3, b.ID, t0))
			// Interleaved across sessions: m1 m2 (s1) x (s3) n1 (s2) m3 m4 m5 (s1).
			m12 := sized(messages(s1, t0, "m1", "m2"), 5, 5)
			appendMessages(t, s, s1, m12, t0)
			x := sized(messages(s3, t0, "x"), 5)
			appendMessages(t, s, s3, x, t0)
			n1 := sized(messages(s2, t0, "n1"), 5)
			appendMessages(t, s, s2, n1, t0)
			m345 := sized(messages(s1, t0, "m3", "big m4", "m5"), 5, 100, 5)
			appendMessages(t, s, s1, m345, t0)
			all1 := append(append([]*gatehouse.ChatMessage{}, m12...), m345...)
			latest := mustFind(t, s, func(tx gatehouse.Tx) (int64, error) {
				return tx.Chats().LatestChatMessageID(t.Context())
			})
			if latest != m345[2].ID {
				t.Errorf("LatestChatMessageID = %d, want the last appended %d", latest, m345[2].ID)
			}
			page := func(ids []string, after, upTo, maxSize int64, maxRows int) gatehouse.ChatMessagePage {
				return gatehouse.ChatMessagePage{SessionIDs: ids, After: after, UpTo: upTo, MaxSize: maxSize, MaxRows: maxRows}
			}
			for _, tc := range []struct {
				name string
				p    gatehouse.ChatMessagePage
				want []*gatehouse.ChatMessage
			}{
				{"everything of one session", page([]string{s1}, 0, latest, 1<<30, 100), all1},
				{"two sessions in id order", page([]string{s2, s1}, 0, latest, 1<<30, 100), []*gatehouse.ChatMessage{m12[0], m12[1], n1[0], m345[0], m345[1], m345[2]}},
				{"as many as fit", page([]string{s1}, 0, latest, 14, 100), m12},
				{"exactly full", page([]string{s1}, 0, latest, 15, 100), all1[:3]},
				{"at least one", page([]string{s1}, 0, latest, 1, 100), all1[:1]},
				{"a large one alone", page([]string{s1}, m345[0].ID, latest, 10, 100), m345[1:2]},
				{"a large one does not fit after others", page([]string{s1}, m12[1].ID, latest, 104, 100), m345[:1]},
				{"at most MaxRows", page([]string{s1}, 0, latest, 1<<30, 2), m12},
				{"after", page([]string{s1}, m12[1].ID, latest, 1<<30, 100), m345},
				{"up to", page([]string{s1}, 0, m345[0].ID, 1<<30, 100), all1[:3]},
				{"none left", page([]string{s1}, latest, latest+10, 1<<30, 100), nil},
				{"up to before after", page([]string{s1}, m345[0].ID, m12[0].ID, 1<<30, 100), nil},
				{"no sessions", page(nil, 0, latest, 1<<30, 100), nil},
				{"no rows", page([]string{s1}, 0, latest, 1<<30, 0), nil},
				{"unknown session", page([]string{"0b7e4a52-3c1f-4d6a-9b8e-0000000000ff"}, 0, latest, 1<<30, 100), nil},
			} {
				t.Run(tc.name, func(t *testing.T) {
					got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.ChatMessage, error) {
						return tx.Chats().FindChatMessagesPage(t.Context(), tc.p)
					})
					if got == nil {
						t.Fatalf("FindChatMessagesPage = nil, want a list")
					}
					if tc.want == nil {
						tc.want = []*gatehouse.ChatMessage{}
					}
					wantEqual(t, "FindChatMessagesPage", got, tc.want)
				})
			}
		}},
	})
}
