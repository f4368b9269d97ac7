// Package storetest is the conformance suite for gatehouse.Store backends.
// Every backend (SQLite now, PostgreSQL later) runs Run from its own tests,
// so the backends are held to one contract: the one written on the
// interfaces in the root package's store.go.
package storetest

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// Run runs the conformance suite. open must return a new, empty, migrated
// store that no other call shares, and arrange (with t.Cleanup) for it to be
// closed and removed. Subtests run in parallel, so open is called
// concurrently. The suite may Close a store itself, so the cleanup must
// tolerate a store that is already closed.
func Run(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	groups := []struct {
		name string
		fn   func(t *testing.T, open func(t *testing.T) gatehouse.Store)
	}{
		{"Users", testUsers},
		{"Keys", testKeys},
		{"Tokens", testTokens},
		{"Logins", testLogins},
		{"Revocations", testRevocations},
		{"Tx", testTx},
		{"Times", testTimes},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			g.fn(t, open)
		})
	}
}

// t0 is a fixed instant with whole milliseconds, which every backend stores
// exactly.
var t0 = time.Date(2025, time.March, 14, 15, 9, 26, 535_000_000, time.UTC)

const phc = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"

// subtests runs each named case in parallel on its own fresh store.
func subtests(t *testing.T, open func(t *testing.T) gatehouse.Store, cases []testCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, open(t))
		})
	}
}

type testCase = struct {
	name string
	fn   func(t *testing.T, s gatehouse.Store)
}

// ---------------------------------------------------------------- helpers

