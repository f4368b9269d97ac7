package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

func newSession(userID int64, n int, at time.Time) *gatehouse.ConsoleSession {
	return &gatehouse.ConsoleSession{
		Hash:      hashOf("session", userID, n),
		UserID:    userID,
		CreatedAt: at,
		SeenAt:    at,
		ExpiresAt: at.Add(gatehouse.SessionMaxAge),
		IP:        "192.0.2.1",
		UserAgent: "browser/1",
	}
}

func findSession(t *testing.T, s gatehouse.Store, h gatehouse.Hash) (*gatehouse.ConsoleSession, error) {
	return find(t, s, func(tx gatehouse.Tx) (*gatehouse.ConsoleSession, error) {
		return tx.Sessions().FindSessionByHash(t.Context(), h)
	})
}

func testSessions(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"CreateAndFind", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			c := create(t, s, newSession(u.ID, 1, t0))
			got, err := findSession(t, s, c.Hash)
			if err != nil {
				t.Fatalf("FindSessionByHash: %v", err)
			}
			wantEqual(t, "FindSessionByHash", got, c)
		}},
		{"DuplicateHashIsConflict", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			c := create(t, s, newSession(u.ID, 1, t0))
			dup := *c
			dup.IP = "198.51.100.1"
			err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Sessions().CreateSession(t.Context(), &dup) })
			wantCode(t, "CreateSession(duplicate hash)", err, gatehouse.ECONFLICT)
			got, err := findSession(t, s, c.Hash)
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "session after conflicting CreateSession", got, c)
		}},
		{"UnknownUserIsConflict", func(t *testing.T, s gatehouse.Store) {
			err := s.Update(t.Context(), func(tx gatehouse.Tx) error {
				return tx.Sessions().CreateSession(t.Context(), newSession(4242, 1, t0))
			})
			wantCode(t, "CreateSession(unknown user)", err, gatehouse.ECONFLICT)
		}},
		{"FindMissing", func(t *testing.T, s gatehouse.Store) {
			_, err := findSession(t, s, hashOf("nope"))
			wantCode(t, "FindSessionByHash(missing)", err, gatehouse.ENOTFOUND)
		}},
		{"TouchMovesForwardOnly", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			c := create(t, s, newSession(u.ID, 1, t0))
			touch := func(at time.Time) {
				mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Sessions().TouchSession(t.Context(), c.Hash, at) })
			}
			touch(t0.Add(time.Hour))
			touch(t0.Add(time.Minute)) // older: ignored
			mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Sessions().TouchSession(t.Context(), hashOf("nope"), t0) })
			if _, err := findSession(t, s, hashOf("nope")); gatehouse.ErrorCode(err) != gatehouse.ENOTFOUND {
				t.Errorf("TouchSession(missing) made a session: FindSessionByHash err = %v, want ENOTFOUND", err)
			}
			got, err := findSession(t, s, c.Hash)
			if err != nil {
				t.Fatal(err)
			}
			want := *c
			want.SeenAt = t0.Add(time.Hour)
			wantEqual(t, "session after touches", got, &want)
		}},
		{"DeleteOne", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			c1, c2 := create(t, s, newSession(u.ID, 1, t0)), create(t, s, newSession(u.ID, 2, t0))
			mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Sessions().DeleteSession(t.Context(), c1.Hash) })
			_, err := findSession(t, s, c1.Hash)
			wantCode(t, "FindSessionByHash(deleted)", err, gatehouse.ENOTFOUND)
			err = s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Sessions().DeleteSession(t.Context(), c1.Hash) })
			wantCode(t, "DeleteSession(again)", err, gatehouse.ENOTFOUND)
			if _, err := findSession(t, s, c2.Hash); err != nil {
				t.Errorf("the other session: %v", err)
			}
		}},
		{"DeleteByUser", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			a1, a2 := create(t, s, newSession(a.ID, 1, t0)), create(t, s, newSession(a.ID, 2, t0))
			b1 := create(t, s, newSession(b.ID, 1, t0))
			mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Sessions().DeleteSessionsByUser(t.Context(), a.ID) })
			for _, c := range []*gatehouse.ConsoleSession{a1, a2} {
				_, err := findSession(t, s, c.Hash)
				wantCode(t, "a's session after DeleteSessionsByUser", err, gatehouse.ENOTFOUND)
			}
			if _, err := findSession(t, s, b1.Hash); err != nil {
				t.Errorf("b's session: %v", err)
			}
			// A user without sessions is not an error.
			mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Sessions().DeleteSessionsByUser(t.Context(), a.ID) })
		}},
		{"DeleteExpired", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			fresh := create(t, s, newSession(u.ID, 1, t0))
			old := newSession(u.ID, 2, t0.Add(-gatehouse.SessionMaxAge)) // expires at t0
			old.SeenAt = t0.Add(-time.Minute)
			create(t, s, old)
			idle := newSession(u.ID, 3, t0.Add(-3*time.Hour)) // seen 3 h ago
			create(t, s, idle)
			n := mustChange(t, s, func(tx gatehouse.Tx) (int64, error) {
				return tx.Sessions().DeleteExpiredSessions(t.Context(), t0.Add(time.Millisecond), t0.Add(-gatehouse.SessionIdle))
			})
			if n != 2 {
				t.Errorf("DeleteExpiredSessions deleted %d, want 2", n)
			}
			for _, c := range []*gatehouse.ConsoleSession{old, idle} {
				_, err := findSession(t, s, c.Hash)
				wantCode(t, "expired session", err, gatehouse.ENOTFOUND)
			}
			if _, err := findSession(t, s, fresh.Hash); err != nil {
				t.Errorf("fresh session: %v", err)
			}
			n = mustChange(t, s, func(tx gatehouse.Tx) (int64, error) {
				return tx.Sessions().DeleteExpiredSessions(t.Context(), t0.Add(time.Millisecond), t0.Add(-gatehouse.SessionIdle))
			})
			if n != 0 {
				t.Errorf("second DeleteExpiredSessions deleted %d, want 0", n)
			}
		}},
		// Both limits are strict: a session that expires at t, or was
		// last seen at idleBefore, stays; a millisecond earlier, it goes.
		{"DeleteExpiredBoundaries", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			idleBefore := t0.Add(-gatehouse.SessionIdle)
			at := func(n int, seen, expires time.Time) *gatehouse.ConsoleSession {
				c := newSession(u.ID, n, seen.Add(-time.Hour))
				c.SeenAt, c.ExpiresAt = seen, expires
				return create(t, s, c)
			}
			later := t0.Add(time.Hour)
			kept := []*gatehouse.ConsoleSession{
				at(1, t0, t0),            // expires exactly at t
				at(2, idleBefore, later), // seen exactly at idleBefore
				at(3, idleBefore.Add(time.Millisecond), t0.Add(time.Millisecond)),
			}
			gone := []*gatehouse.ConsoleSession{
				at(4, t0, t0.Add(-time.Millisecond)),            // expired a millisecond before t
				at(5, idleBefore.Add(-time.Millisecond), later), // idle a millisecond too long
				at(6, idleBefore.Add(-time.Hour), t0.Add(-time.Hour)),
			}
			n := mustChange(t, s, func(tx gatehouse.Tx) (int64, error) {
				return tx.Sessions().DeleteExpiredSessions(t.Context(), t0, idleBefore)
			})
			if n != int64(len(gone)) {
				t.Errorf("DeleteExpiredSessions deleted %d, want %d", n, len(gone))
			}
			for _, c := range gone {
				_, err := findSession(t, s, c.Hash)
				wantCode(t, fmt.Sprintf("session seen %v, expiring %v", c.SeenAt, c.ExpiresAt), err, gatehouse.ENOTFOUND)
			}
			for _, c := range kept {
				if _, err := findSession(t, s, c.Hash); err != nil {
					t.Errorf("session seen %v, expiring %v: %v", c.SeenAt, c.ExpiresAt, err)
				}
			}
		}},
		// testTimes for the session's times: the same instant back, to the
		// millisecond, in UTC, and TouchSession compares at that precision.
		{"MillisecondUTC", func(t *testing.T, s gatehouse.Store) {
			zone := time.FixedZone("ACST", 9*3600+30*60)
			in := time.Date(2031, time.July, 9, 23, 59, 58, 987_654_321, zone)
			want := in.Truncate(time.Millisecond).UTC()
			now := time.Now().In(zone) // with a monotonic reading
			nowWant := now.Truncate(time.Millisecond).UTC()
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			c := create(t, s, &gatehouse.ConsoleSession{
				Hash: hashOf("session-times"), UserID: u.ID,
				CreatedAt: in, SeenAt: in, ExpiresAt: now, IP: "2001:db8::1", UserAgent: "ü/1",
			})
			got, err := findSession(t, s, c.Hash)
			if err != nil {
				t.Fatal(err)
			}
			times := []timeCheck{
				{"ConsoleSession.CreatedAt", got.CreatedAt, want},
				{"ConsoleSession.SeenAt", got.SeenAt, want},
				{"ConsoleSession.ExpiresAt", got.ExpiresAt, nowWant},
			}
			// Less than a millisecond later is the same stored time: no move.
			mustUpdate(t, s, func(tx gatehouse.Tx) error {
				return tx.Sessions().TouchSession(t.Context(), c.Hash, in.Add(10*time.Microsecond))
			})
			if got, err = findSession(t, s, c.Hash); err != nil {
				t.Fatal(err)
			}
			times = append(times, timeCheck{"SeenAt after a sub-millisecond touch", got.SeenAt, want})
			mustUpdate(t, s, func(tx gatehouse.Tx) error {
				return tx.Sessions().TouchSession(t.Context(), c.Hash, in.Add(time.Millisecond))
			})
			if got, err = findSession(t, s, c.Hash); err != nil {
				t.Fatal(err)
			}
			times = append(times, timeCheck{"SeenAt after TouchSession", got.SeenAt, want.Add(time.Millisecond)})
			wantTimes(t, times, 5)
			if got.IP != c.IP || got.UserAgent != c.UserAgent {
				t.Errorf("IP, UserAgent = %q, %q, want %q, %q", got.IP, got.UserAgent, c.IP, c.UserAgent)
			}
		}},
	})
}