func update(t *testing.T, s gatehouse.Store, fn func(tx gatehouse.Tx) error) {
	t.Helper()
	if err := s.Update(t.Context(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func view(t *testing.T, s gatehouse.Store, fn func(tx gatehouse.Tx) error) {
	t.Helper()
	if err := s.View(t.Context(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

func hashOf(parts ...any) gatehouse.Hash {
	return sha256.Sum256(fmt.Append(nil, parts...))
}

func newUser(email string, status gatehouse.UserStatus) *gatehouse.User {
	return &gatehouse.User{
		Email:        email,
		PasswordHash: phc,
		Status:       status,
		CompanyID:    "acme-42",
		CreatedAt:    t0,
		UpdatedAt:    t0,
	}
}

func createUser(t *testing.T, s gatehouse.Store, email string, status gatehouse.UserStatus) *gatehouse.User {
	t.Helper()
	u := newUser(email, status)
	update(t, s, func(tx gatehouse.Tx) error { return tx.Users().CreateUser(t.Context(), u) })
	if u.ID == 0 {
		t.Fatalf("CreateUser(%q) left ID zero", email)
	}
	return u
}

func newKey(userID int64, name string) *gatehouse.APIKey {
	return &gatehouse.APIKey{
		UserID:    userID,
		Name:      name,
		Hash:      hashOf("key", userID, name),
		Hint:      "stai-…" + name,
		CreatedAt: t0,
	}
}

func createKey(t *testing.T, s gatehouse.Store, userID int64, name string) *gatehouse.APIKey {
	t.Helper()
	k := newKey(userID, name)
	update(t, s, func(tx gatehouse.Tx) error { return tx.Keys().CreateKey(t.Context(), k) })
	if k.ID == 0 {
		t.Fatalf("CreateKey(%q) left ID zero", name)
	}
	return k
}

func newToken(k *gatehouse.APIKey, n int, expires time.Time) *gatehouse.AccessToken {
	return &gatehouse.AccessToken{
		Hash:      hashOf("token", k.ID, n),
		UserID:    k.UserID,
		KeyID:     k.ID,
		CreatedAt: expires.Add(-gatehouse.AccessTokenTTL),
		ExpiresAt: expires,
	}
}

func createToken(t *testing.T, s gatehouse.Store, k *gatehouse.APIKey, n int, expires time.Time) *gatehouse.AccessToken {
	t.Helper()
	tok := newToken(k, n, expires)
	update(t, s, func(tx gatehouse.Tx) error { return tx.Tokens().CreateToken(t.Context(), tok) })
	return tok
}

func findUser(t *testing.T, s gatehouse.Store, id int64) (*gatehouse.User, error) {
	t.Helper()
	var u *gatehouse.User
	err := s.View(t.Context(), func(tx gatehouse.Tx) error {
		var err error
		u, err = tx.Users().FindUserByID(t.Context(), id)
		return err
	})
	return u, err
}

func findKey(t *testing.T, s gatehouse.Store, h gatehouse.Hash) (*gatehouse.APIKey, error) {
	t.Helper()
	var k *gatehouse.APIKey
	err := s.View(t.Context(), func(tx gatehouse.Tx) error {
		var err error
		k, err = tx.Keys().FindKeyByHash(t.Context(), h)
		return err
	})
	return k, err
}

func findKeys(t *testing.T, s gatehouse.Store, userID int64) []*gatehouse.APIKey {
	t.Helper()
	var ks []*gatehouse.APIKey
	view(t, s, func(tx gatehouse.Tx) error {
		var err error
		ks, err = tx.Keys().FindKeysByUser(t.Context(), userID)
		return err
	})
	return ks
}

func findToken(t *testing.T, s gatehouse.Store, h gatehouse.Hash) (*gatehouse.AccessToken, error) {
	t.Helper()
	var tok *gatehouse.AccessToken
	err := s.View(t.Context(), func(tx gatehouse.Tx) error {
		var err error
		tok, err = tx.Tokens().FindTokenByHash(t.Context(), h)
		return err
	})
	return tok, err
}

func findUsers(t *testing.T, s gatehouse.Store, f gatehouse.UserFilter) []*gatehouse.User {
	t.Helper()
	var us []*gatehouse.User
	view(t, s, func(tx gatehouse.Tx) error {
		var err error
		us, err = tx.Users().FindUsers(t.Context(), f)
		return err
	})
	return us
}

func findLogins(t *testing.T, s gatehouse.Store, userID int64, limit int) []*gatehouse.Login {
	t.Helper()
	var ls []*gatehouse.Login
	view(t, s, func(tx gatehouse.Tx) error {
		var err error
		ls, err = tx.Logins().FindLoginsByUser(t.Context(), userID, limit)
		return err
	})
	return ls
}

func findRevocations(t *testing.T, s gatehouse.Store, after int64, limit int) []gatehouse.Revocation {
	t.Helper()
	var rs []gatehouse.Revocation
	view(t, s, func(tx gatehouse.Tx) error {
		var err error
		rs, err = tx.Revocations().FindRevocationsAfter(t.Context(), after, limit)
		return err
	})
	return rs
}

func latestSeq(t *testing.T, s gatehouse.Store) int64 {
	t.Helper()
	var seq int64
	view(t, s, func(tx gatehouse.Tx) error {
		var err error
		seq, err = tx.Revocations().LatestRevocationSeq(t.Context())
		return err
	})
	return seq
}

// wantCode fails t unless err carries the gatehouse error code want.
func wantCode(t *testing.T, what string, err error, want string) {
	t.Helper()
	if got := gatehouse.ErrorCode(err); got != want {
		t.Errorf("%s: error code = %q (err %v), want %q", what, got, err, want)
	}
}

// wantEqual fails t when got differs from want. Pointers are followed and
// time.Time values compare with Equal (the instant, not the location; see
// the Times group for the location).
func wantEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !deepEqual(reflect.ValueOf(got), reflect.ValueOf(want)) {
		t.Errorf("%s mismatch\n got: %s\nwant: %s", what, show(got), show(want))
	}
}

var timeType = reflect.TypeFor[time.Time]()

func deepEqual(a, b reflect.Value) bool {
	if !a.IsValid() || !b.IsValid() {
		return a.IsValid() == b.IsValid()
	}
	if a.Type() != b.Type() {
		return false
	}
	if a.Type() == timeType {
		return a.Interface().(time.Time).Equal(b.Interface().(time.Time))
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return deepEqual(a.Elem(), b.Elem())
	case reflect.Struct:
		for i := range a.NumField() {
			if !deepEqual(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !deepEqual(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.Len() != b.Len() {
			return false
		}
		for _, k := range a.MapKeys() {
			bv := b.MapIndex(k)
			if !bv.IsValid() || !deepEqual(a.MapIndex(k), bv) {
				return false
			}
		}
		return true
	default:
		return reflect.DeepEqual(a.Interface(), b.Interface())
	}
}

func show(v any) string {
	b, err := json.MarshalIndent(v, "      ", "  ")
	if err != nil {
		return fmt.Sprintf("%+v", v)
	}
	return string(b)
}

func ids[T any](xs []T, id func(T) int64) []int64 {
	out := make([]int64, 0, len(xs))
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

func userID(u *gatehouse.User) int64      { return u.ID }
func keyID(k *gatehouse.APIKey) int64     { return k.ID }
func loginID(l *gatehouse.Login) int64    { return l.ID }
func revSeq(r gatehouse.Revocation) int64 { return r.Seq }

// ---------------------------------------------------------------- users

func testUsers(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"CreateSetsIDAndRoundTrips", func(t *testing.T, s gatehouse.Store) {
			a := newUser("alice@example.com", gatehouse.UserActive)
			a.Admin, a.CAC = true, true
			a.UpdatedAt = t0.Add(time.Minute)
			b := newUser("bob@example.com", gatehouse.UserPending)
			b.CompanyID = ""
			update(t, s, func(tx gatehouse.Tx) error {
				if err := tx.Users().CreateUser(t.Context(), a); err != nil {
					return err
				}
				return tx.Users().CreateUser(t.Context(), b)
			})
			if a.ID == 0 || b.ID == 0 || a.ID == b.ID {
				t.Fatalf("CreateUser ids = %d, %d; want distinct non-zero", a.ID, b.ID)
			}
			for _, want := range []*gatehouse.User{a, b} {
				got, err := findUser(t, s, want.ID)
				if err != nil {
					t.Fatalf("FindUserByID(%d): %v", want.ID, err)
				}
				wantEqual(t, "FindUserByID", got, want)
			}
		}},
		{"DuplicateEmailIsConflictCaseInsensitive", func(t *testing.T, s gatehouse.Store) {
			first := createUser(t, s, "Alice@Example.com", gatehouse.UserActive)
			for _, email := range []string{"Alice@Example.com", "alice@example.com", "ALICE@EXAMPLE.COM"} {
				err := s.Update(t.Context(), func(tx gatehouse.Tx) error {
					return tx.Users().CreateUser(t.Context(), newUser(email, gatehouse.UserPending))
				})
				wantCode(t, "CreateUser("+email+")", err, gatehouse.ECONFLICT)
			}
			got := findUsers(t, s, gatehouse.UserFilter{})
			wantEqual(t, "FindUsers after conflicts", got, []*gatehouse.User{first})
		}},
		{"FindUserByID", func(t *testing.T, s gatehouse.Store) {
			u := createUser(t, s, "carol@example.com", gatehouse.UserActive)
			got, err := findUser(t, s, u.ID)
			if err != nil {
				t.Fatalf("FindUserByID: %v", err)
			}
			wantEqual(t, "FindUserByID", got, u)
			for _, id := range []int64{u.ID + 1, 0, -1, 1 << 60} {
				_, err := findUser(t, s, id)
				wantCode(t, fmt.Sprintf("FindUserByID(%d)", id), err, gatehouse.ENOTFOUND)
			}
		}},
		{"FindUserByEmail", func(t *testing.T, s gatehouse.Store) {
			u := createUser(t, s, "Dave.Smith@Example.org", gatehouse.UserActive)
			createUser(t, s, "other@example.org", gatehouse.UserActive)
			for _, q := range []string{"Dave.Smith@Example.org", "dave.smith@example.org", "DAVE.SMITH@EXAMPLE.ORG"} {
				var got *gatehouse.User
				view(t, s, func(tx gatehouse.Tx) error {
					var err error
					got, err = tx.Users().FindUserByEmail(t.Context(), q)
					return err
				})
				// The address keeps the case it was given at sign-up.
				wantEqual(t, "FindUserByEmail("+q+")", got, u)
			}
			for _, q := range []string{"nobody@example.org", "dave.smith@example.com", ""} {
				err := s.View(t.Context(), func(tx gatehouse.Tx) error {
					_, err := tx.Users().FindUserByEmail(t.Context(), q)
					return err
				})
				wantCode(t, "FindUserByEmail("+q+")", err, gatehouse.ENOTFOUND)
			}
		}},
		{"FindUsers", func(t *testing.T, s gatehouse.Store) {
			if got := findUsers(t, s, gatehouse.UserFilter{}); len(got) != 0 {
				t.Fatalf("FindUsers on empty store = %s, want none", show(got))
			}
			statuses := []gatehouse.UserStatus{
				gatehouse.UserActive, gatehouse.UserPending, gatehouse.UserActive,
				gatehouse.UserDisabled, gatehouse.UserActive, gatehouse.UserPending,
			}
			var all []*gatehouse.User
			// Created in an order unrelated to the e-mail, so that only id
			// order explains the result order.
			for i, st := range statuses {
				all = append(all, createUser(t, s, fmt.Sprintf("u%d-%c@example.com", i, 'z'-i), st))
			}
			only := func(st gatehouse.UserStatus) []*gatehouse.User {
				var out []*gatehouse.User
				for _, u := range all {
					if u.Status == st {
						out = append(out, u)
					}
				}
				return out
			}
			tests := []struct {
				name string
				f    gatehouse.UserFilter
				want []*gatehouse.User
			}{
				{"all", gatehouse.UserFilter{}, all},
				{"active", gatehouse.UserFilter{Status: gatehouse.UserActive}, only(gatehouse.UserActive)},
				{"pending", gatehouse.UserFilter{Status: gatehouse.UserPending}, only(gatehouse.UserPending)},
				{"disabled", gatehouse.UserFilter{Status: gatehouse.UserDisabled}, only(gatehouse.UserDisabled)},
				{"limit", gatehouse.UserFilter{Limit: 4}, all[:4]},
				{"limit over count", gatehouse.UserFilter{Limit: 100}, all},
				{"active limit", gatehouse.UserFilter{Status: gatehouse.UserActive, Limit: 2}, only(gatehouse.UserActive)[:2]},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					t.Parallel()
					got := findUsers(t, s, tt.f)
					if !slices.IsSortedFunc(got, func(a, b *gatehouse.User) int { return cmp.Compare(a.ID, b.ID) }) {
						t.Errorf("FindUsers(%s) ids %v not in id order", tt.name, ids(got, userID))
					}
					wantEqual(t, "FindUsers("+tt.name+")", got, tt.want)
				})
			}
		}},
		{"UpdateUserClearsFlags", func(t *testing.T, s gatehouse.Store) {
			// false is a change, not "leave alone".
			u := createUser(t, s, "flags@example.com", gatehouse.UserActive)
			update(t, s, func(tx gatehouse.Tx) error {
				_, err := tx.Users().UpdateUser(t.Context(), u.ID, gatehouse.UserUpdate{Admin: new(true), CAC: new(true), UpdatedAt: t0})
				return err
			})
			var got *gatehouse.User
			update(t, s, func(tx gatehouse.Tx) error {
				var err error
				got, err = tx.Users().UpdateUser(t.Context(), u.ID, gatehouse.UserUpdate{Admin: new(false), CAC: new(false), UpdatedAt: t0})
				return err
			})
			wantEqual(t, "UpdateUser(clear flags)", got, u)
		}},
		{"UpdateUserMissing", func(t *testing.T, s gatehouse.Store) {
			u := createUser(t, s, "erin@example.com", gatehouse.UserActive)
			for _, id := range []int64{u.ID + 1, 0, -7} {
				err := s.Update(t.Context(), func(tx gatehouse.Tx) error {
					_, err := tx.Users().UpdateUser(t.Context(), id, gatehouse.UserUpdate{Admin: new(true), UpdatedAt: t0})
					return err
				})
				wantCode(t, fmt.Sprintf("UpdateUser(%d)", id), err, gatehouse.ENOTFOUND)
			}
			got, err := findUser(t, s, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "existing user after UpdateUser(missing)", got, u)
		}},
	})
	t.Run("UpdateUser", func(t *testing.T) {
		t.Parallel()
		testUpdateUser(t, open)
	})
}

// testUpdateUser changes each field of a pending, non-admin account on its
// own store, next to a bystander account that must not change.
func testUpdateUser(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	later := t0.Add(90 * time.Minute)
	tests := []struct {
		name   string
		upd    gatehouse.UserUpdate
		change func(u *gatehouse.User)
	}{
		{"Status", gatehouse.UserUpdate{Status: new(gatehouse.UserDisabled), UpdatedAt: later},
			func(u *gatehouse.User) { u.Status = gatehouse.UserDisabled }},
		{"Admin", gatehouse.UserUpdate{Admin: new(true), UpdatedAt: later},
			func(u *gatehouse.User) { u.Admin = true }},
		{"CAC", gatehouse.UserUpdate{CAC: new(true), UpdatedAt: later},
			func(u *gatehouse.User) { u.CAC = true }},
		{"PasswordHash", gatehouse.UserUpdate{PasswordHash: new("$argon2id$v=19$new"), UpdatedAt: later},
			func(u *gatehouse.User) { u.PasswordHash = "$argon2id$v=19$new" }},
		{"UpdatedAtOnly", gatehouse.UserUpdate{UpdatedAt: later},
			func(u *gatehouse.User) {}},
		{"AllFields", gatehouse.UserUpdate{
			Status: new(gatehouse.UserActive), Admin: new(true), CAC: new(true),
			PasswordHash: new("$argon2id$v=19$all"), UpdatedAt: later,
		}, func(u *gatehouse.User) {
			u.Status, u.Admin, u.CAC, u.PasswordHash = gatehouse.UserActive, true, true, "$argon2id$v=19$all"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			u := createUser(t, s, "upd@example.com", gatehouse.UserPending)
			other := createUser(t, s, "bystander@example.com", gatehouse.UserPending)
			want := *u
			tt.change(&want)
			want.UpdatedAt = later
			var got *gatehouse.User
			update(t, s, func(tx gatehouse.Tx) error {
				var err error
				got, err = tx.Users().UpdateUser(t.Context(), u.ID, tt.upd)
				return err
			})
			wantEqual(t, "UpdateUser result", got, &want)
			stored, err := findUser(t, s, u.ID)
			if err != nil {
				t.Fatalf("FindUserByID after UpdateUser: %v", err)
			}
			wantEqual(t, "stored after UpdateUser", stored, &want)
			stored, err = findUser(t, s, other.ID)
			if err != nil {
				t.Fatalf("FindUserByID(bystander): %v", err)
			}
			wantEqual(t, "bystander after UpdateUser", stored, other)
		})
	}
}

// ---------------------------------------------------------------- keys

func testKeys(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"CreateAndFindByHash", func(t *testing.T, s gatehouse.Store) {
			u := createUser(t, s, "k@example.com", gatehouse.UserActive)
			fresh := newKey(u.ID, "ci")
			used := newKey(u.ID, "laptop")
			used.LastUsedAt = t0.Add(time.Hour)
			update(t, s, func(tx gatehouse.Tx) error {
				if err := tx.Keys().CreateKey(t.Context(), fresh); err != nil {
					return err
				}
				return tx.Keys().CreateKey(t.Context(), used)
			})
			if fresh.ID == 0 || used.ID == 0 || fresh.ID == used.ID {
				t.Fatalf("CreateKey ids = %d, %d; want distinct non-zero", fresh.ID, used.ID)
			}
			for _, want := range []*gatehouse.APIKey{fresh, used} {
				got, err := findKey(t, s, want.Hash)
				if err != nil {
					t.Fatalf("FindKeyByHash(%s): %v", want.Name, err)
				}
				wantEqual(t, "FindKeyByHash("+want.Name+")", got, want)
			}
			if got, _ := findKey(t, s, fresh.Hash); got != nil && !got.LastUsedAt.IsZero() {
				t.Errorf("never-used key LastUsedAt = %v, want zero", got.LastUsedAt)
			}
		}},
		{"HashCollisionIsConflict", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			k := createKey(t, s, a.ID, "one")
			dup := newKey(b.ID, "two")
			dup.Hash = k.Hash
			err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Keys().CreateKey(t.Context(), dup) })
			wantCode(t, "CreateKey(duplicate hash)", err, gatehouse.ECONFLICT)
			if n := len(findKeys(t, s, b.ID)); n != 0 {
				t.Errorf("user b has %d keys after a conflicting CreateKey, want 0", n)
			}
		}},
		{"FindKeyByHashMissing", func(t *testing.T, s gatehouse.Store) {
			u := createUser(t, s, "k@example.com", gatehouse.UserActive)
			createKey(t, s, u.ID, "ci")
			_, err := findKey(t, s, hashOf("no such key"))
			wantCode(t, "FindKeyByHash(missing)", err, gatehouse.ENOTFOUND)
			_, err = findKey(t, s, gatehouse.Hash{})
			wantCode(t, "FindKeyByHash(zero)", err, gatehouse.ENOTFOUND)
		}},
		{"FindKeysByUser", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			c := createUser(t, s, "c@example.com", gatehouse.UserActive)
			var wantA, wantB []*gatehouse.APIKey
			// Interleaved, with names out of alphabetical order.
			for i, name := range []string{"zeta", "alpha", "mu", "beta"} {
				wantA = append(wantA, createKey(t, s, a.ID, name))
				wantB = append(wantB, createKey(t, s, b.ID, fmt.Sprintf("%s-%d", name, i)))
			}
			wantEqual(t, "FindKeysByUser(a)", findKeys(t, s, a.ID), wantA)
			wantEqual(t, "FindKeysByUser(b)", findKeys(t, s, b.ID), wantB)
			for _, id := range []int64{c.ID, 1 << 40} {
				got := findKeys(t, s, id)
				if got == nil || len(got) != 0 {
					t.Errorf("FindKeysByUser(%d) = %#v, want an empty non-nil slice", id, got)
				}
			}
		}},
		{"CountKeysByUser", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			for _, name := range []string{"1", "2", "3"} {
				createKey(t, s, a.ID, name)
			}
			for id, want := range map[int64]int{a.ID: 3, b.ID: 0, 1 << 40: 0} {
				var got int
				view(t, s, func(tx gatehouse.Tx) error {
					var err error
					got, err = tx.Keys().CountKeysByUser(t.Context(), id)
					return err
				})
				if got != want {
					t.Errorf("CountKeysByUser(%d) = %d, want %d", id, got, want)
				}
			}
		}},
		{"DeleteKey", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			ka := createKey(t, s, a.ID, "mine")
			kb := createKey(t, s, b.ID, "theirs")
			del := func(userID, id int64) error {
				return s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Keys().DeleteKey(t.Context(), userID, id) })
			}
			wantCode(t, "DeleteKey(another user's key)", del(a.ID, kb.ID), gatehouse.ENOTFOUND)
			wantCode(t, "DeleteKey(missing id)", del(a.ID, kb.ID+100), gatehouse.ENOTFOUND)
			wantCode(t, "DeleteKey(no such user)", del(1<<40, ka.ID), gatehouse.ENOTFOUND)
			if _, err := findKey(t, s, kb.Hash); err != nil {
				t.Fatalf("key of b after a's DeleteKey attempt: %v", err)
			}
			if err := del(a.ID, ka.ID); err != nil {
				t.Fatalf("DeleteKey(own key): %v", err)
			}
			_, err := findKey(t, s, ka.Hash)
			wantCode(t, "FindKeyByHash(deleted)", err, gatehouse.ENOTFOUND)
			wantCode(t, "DeleteKey(again)", del(a.ID, ka.ID), gatehouse.ENOTFOUND)
			wantEqual(t, "FindKeysByUser(b)", findKeys(t, s, b.ID), []*gatehouse.APIKey{kb})
		}},
		{"DeleteKeyDeletesItsTokens", func(t *testing.T, s gatehouse.Store) {
			u := createUser(t, s, "a@example.com", gatehouse.UserActive)
			k1 := createKey(t, s, u.ID, "one")
			k2 := createKey(t, s, u.ID, "two")
			exp := t0.Add(gatehouse.AccessTokenTTL)
			gone := []*gatehouse.AccessToken{createToken(t, s, k1, 1, exp), createToken(t, s, k1, 2, exp)}
			kept := createToken(t, s, k2, 1, exp)
			update(t, s, func(tx gatehouse.Tx) error { return tx.Keys().DeleteKey(t.Context(), u.ID, k1.ID) })
			for _, tok := range gone {
				_, err := findToken(t, s, tok.Hash)
				wantCode(t, "FindTokenByHash(token of deleted key)", err, gatehouse.ENOTFOUND)
			}
			got, err := findToken(t, s, kept.Hash)
			if err != nil {
				t.Fatalf("FindTokenByHash(token of other key): %v", err)
			}
			wantEqual(t, "token of other key", got, kept)
		}},
		{"DeleteKeysByUser", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			c := createUser(t, s, "c@example.com", gatehouse.UserActive)
			var wantIDs []int64
			var aTokens []*gatehouse.AccessToken
			exp := t0.Add(gatehouse.AccessTokenTTL)
			for i, name := range []string{"x", "y", "z"} {
				k := createKey(t, s, a.ID, name)
				wantIDs = append(wantIDs, k.ID)
				aTokens = append(aTokens, createToken(t, s, k, i, exp))
			}
			kb := createKey(t, s, b.ID, "keep")
			tb := createToken(t, s, kb, 0, exp)

			var got []int64
			update(t, s, func(tx gatehouse.Tx) error {
				var err error
				got, err = tx.Keys().DeleteKeysByUser(t.Context(), a.ID)
				return err
			})
			slices.Sort(got)
			wantEqual(t, "DeleteKeysByUser ids", got, wantIDs)
			if ks := findKeys(t, s, a.ID); len(ks) != 0 {
				t.Errorf("FindKeysByUser(a) after DeleteKeysByUser = %s, want none", show(ks))
			}
			for _, tok := range aTokens {
				_, err := findToken(t, s, tok.Hash)
				wantCode(t, "FindTokenByHash(token of deleted key)", err, gatehouse.ENOTFOUND)
			}
			wantEqual(t, "FindKeysByUser(b)", findKeys(t, s, b.ID), []*gatehouse.APIKey{kb})
			if _, err := findToken(t, s, tb.Hash); err != nil {
				t.Errorf("token of b after DeleteKeysByUser(a): %v", err)
			}
			// Nothing to delete: no error, no ids.
			update(t, s, func(tx gatehouse.Tx) error {
				var err error
				got, err = tx.Keys().DeleteKeysByUser(t.Context(), c.ID)
				return err
			})
			if len(got) != 0 {
				t.Errorf("DeleteKeysByUser(user without keys) = %v, want none", got)
			}
			// The account itself stays.
			if _, err := findUser(t, s, a.ID); err != nil {
				t.Errorf("FindUserByID(a) after DeleteKeysByUser: %v", err)
			}
		}},
		{"TouchKeys", func(t *testing.T, s gatehouse.Store) {
			u := createUser(t, s, "a@example.com", gatehouse.UserActive)
			never := createKey(t, s, u.ID, "never")
			recent := newKey(u.ID, "recent")
			recent.LastUsedAt = t0.Add(2 * time.Hour)
			update(t, s, func(tx gatehouse.Tx) error { return tx.Keys().CreateKey(t.Context(), recent) })
			other := createKey(t, s, u.ID, "untouched")
			gone := createKey(t, s, u.ID, "gone")
			update(t, s, func(tx gatehouse.Tx) error { return tx.Keys().DeleteKey(t.Context(), u.ID, gone.ID) })

			touch := func(used map[int64]time.Time) {
				t.Helper()
				update(t, s, func(tx gatehouse.Tx) error { return tx.Keys().TouchKeys(t.Context(), used) })
			}
			lastUsed := func(k *gatehouse.APIKey) time.Time {
				t.Helper()
				got, err := findKey(t, s, k.Hash)
				if err != nil {
					t.Fatalf("FindKeyByHash(%s): %v", k.Name, err)
				}
				return got.LastUsedAt
			}
			check := func(step string, k *gatehouse.APIKey, want time.Time) {
				t.Helper()
				if got := lastUsed(k); !got.Equal(want) {
					t.Errorf("%s: %s.LastUsedAt = %v, want %v", step, k.Name, got, want)
				}
			}

			touch(map[int64]time.Time{})
			touch(nil)
			// Moves a never-used key forward, leaves a newer time alone and
			// ignores ids that do not exist (deleted or never created).
			touch(map[int64]time.Time{
				never.ID:        t0.Add(time.Hour),
				recent.ID:       t0.Add(time.Hour),
				gone.ID:         t0.Add(time.Hour),
				1 << 40:         t0.Add(time.Hour),
				other.ID + 1000: t0.Add(time.Hour),
			})
			check("first touch", never, t0.Add(time.Hour))
			check("first touch", recent, t0.Add(2*time.Hour))
			check("first touch", other, time.Time{})
			// Equal and older times change nothing; newer ones win.
			touch(map[int64]time.Time{never.ID: t0.Add(time.Hour), recent.ID: t0})
			check("same/older touch", never, t0.Add(time.Hour))
			check("same/older touch", recent, t0.Add(2*time.Hour))
			touch(map[int64]time.Time{never.ID: t0.Add(3 * time.Hour), recent.ID: t0.Add(3*time.Hour + time.Millisecond)})
			check("newer touch", never, t0.Add(3*time.Hour))
			check("newer touch", recent, t0.Add(3*time.Hour+time.Millisecond))
			if _, err := findKey(t, s, gone.Hash); gatehouse.ErrorCode(err) != gatehouse.ENOTFOUND {
				t.Errorf("TouchKeys brought back a deleted key (err %v)", err)
			}
		}},
	})
}

// ---------------------------------------------------------------- tokens

func testTokens(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"CreateAndFind", func(t *testing.T, s gatehouse.Store) {
			u := createUser(t, s, "a@example.com", gatehouse.UserActive)
			k := createKey(t, s, u.ID, "ci")
			tok := createToken(t, s, k, 1, t0.Add(gatehouse.AccessTokenTTL))
			got, err := findToken(t, s, tok.Hash)
			if err != nil {
				t.Fatalf("FindTokenByHash: %v", err)
			}
			wantEqual(t, "FindTokenByHash", got, tok)
		}},
		{"DuplicateHashIsConflict", func(t *testing.T, s gatehouse.Store) {
			u := createUser(t, s, "a@example.com", gatehouse.UserActive)
			k := createKey(t, s, u.ID, "ci")
			tok := createToken(t, s, k, 1, t0)
			dup := *tok
			dup.ExpiresAt = t0.Add(time.Hour)
			err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Tokens().CreateToken(t.Context(), &dup) })
			wantCode(t, "CreateToken(duplicate hash)", err, gatehouse.ECONFLICT)
			got, err := findToken(t, s, tok.Hash)
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "token after conflicting CreateToken", got, tok)
		}},
		{"FindMissing", func(t *testing.T, s gatehouse.Store) {
			_, err := findToken(t, s, hashOf("nope"))
			wantCode(t, "FindTokenByHash(missing)", err, gatehouse.ENOTFOUND)
		}},
		{"DeleteTokensByUser", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			ka1, ka2 := createKey(t, s, a.ID, "1"), createKey(t, s, a.ID, "2")
			kb := createKey(t, s, b.ID, "1")
			exp := t0.Add(gatehouse.AccessTokenTTL)
			gone := []*gatehouse.AccessToken{createToken(t, s, ka1, 1, exp), createToken(t, s, ka1, 2, exp), createToken(t, s, ka2, 1, exp)}
			kept := createToken(t, s, kb, 1, exp)
			update(t, s, func(tx gatehouse.Tx) error { return tx.Tokens().DeleteTokensByUser(t.Context(), a.ID) })
			for _, tok := range gone {
				_, err := findToken(t, s, tok.Hash)
				wantCode(t, "FindTokenByHash(deleted)", err, gatehouse.ENOTFOUND)
			}
			if _, err := findToken(t, s, kept.Hash); err != nil {
				t.Errorf("token of b after DeleteTokensByUser(a): %v", err)
			}
			// The keys stay: only tokens go.
			if n := len(findKeys(t, s, a.ID)); n != 2 {
				t.Errorf("a has %d keys after DeleteTokensByUser, want 2", n)
			}
			// A user without tokens is not an error.
			update(t, s, func(tx gatehouse.Tx) error { return tx.Tokens().DeleteTokensByUser(t.Context(), a.ID) })
		}},
		{"DeleteExpiredTokens", func(t *testing.T, s gatehouse.Store) {
			u := createUser(t, s, "a@example.com", gatehouse.UserActive)
			k := createKey(t, s, u.ID, "ci")
			expired := []*gatehouse.AccessToken{
				createToken(t, s, k, 1, t0.Add(-48*time.Hour)),
				createToken(t, s, k, 2, t0.Add(-time.Second)),
				createToken(t, s, k, 3, t0.Add(-time.Millisecond)),
			}
			live := []*gatehouse.AccessToken{
				createToken(t, s, k, 4, t0.Add(time.Millisecond)),
				createToken(t, s, k, 5, t0.Add(gatehouse.AccessTokenTTL)),
			}
			var n int64
			update(t, s, func(tx gatehouse.Tx) error {
				var err error
				n, err = tx.Tokens().DeleteExpiredTokens(t.Context(), t0)
				return err
			})
			if n != int64(len(expired)) {
				t.Errorf("DeleteExpiredTokens = %d, want %d", n, len(expired))
			}
			for _, tok := range expired {
				_, err := findToken(t, s, tok.Hash)
				wantCode(t, "FindTokenByHash(expired)", err, gatehouse.ENOTFOUND)
			}
			for _, tok := range live {
				if _, err := findToken(t, s, tok.Hash); err != nil {
					t.Errorf("live token expiring %v: %v", tok.ExpiresAt, err)
				}
			}
			update(t, s, func(tx gatehouse.Tx) error {
				var err error
				n, err = tx.Tokens().DeleteExpiredTokens(t.Context(), t0)
				return err
			})
			if n != 0 {
				t.Errorf("second DeleteExpiredTokens = %d, want 0", n)
			}
		}},
	})
}

// ---------------------------------------------------------------- logins

func testLogins(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"CreateAndFindNewestFirst", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			var wantA []*gatehouse.Login
			for i := range 5 {
				l := &gatehouse.Login{
					UserID: a.ID, At: t0.Add(time.Duration(i) * time.Minute),
					IP: fmt.Sprintf("192.0.2.%d", i+1), UserAgent: "curl/8.5.0",
					Kind: gatehouse.LoginToken, Success: i%2 == 0,
				}
				if !l.Success {
					l.Kind, l.Reason = gatehouse.LoginConsole, "bad password"
				}
				lb := &gatehouse.Login{UserID: b.ID, At: l.At, IP: "2001:db8::1", UserAgent: "", Kind: gatehouse.LoginConsole, Success: true}
				update(t, s, func(tx gatehouse.Tx) error {
					if err := tx.Logins().CreateLogin(t.Context(), l); err != nil {
						return err
					}
					return tx.Logins().CreateLogin(t.Context(), lb)
				})
				if l.ID == 0 || lb.ID == 0 || l.ID == lb.ID {
					t.Fatalf("CreateLogin ids = %d, %d; want distinct non-zero", l.ID, lb.ID)
				}
				wantA = append(wantA, l)
			}
			slices.Reverse(wantA)
			wantEqual(t, "FindLoginsByUser(a, 10)", findLogins(t, s, a.ID, 10), wantA)
			wantEqual(t, "FindLoginsByUser(a, 2)", findLogins(t, s, a.ID, 2), wantA[:2])
			wantEqual(t, "FindLoginsByUser(a, 5)", findLogins(t, s, a.ID, 5), wantA)
			for _, l := range findLogins(t, s, b.ID, 10) {
				if l.UserID != b.ID {
					t.Errorf("FindLoginsByUser(b) returned a login of user %d", l.UserID)
				}
			}
			if n := len(findLogins(t, s, b.ID, 10)); n != 5 {
				t.Errorf("FindLoginsByUser(b) returned %d logins, want 5", n)
			}
		}},
		{"NoneForUser", func(t *testing.T, s gatehouse.Store) {
			u := createUser(t, s, "a@example.com", gatehouse.UserActive)
			if got := findLogins(t, s, u.ID, 10); len(got) != 0 {
				t.Errorf("FindLoginsByUser(no logins) = %s, want none", show(got))
			}
		}},
	})
}

// ---------------------------------------------------------------- revocations

func testRevocations(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	create := func(t *testing.T, s gatehouse.Store, rs ...*gatehouse.Revocation) {
		t.Helper()
		update(t, s, func(tx gatehouse.Tx) error {
			for _, r := range rs {
				if err := tx.Revocations().CreateRevocation(t.Context(), r); err != nil {
					return err
				}
			}
			return nil
		})
	}
	events := func() []*gatehouse.Revocation {
		return []*gatehouse.Revocation{
			{Kind: gatehouse.RevokeKey, SubjectID: 11, At: t0},
			{Kind: gatehouse.RevokeUser, SubjectID: 3, At: t0.Add(time.Second)},
			{Kind: gatehouse.RevokeKey, SubjectID: 12, At: t0.Add(time.Minute)},
			{Kind: gatehouse.RevokeKey, SubjectID: 13, At: t0.Add(time.Hour)},
			{Kind: gatehouse.RevokeUser, SubjectID: 4, At: t0.Add(2 * time.Hour)},
		}
	}
	vals := func(rs []*gatehouse.Revocation) []gatehouse.Revocation {
		out := make([]gatehouse.Revocation, 0, len(rs))
		for _, r := range rs {
			out = append(out, *r)
		}
		return out
	}
	subtests(t, open, []testCase{
		{"LatestSeqEmpty", func(t *testing.T, s gatehouse.Store) {
			if got := latestSeq(t, s); got != 0 {
				t.Errorf("LatestRevocationSeq on empty log = %d, want 0", got)
			}
			if got := findRevocations(t, s, 0, 10); len(got) != 0 {
				t.Errorf("FindRevocationsAfter on empty log = %s, want none", show(got))
			}
		}},
		{"SeqIncreases", func(t *testing.T, s gatehouse.Store) {
			rs := events()
			create(t, s, rs[:2]...)
			for _, r := range rs[2:] {
				create(t, s, r)
			}
			for i, r := range rs {
				if r.Seq <= 0 || (i > 0 && r.Seq <= rs[i-1].Seq) {
					t.Fatalf("seqs %v are not positive and increasing", ids(vals(rs), revSeq))
				}
			}
			if got, want := latestSeq(t, s), rs[len(rs)-1].Seq; got != want {
				t.Errorf("LatestRevocationSeq = %d, want %d", got, want)
			}
		}},
		{"FindAfter", func(t *testing.T, s gatehouse.Store) {
			rs := events()
			create(t, s, rs...)
			all := vals(rs)
			wantEqual(t, "FindRevocationsAfter(0, 100)", findRevocations(t, s, 0, 100), all)
			wantEqual(t, "FindRevocationsAfter(0, 2)", findRevocations(t, s, 0, 2), all[:2])
			wantEqual(t, "FindRevocationsAfter(seq1, 2)", findRevocations(t, s, all[1].Seq, 2), all[2:4])
			wantEqual(t, "FindRevocationsAfter(seq3, 100)", findRevocations(t, s, all[3].Seq, 100), all[4:])
			if got := findRevocations(t, s, all[4].Seq, 100); len(got) != 0 {
				t.Errorf("FindRevocationsAfter(latest) = %s, want none", show(got))
			}
			// Paging through the log with a small limit sees every event once.
			var paged []gatehouse.Revocation
			for seq := int64(0); ; {
				page := findRevocations(t, s, seq, 2)
				if len(page) == 0 {
					break
				}
				paged = append(paged, page...)
				seq = page[len(page)-1].Seq
				if len(paged) > len(all) {
					break
				}
			}
			wantEqual(t, "paged FindRevocationsAfter", paged, all)
		}},
		{"DeleteBefore", func(t *testing.T, s gatehouse.Store) {
			rs := events()
			create(t, s, rs...)
			all := vals(rs)
			last := all[len(all)-1].Seq
			// Strictly older than the cut-off goes; the event at it stays.
			update(t, s, func(tx gatehouse.Tx) error {
				return tx.Revocations().DeleteRevocationsBefore(t.Context(), all[2].At)
			})
			wantEqual(t, "after DeleteRevocationsBefore(at[2])", findRevocations(t, s, 0, 100), all[2:])
			if got := latestSeq(t, s); got != last {
				t.Errorf("LatestRevocationSeq after pruning = %d, want %d", got, last)
			}
			// Pruning never lets a seq be reused: a tailer that already read
			// up to the last event must see the next one.
			update(t, s, func(tx gatehouse.Tx) error {
				return tx.Revocations().DeleteRevocationsBefore(t.Context(), t0.Add(24*time.Hour))
			})
			if got := findRevocations(t, s, 0, 100); len(got) != 0 {
				t.Errorf("after pruning everything: %s, want none", show(got))
			}
			next := &gatehouse.Revocation{Kind: gatehouse.RevokeKey, SubjectID: 99, At: t0.Add(25 * time.Hour)}
			create(t, s, next)
			if next.Seq <= last {
				t.Errorf("seq after pruning = %d, want > %d (seqs must never be reused)", next.Seq, last)
			}
			wantEqual(t, "FindRevocationsAfter(last) after pruning", findRevocations(t, s, last, 100), []gatehouse.Revocation{*next})
		}},
	})
}

// ---------------------------------------------------------------- transactions

var errAbort = errors.New("storetest: abort")

func testTx(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"UpdateRollsBackOnError", func(t *testing.T, s gatehouse.Store) {
			keep := createUser(t, s, "keep@example.com", gatehouse.UserActive)
			keepKey := createKey(t, s, keep.ID, "keep")
			ctx := t.Context()
			var u *gatehouse.User
			var k *gatehouse.APIKey
			var tok *gatehouse.AccessToken
			err := s.Update(ctx, func(tx gatehouse.Tx) error {
				u = newUser("ghost@example.com", gatehouse.UserActive)
				if err := tx.Users().CreateUser(ctx, u); err != nil {
					return err
				}
				k = newKey(u.ID, "ghost")
				if err := tx.Keys().CreateKey(ctx, k); err != nil {
					return err
				}
				tok = newToken(k, 1, t0.Add(time.Hour))
				if err := tx.Tokens().CreateToken(ctx, tok); err != nil {
					return err
				}
				if err := tx.Logins().CreateLogin(ctx, &gatehouse.Login{UserID: u.ID, At: t0, Kind: gatehouse.LoginToken, Success: true}); err != nil {
					return err
				}
				if err := tx.Revocations().CreateRevocation(ctx, &gatehouse.Revocation{Kind: gatehouse.RevokeUser, SubjectID: u.ID, At: t0}); err != nil {
					return err
				}
				if _, err := tx.Users().UpdateUser(ctx, keep.ID, gatehouse.UserUpdate{Status: new(gatehouse.UserDisabled), UpdatedAt: t0.Add(time.Hour)}); err != nil {
					return err
				}
				if err := tx.Keys().DeleteKey(ctx, keep.ID, keepKey.ID); err != nil {
					return err
				}
				// The transaction sees its own writes.
				if _, err := tx.Users().FindUserByEmail(ctx, "ghost@example.com"); err != nil {
					return fmt.Errorf("own write not visible: %w", err)
				}
				return fmt.Errorf("wrapped: %w", errAbort)
			})
			if !errors.Is(err, errAbort) {
				t.Fatalf("Update returned %v, want the error fn returned", err)
			}
			_, err = findUser(t, s, u.ID)
			wantCode(t, "FindUserByID(rolled back)", err, gatehouse.ENOTFOUND)
			wantEqual(t, "FindUsers after rollback", findUsers(t, s, gatehouse.UserFilter{}), []*gatehouse.User{keep})
			_, err = findKey(t, s, k.Hash)
			wantCode(t, "FindKeyByHash(rolled back)", err, gatehouse.ENOTFOUND)
			_, err = findToken(t, s, tok.Hash)
			wantCode(t, "FindTokenByHash(rolled back)", err, gatehouse.ENOTFOUND)
			if got := findLogins(t, s, u.ID, 10); len(got) != 0 {
				t.Errorf("logins after rollback = %s, want none", show(got))
			}
			if got := latestSeq(t, s); got != 0 {
				t.Errorf("LatestRevocationSeq after rollback = %d, want 0", got)
			}
			wantEqual(t, "FindKeysByUser(keep) after rollback", findKeys(t, s, keep.ID), []*gatehouse.APIKey{keepKey})
			// The store still takes writes.
			createUser(t, s, "after@example.com", gatehouse.UserActive)
		}},
		{"UpdateRollsBackOnPanic", func(t *testing.T, s gatehouse.Store) {
			func() {
				defer func() {
					if r := recover(); r != errAbort {
						t.Errorf("recovered %v, want the panic value of fn", r)
					}
				}()
				_ = s.Update(t.Context(), func(tx gatehouse.Tx) error {
					if err := tx.Users().CreateUser(t.Context(), newUser("panic@example.com", gatehouse.UserActive)); err != nil {
						return err
					}
					panic(errAbort)
				})
			}()
			// The panicking transaction must not hold the database: a later
			// write (under a deadline, so a leak fails instead of hanging)
			// must go through, and the panicking write must be gone.
			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
			defer cancel()
			u := newUser("next@example.com", gatehouse.UserActive)
			if err := s.Update(ctx, func(tx gatehouse.Tx) error { return tx.Users().CreateUser(ctx, u) }); err != nil {
				t.Fatalf("Update after a panicking Update: %v", err)
			}
			wantEqual(t, "FindUsers after panic", findUsers(t, s, gatehouse.UserFilter{}), []*gatehouse.User{u})
		}},
		{"ViewSeesCommitted", func(t *testing.T, s gatehouse.Store) {
			u := createUser(t, s, "a@example.com", gatehouse.UserActive)
			got, err := findUser(t, s, u.ID)
			if err != nil {
				t.Fatalf("View after commit: %v", err)
			}
			wantEqual(t, "View after commit", got, u)
			update(t, s, func(tx gatehouse.Tx) error {
				_, err := tx.Users().UpdateUser(t.Context(), u.ID, gatehouse.UserUpdate{Status: new(gatehouse.UserDisabled), UpdatedAt: t0})
				return err
			})
			got, err = findUser(t, s, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != gatehouse.UserDisabled {
				t.Errorf("View after second commit: status %q, want %q", got.Status, gatehouse.UserDisabled)
			}
		}},
		{"ViewReturnsFnError", func(t *testing.T, s gatehouse.Store) {
			err := s.View(t.Context(), func(tx gatehouse.Tx) error { return errAbort })
			if !errors.Is(err, errAbort) {
				t.Errorf("View returned %v, want the error fn returned", err)
			}
		}},
		{"ViewIsReadOnly", func(t *testing.T, s gatehouse.Store) {
			err := s.View(t.Context(), func(tx gatehouse.Tx) error {
				return tx.Users().CreateUser(t.Context(), newUser("ro@example.com", gatehouse.UserActive))
			})
			if err == nil {
				t.Errorf("CreateUser inside View succeeded, want an error")
			}
			if got := findUsers(t, s, gatehouse.UserFilter{}); len(got) != 0 {
				t.Errorf("users after a write in View = %s, want none", show(got))
			}
		}},
		{"ConcurrentUpdates", func(t *testing.T, s gatehouse.Store) {
			const writers, each = 8, 10
			var wg sync.WaitGroup
			errs := make(chan error, writers*each)
			for w := range writers {
				wg.Go(func() {
					for i := range each {
						err := s.Update(t.Context(), func(tx gatehouse.Tx) error {
							u := newUser(fmt.Sprintf("w%d-%d@example.com", w, i), gatehouse.UserActive)
							if err := tx.Users().CreateUser(t.Context(), u); err != nil {
								return err
							}
							return tx.Logins().CreateLogin(t.Context(), &gatehouse.Login{UserID: u.ID, At: t0, Kind: gatehouse.LoginConsole, Success: true})
						})
						if err != nil {
							errs <- err
						}
					}
				})
			}
			// Readers run beside the writers.
			for range 4 {
				wg.Go(func() {
					for range each {
						if err := s.View(t.Context(), func(tx gatehouse.Tx) error {
							_, err := tx.Users().FindUsers(t.Context(), gatehouse.UserFilter{})
							return err
						}); err != nil {
							errs <- err
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Errorf("concurrent Update/View: %v", err)
			}
			us := findUsers(t, s, gatehouse.UserFilter{})
			if len(us) != writers*each {
				t.Errorf("got %d users, want %d", len(us), writers*each)
			}
			if got := ids(us, userID); !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
				t.Errorf("user ids %v are not unique and ordered", got)
			}
		}},
		{"PingAndClose", func(t *testing.T, s gatehouse.Store) {
			if err := s.Ping(t.Context()); err != nil {
				t.Errorf("Ping: %v", err)
			}
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
			defer cancel()
			if err := s.Ping(ctx); err == nil {
				t.Errorf("Ping after Close succeeded, want an error")
			}
			err := s.Update(ctx, func(tx gatehouse.Tx) error { return nil })
			if err == nil {
				t.Errorf("Update after Close succeeded, want an error")
			}
		}},
	})
}

// ---------------------------------------------------------------- times

// testTimes checks that every stored time comes back as the same instant,
// truncated to the millisecond, in UTC, whatever location it was written in.
func testTimes(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"MillisecondUTC", func(t *testing.T, s gatehouse.Store) {
			zone := time.FixedZone("IST", 5*3600+30*60)
			in := time.Date(2031, time.July, 9, 23, 59, 58, 987_654_321, zone)
			want := time.Date(2031, time.July, 9, 18, 29, 58, 987_000_000, time.UTC)
			// A time read from the clock carries a monotonic reading too.
			now := time.Now().In(zone)
			nowWant := now.Truncate(time.Millisecond).UTC()

			ctx := t.Context()
			u := &gatehouse.User{Email: "t@example.com", PasswordHash: phc, Status: gatehouse.UserActive, CreatedAt: in, UpdatedAt: now}
			var k *gatehouse.APIKey
			var tok *gatehouse.AccessToken
			l := &gatehouse.Login{At: in, Kind: gatehouse.LoginToken, Success: true}
			r := &gatehouse.Revocation{Kind: gatehouse.RevokeKey, SubjectID: 1, At: in}
			update(t, s, func(tx gatehouse.Tx) error {
				if err := tx.Users().CreateUser(ctx, u); err != nil {
					return err
				}
				k = &gatehouse.APIKey{UserID: u.ID, Name: "t", Hash: hashOf("t"), Hint: "h", CreatedAt: in, LastUsedAt: now}
				if err := tx.Keys().CreateKey(ctx, k); err != nil {
					return err
				}
				tok = &gatehouse.AccessToken{Hash: hashOf("tok"), UserID: u.ID, KeyID: k.ID, CreatedAt: now, ExpiresAt: in}
				if err := tx.Tokens().CreateToken(ctx, tok); err != nil {
					return err
				}
				l.UserID = u.ID
				if err := tx.Logins().CreateLogin(ctx, l); err != nil {
					return err
				}
				return tx.Revocations().CreateRevocation(ctx, r)
			})

			var times []struct {
				what      string
				got, want time.Time
			}
			add := func(what string, got, want time.Time) {
				times = append(times, struct {
					what      string
					got, want time.Time
				}{what, got, want})
			}
			view(t, s, func(tx gatehouse.Tx) error {
				gu, err := tx.Users().FindUserByID(ctx, u.ID)
				if err != nil {
					return err
				}
				add("User.CreatedAt", gu.CreatedAt, want)
				add("User.UpdatedAt", gu.UpdatedAt, nowWant)
				gk, err := tx.Keys().FindKeyByHash(ctx, k.Hash)
				if err != nil {
					return err
				}
				add("APIKey.CreatedAt", gk.CreatedAt, want)
				add("APIKey.LastUsedAt", gk.LastUsedAt, nowWant)
				gt, err := tx.Tokens().FindTokenByHash(ctx, tok.Hash)
				if err != nil {
					return err
				}
				add("AccessToken.CreatedAt", gt.CreatedAt, nowWant)
				add("AccessToken.ExpiresAt", gt.ExpiresAt, want)
				gl, err := tx.Logins().FindLoginsByUser(ctx, u.ID, 1)
				if err != nil {
					return err
				}
				if len(gl) != 1 {
					return fmt.Errorf("FindLoginsByUser returned %d logins, want 1", len(gl))
				}
				add("Login.At", gl[0].At, want)
				gr, err := tx.Revocations().FindRevocationsAfter(ctx, 0, 1)
				if err != nil {
					return err
				}
				if len(gr) != 1 {
					return fmt.Errorf("FindRevocationsAfter returned %d events, want 1", len(gr))
				}
				add("Revocation.At", gr[0].At, want)
				return nil
			})
			// TouchKeys compares and stores at millisecond precision too.
			update(t, s, func(tx gatehouse.Tx) error {
				return tx.Keys().TouchKeys(ctx, map[int64]time.Time{k.ID: now.Add(time.Nanosecond)})
			})
			gk, err := findKey(t, s, k.Hash)
			if err != nil {
				t.Fatal(err)
			}
			add("APIKey.LastUsedAt after TouchKeys", gk.LastUsedAt, now.Add(time.Nanosecond).Truncate(time.Millisecond).UTC())
			gu, err := findUser(t, s, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			update(t, s, func(tx gatehouse.Tx) error {
				gu, err = tx.Users().UpdateUser(ctx, u.ID, gatehouse.UserUpdate{UpdatedAt: in})
				return err
			})
			add("UpdateUser result UpdatedAt", gu.UpdatedAt, want)

			for _, tt := range times {
				if !tt.got.Equal(tt.want) {
					t.Errorf("%s = %v, want %v", tt.what, tt.got, tt.want)
				}
				if tt.got.Location() != time.UTC {
					t.Errorf("%s location = %v, want UTC", tt.what, tt.got.Location())
				}
			}
		}},
	})
}
