// Package storetest is the conformance suite for gatehouse.Store backends.
// Every backend (SQLite, PostgreSQL) runs Run and RunIDs (ids.go: no id is
// ever handed out twice, also across a reopen) from its own tests, so the
// backends are held to one contract: the one written on the interfaces in
// the root package's store.go.
package storetest

import (
	"bytes"
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
	"github.com/gatehouse/gatehouse/internal/secret"
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
		{"LoginAttempts", testLoginAttempts},
		{"Revocations", testRevocations},
		{"Tx", testTx},
		{"Times", testTimes},
		{"Datasets", testDatasets},
		{"Shares", testShares},
		{"Chats", testChats},
		{"ChatSizes", testChatSizes},
		{"PromptLogs", testPromptLogs},
		{"ContentTx", testContentTx},
		{"ContentTimes", testContentTimes},
		{"Apps", testApps},
		{"AppKeys", testAppKeys},
		{"AccountKeys", testAccountKeys},
		{"AppsTx", testAppsTx},
		{"AppsTimes", testAppsTimes},
		{"Settings", testSettings},
		{"Concurrency", testConcurrency},
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
		{"StringSubjects", func(t *testing.T, s gatehouse.Store) {
			app := secret.NewObjectID(time.Now())
			rs := []*gatehouse.Revocation{
				{Kind: gatehouse.RevokeApp, Subject: app, At: t0},
				{Kind: gatehouse.RevokeKey, SubjectID: 11, At: t0.Add(time.Second)},
				{Kind: gatehouse.RevokeAppKey, Subject: secret.NewAppKeyID(time.Now()), At: t0.Add(2 * time.Second)},
				{Kind: gatehouse.RevokeUser, SubjectID: 1 << 40, At: t0.Add(3 * time.Second)},
				{Kind: gatehouse.RevokeAccountKey, Subject: secret.NewAccountKeyID(time.Now()), At: t0.Add(4 * time.Second)},
				// The same app revoked again is a new event.
				{Kind: gatehouse.RevokeApp, Subject: app, At: t0.Add(5 * time.Second)},
			}
			create(t, s, rs[:3]...)
			create(t, s, rs[3:]...)
			for i, r := range rs {
				if r.Seq <= 0 || (i > 0 && r.Seq <= rs[i-1].Seq) {
					t.Fatalf("seqs %v are not positive and increasing", ids(vals(rs), revSeq))
				}
			}
			all := vals(rs)
			wantEqual(t, "FindRevocationsAfter(0)", findRevocations(t, s, 0, 100), all)
			wantEqual(t, "FindRevocationsAfter(seq1, 3)", findRevocations(t, s, all[1].Seq, 3), all[2:5])
			update(t, s, func(tx gatehouse.Tx) error {
				return tx.Revocations().DeleteRevocationsBefore(t.Context(), all[2].At)
			})
			wantEqual(t, "after DeleteRevocationsBefore", findRevocations(t, s, 0, 100), all[2:])
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
		{"ViewSeesOneSnapshot", func(t *testing.T, s gatehouse.Store) {
			// A write that commits while a View runs is not seen by it,
			// after its first read, however many reads follow.
			createUser(t, s, "a@example.com", gatehouse.UserActive)
			view(t, s, func(tx gatehouse.Tx) error {
				before, err := tx.Users().FindUsers(t.Context(), gatehouse.UserFilter{})
				if err != nil {
					return err
				}
				createUser(t, s, "b@example.com", gatehouse.UserActive)
				after, err := tx.Users().FindUsers(t.Context(), gatehouse.UserFilter{})
				if err != nil {
					return err
				}
				if len(before) != 1 || len(after) != 1 {
					t.Errorf("View saw %d then %d users, want 1 and 1 (one snapshot)", len(before), len(after))
				}
				return nil
			})
			if got := findUsers(t, s, gatehouse.UserFilter{}); len(got) != 2 {
				t.Errorf("a View after the write sees %d users, want 2", len(got))
			}
		}},
		{"ClosedIsUnavailable", func(t *testing.T, s gatehouse.Store) {
			createUser(t, s, "a@example.com", gatehouse.UserActive)
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if err := s.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
			defer cancel()
			ran := false
			wantCode(t, "Update after Close", s.Update(ctx, func(tx gatehouse.Tx) error { ran = true; return nil }), gatehouse.EUNAVAILABLE)
			wantCode(t, "View after Close", s.View(ctx, func(tx gatehouse.Tx) error { ran = true; return nil }), gatehouse.EUNAVAILABLE)
			wantCode(t, "Ping after Close", s.Ping(ctx), gatehouse.EUNAVAILABLE)
			if ran {
				t.Errorf("fn ran on a closed store")
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

// ---------------------------------------------------------------- datasets

func newDataset(ownerID int64, name string, class gatehouse.Classification) *gatehouse.Dataset {
	return &gatehouse.Dataset{OwnerID: ownerID, Name: name, Classification: class, CreatedAt: t0}
}

func createDataset(t *testing.T, s gatehouse.Store, ownerID int64, name string) *gatehouse.Dataset {
	t.Helper()
	d := newDataset(ownerID, name, gatehouse.Unclassified)
	update(t, s, func(tx gatehouse.Tx) error { return tx.Datasets().CreateDataset(t.Context(), d) })
	if d.ID == 0 {
		t.Fatalf("CreateDataset(%q) left ID zero", name)
	}
	return d
}

func findDataset(t *testing.T, s gatehouse.Store, ownerID int64, name string) (*gatehouse.Dataset, error) {
	t.Helper()
	var d *gatehouse.Dataset
	err := s.View(t.Context(), func(tx gatehouse.Tx) error {
		var err error
		d, err = tx.Datasets().FindDatasetByOwnerName(t.Context(), ownerID, name)
		return err
	})
	return d, err
}

func findDatasetsFor(t *testing.T, s gatehouse.Store, userID int64) []gatehouse.DatasetAccess {
	t.Helper()
	var out []gatehouse.DatasetAccess
	view(t, s, func(tx gatehouse.Tx) error {
		var err error
		out, err = tx.Datasets().FindDatasetsForUser(t.Context(), userID)
		return err
	})
	return out
}

func share(t *testing.T, s gatehouse.Store, datasetID, userID int64, perm gatehouse.Permission) *gatehouse.Share {
	t.Helper()
	sh := &gatehouse.Share{DatasetID: datasetID, UserID: userID, Permission: perm, CreatedAt: t0, UpdatedAt: t0}
	update(t, s, func(tx gatehouse.Tx) error { return tx.Datasets().UpsertShare(t.Context(), sh) })
	return sh
}

func findShare(t *testing.T, s gatehouse.Store, datasetID, userID int64) (*gatehouse.Share, error) {
	t.Helper()
	var sh *gatehouse.Share
	err := s.View(t.Context(), func(tx gatehouse.Tx) error {
		var err error
		sh, err = tx.Datasets().FindShare(t.Context(), datasetID, userID)
		return err
	})
	return sh, err
}

func access(d *gatehouse.Dataset, p gatehouse.Permission) gatehouse.DatasetAccess {
	return gatehouse.DatasetAccess{Dataset: *d, Permission: p}
}

func accessID(a gatehouse.DatasetAccess) int64 { return a.Dataset.ID }

func testDatasets(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"CreateSetsIDAndRoundTrips", func(t *testing.T, s gatehouse.Store) {
			u := createUser(t, s, "d@example.com", gatehouse.UserActive)
			plain := newDataset(u.ID, "alpha-set", gatehouse.Unclassified)
			cui := newDataset(u.ID, "CUI-beta", gatehouse.CUI)
			cui.CreatedAt = t0.Add(time.Minute)
			update(t, s, func(tx gatehouse.Tx) error {
				if err := tx.Datasets().CreateDataset(t.Context(), plain); err != nil {
					return err
				}
				return tx.Datasets().CreateDataset(t.Context(), cui)
			})
			if plain.ID == 0 || cui.ID == 0 || plain.ID == cui.ID {
				t.Fatalf("CreateDataset ids = %d, %d; want distinct non-zero", plain.ID, cui.ID)
			}
			for _, want := range []*gatehouse.Dataset{plain, cui} {
				got, err := findDataset(t, s, u.ID, want.Name)
				if err != nil {
					t.Fatalf("FindDatasetByOwnerName(%s): %v", want.Name, err)
				}
				wantEqual(t, "FindDatasetByOwnerName("+want.Name+")", got, want)
			}
		}},
		{"DuplicateNameIsConflictPerOwner", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			first := createDataset(t, s, a.ID, "same-name")
			dup := newDataset(a.ID, "same-name", gatehouse.CUI)
			err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Datasets().CreateDataset(t.Context(), dup) })
			wantCode(t, "CreateDataset(same owner, same name)", err, gatehouse.ECONFLICT)
			got, err := findDataset(t, s, a.ID, "same-name")
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "dataset after conflicting CreateDataset", got, first)
			wantEqual(t, "FindDatasetsForUser(a) after conflict", findDatasetsFor(t, s, a.ID),
				[]gatehouse.DatasetAccess{access(first, gatehouse.PermOwner)})
			// Another owner may use the name.
			other := createDataset(t, s, b.ID, "same-name")
			if other.ID == first.ID {
				t.Errorf("b's dataset got a's id %d", first.ID)
			}
			got, err = findDataset(t, s, b.ID, "same-name")
			if err != nil {
				t.Fatalf("FindDatasetByOwnerName(b): %v", err)
			}
			wantEqual(t, "FindDatasetByOwnerName(b)", got, other)
		}},
		{"FindDatasetByOwnerNameMissing", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			createDataset(t, s, a.ID, "mine")
			for _, tt := range []struct {
				owner int64
				name  string
			}{{a.ID, "nope"}, {b.ID, "mine"}, {1 << 40, "mine"}, {a.ID, ""}} {
				_, err := findDataset(t, s, tt.owner, tt.name)
				wantCode(t, fmt.Sprintf("FindDatasetByOwnerName(%d, %q)", tt.owner, tt.name), err, gatehouse.ENOTFOUND)
			}
		}},
		{"FindDatasetsForUser", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			c := createUser(t, s, "c@example.com", gatehouse.UserActive)
			none := createUser(t, s, "none@example.com", gatehouse.UserActive)
			// Own and shared datasets interleave in id order, and their
			// names are out of alphabetical order, so that only the dataset
			// id explains the result order.
			d1 := createDataset(t, s, a.ID, "zulu")
			d2 := createDataset(t, s, b.ID, "yankee")
			d3 := createDataset(t, s, a.ID, "alpha")
			d4 := createDataset(t, s, c.ID, "xray")
			d5 := createDataset(t, s, b.ID, "bravo")
			d6 := createDataset(t, s, c.ID, "whiskey") // not shared with a
			// Shares granted out of dataset order.
			share(t, s, d5.ID, a.ID, gatehouse.PermAdmin)
			share(t, s, d2.ID, a.ID, gatehouse.PermRead)
			share(t, s, d4.ID, a.ID, gatehouse.PermEdit)
			share(t, s, d3.ID, b.ID, gatehouse.PermEdit)

			tests := []struct {
				name string
				user int64
				want []gatehouse.DatasetAccess
			}{
				{"a", a.ID, []gatehouse.DatasetAccess{
					access(d1, gatehouse.PermOwner), access(d2, gatehouse.PermRead), access(d3, gatehouse.PermOwner),
					access(d4, gatehouse.PermEdit), access(d5, gatehouse.PermAdmin),
				}},
				{"b", b.ID, []gatehouse.DatasetAccess{
					access(d2, gatehouse.PermOwner), access(d3, gatehouse.PermEdit), access(d5, gatehouse.PermOwner),
				}},
				{"c", c.ID, []gatehouse.DatasetAccess{access(d4, gatehouse.PermOwner), access(d6, gatehouse.PermOwner)}},
				{"none", none.ID, []gatehouse.DatasetAccess{}},
				{"unknown user", 1 << 40, []gatehouse.DatasetAccess{}},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					t.Parallel()
					got := findDatasetsFor(t, s, tt.user)
					if got == nil {
						t.Errorf("FindDatasetsForUser(%s) = nil, want a non-nil slice", tt.name)
					}
					if !slices.IsSortedFunc(got, func(x, y gatehouse.DatasetAccess) int { return cmp.Compare(x.Dataset.ID, y.Dataset.ID) }) {
						t.Errorf("FindDatasetsForUser(%s) ids %v not in dataset id order", tt.name, ids(got, accessID))
					}
					wantEqual(t, "FindDatasetsForUser("+tt.name+")", got, tt.want)
				})
			}
		}},
		{"DeleteDatasetCascadesShares", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			gone := createDataset(t, s, a.ID, "gone")
			kept := createDataset(t, s, a.ID, "kept")
			share(t, s, gone.ID, b.ID, gatehouse.PermEdit)
			keptShare := share(t, s, kept.ID, b.ID, gatehouse.PermRead)
			del := func(id int64) error {
				return s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Datasets().DeleteDataset(t.Context(), id) })
			}
			if err := del(gone.ID); err != nil {
				t.Fatalf("DeleteDataset: %v", err)
			}
			_, err := findDataset(t, s, a.ID, "gone")
			wantCode(t, "FindDatasetByOwnerName(deleted)", err, gatehouse.ENOTFOUND)
			_, err = findShare(t, s, gone.ID, b.ID)
			wantCode(t, "FindShare(share of deleted dataset)", err, gatehouse.ENOTFOUND)
			wantEqual(t, "FindDatasetsForUser(a) after delete", findDatasetsFor(t, s, a.ID),
				[]gatehouse.DatasetAccess{access(kept, gatehouse.PermOwner)})
			wantEqual(t, "FindDatasetsForUser(b) after delete", findDatasetsFor(t, s, b.ID),
				[]gatehouse.DatasetAccess{access(kept, gatehouse.PermRead)})
			got, err := findShare(t, s, kept.ID, b.ID)
			if err != nil {
				t.Fatalf("FindShare(share of other dataset): %v", err)
			}
			wantEqual(t, "share of other dataset", got, keptShare)
			wantCode(t, "DeleteDataset(again)", del(gone.ID), gatehouse.ENOTFOUND)
			wantCode(t, "DeleteDataset(never existed)", del(kept.ID+1000), gatehouse.ENOTFOUND)
			// The name is free again.
			again := createDataset(t, s, a.ID, "gone")
			got2, err := findDataset(t, s, a.ID, "gone")
			if err != nil {
				t.Fatalf("FindDatasetByOwnerName(recreated): %v", err)
			}
			wantEqual(t, "recreated dataset", got2, again)
			// The recreated dataset does not inherit the old shares.
			_, err = findShare(t, s, again.ID, b.ID)
			wantCode(t, "FindShare(recreated dataset)", err, gatehouse.ENOTFOUND)
		}},
	})
}

// ---------------------------------------------------------------- shares

func testShares(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"UpsertInsertsThenUpdates", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			c := createUser(t, s, "c@example.com", gatehouse.UserActive)
			d := createDataset(t, s, a.ID, "data")
			first := share(t, s, d.ID, b.ID, gatehouse.PermRead)
			bystander := share(t, s, d.ID, c.ID, gatehouse.PermEdit)
			got, err := findShare(t, s, d.ID, b.ID)
			if err != nil {
				t.Fatalf("FindShare after insert: %v", err)
			}
			wantEqual(t, "FindShare after insert", got, first)

			// A second upsert changes the permission and updated_at and
			// keeps the original created_at.
			second := &gatehouse.Share{
				DatasetID: d.ID, UserID: b.ID, Permission: gatehouse.PermAdmin,
				CreatedAt: t0.Add(time.Hour), UpdatedAt: t0.Add(2 * time.Hour),
			}
			update(t, s, func(tx gatehouse.Tx) error { return tx.Datasets().UpsertShare(t.Context(), second) })
			got, err = findShare(t, s, d.ID, b.ID)
			if err != nil {
				t.Fatalf("FindShare after update: %v", err)
			}
			want := &gatehouse.Share{
				DatasetID: d.ID, UserID: b.ID, Permission: gatehouse.PermAdmin,
				CreatedAt: t0, UpdatedAt: t0.Add(2 * time.Hour),
			}
			wantEqual(t, "FindShare after update", got, want)
			// Downgrading is an update like any other.
			update(t, s, func(tx gatehouse.Tx) error {
				return tx.Datasets().UpsertShare(t.Context(), &gatehouse.Share{
					DatasetID: d.ID, UserID: b.ID, Permission: gatehouse.PermRead,
					CreatedAt: t0.Add(3 * time.Hour), UpdatedAt: t0.Add(3 * time.Hour),
				})
			})
			want.Permission, want.UpdatedAt = gatehouse.PermRead, t0.Add(3*time.Hour)
			got, err = findShare(t, s, d.ID, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "FindShare after downgrade", got, want)
			got, err = findShare(t, s, d.ID, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "bystander share", got, bystander)
			wantEqual(t, "FindDatasetsForUser(b)", findDatasetsFor(t, s, b.ID),
				[]gatehouse.DatasetAccess{access(d, gatehouse.PermRead)})
		}},
		{"FindShareMissing", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			d := createDataset(t, s, a.ID, "data")
			other := createDataset(t, s, a.ID, "other")
			share(t, s, d.ID, b.ID, gatehouse.PermRead)
			for _, tt := range []struct {
				name              string
				datasetID, userID int64
			}{
				{"owner has no share row", d.ID, a.ID},
				{"other dataset", other.ID, b.ID},
				{"unknown dataset", d.ID + 1000, b.ID},
				{"unknown user", d.ID, 1 << 40},
			} {
				_, err := findShare(t, s, tt.datasetID, tt.userID)
				wantCode(t, "FindShare("+tt.name+")", err, gatehouse.ENOTFOUND)
			}
		}},
		{"DeleteShare", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			c := createUser(t, s, "c@example.com", gatehouse.UserActive)
			d := createDataset(t, s, a.ID, "data")
			share(t, s, d.ID, b.ID, gatehouse.PermEdit)
			kept := share(t, s, d.ID, c.ID, gatehouse.PermRead)
			del := func(datasetID, userID int64) error {
				return s.Update(t.Context(), func(tx gatehouse.Tx) error {
					return tx.Datasets().DeleteShare(t.Context(), datasetID, userID)
				})
			}
			if err := del(d.ID, b.ID); err != nil {
				t.Fatalf("DeleteShare: %v", err)
			}
			_, err := findShare(t, s, d.ID, b.ID)
			wantCode(t, "FindShare(deleted)", err, gatehouse.ENOTFOUND)
			if got := findDatasetsFor(t, s, b.ID); len(got) != 0 {
				t.Errorf("FindDatasetsForUser(b) after DeleteShare = %s, want none", show(got))
			}
			wantCode(t, "DeleteShare(again)", del(d.ID, b.ID), gatehouse.ENOTFOUND)
			wantCode(t, "DeleteShare(owner)", del(d.ID, a.ID), gatehouse.ENOTFOUND)
			wantCode(t, "DeleteShare(unknown dataset)", del(d.ID+1000, c.ID), gatehouse.ENOTFOUND)
			got, err := findShare(t, s, d.ID, c.ID)
			if err != nil {
				t.Fatalf("FindShare(other user's share): %v", err)
			}
			wantEqual(t, "other user's share", got, kept)
			if _, err := findDataset(t, s, a.ID, "data"); err != nil {
				t.Errorf("dataset after DeleteShare: %v", err)
			}
		}},
	})
}

// ---------------------------------------------------------------- chats

func newChat(id string, userID int64, updated time.Time) *gatehouse.ChatSession {
	return &gatehouse.ChatSession{ID: id, UserID: userID, Title: "chat " + id, CreatedAt: t0, UpdatedAt: updated}
}

func createChat(t *testing.T, s gatehouse.Store, id string, userID int64, updated time.Time) *gatehouse.ChatSession {
	t.Helper()
	c := newChat(id, userID, updated)
	update(t, s, func(tx gatehouse.Tx) error { return tx.Chats().CreateChat(t.Context(), c) })
	return c
}

func findChat(t *testing.T, s gatehouse.Store, id string) (*gatehouse.ChatSession, error) {
	t.Helper()
	var c *gatehouse.ChatSession
	err := s.View(t.Context(), func(tx gatehouse.Tx) error {
		var err error
		c, err = tx.Chats().FindChatByID(t.Context(), id)
		return err
	})
	return c, err
}

// findChats lists a user's sessions in the store's order: the ids from
// FindChatIDsByUser, each read back with FindChatsByIDs.
func findChats(t *testing.T, s gatehouse.Store, userID int64) []*gatehouse.ChatSession {
	t.Helper()
	var cs []*gatehouse.ChatSession
	view(t, s, func(tx gatehouse.Tx) error {
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

func findMessages(t *testing.T, s gatehouse.Store, sessionID string) []*gatehouse.ChatMessage {
	t.Helper()
	var ms []*gatehouse.ChatMessage
	view(t, s, func(tx gatehouse.Tx) error {
		var err error
		ms, err = tx.Chats().FindChatMessages(t.Context(), sessionID)
		return err
	})
	return ms
}

// findMessagesByUser returns every message of every session of the user,
// grouped by session, read with FindChatMessagesPage in pages of at most
// two messages (so that paging is exercised wherever this is used).
func findMessagesByUser(t *testing.T, s gatehouse.Store, userID int64) map[string][]*gatehouse.ChatMessage {
	t.Helper()
	m := map[string][]*gatehouse.ChatMessage{}
	view(t, s, func(tx gatehouse.Tx) error {
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
	update(t, s, func(tx gatehouse.Tx) error { return tx.Chats().AppendChatMessages(t.Context(), sessionID, msgs, at) })
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
			u := createUser(t, s, "a@example.com", gatehouse.UserActive)
			c := newChat(s1, u.ID, t0.Add(time.Minute))
			c.Title = "Résumé — ünïcode title"
			update(t, s, func(tx gatehouse.Tx) error { return tx.Chats().CreateChat(t.Context(), c) })
			got, err := findChat(t, s, s1)
			if err != nil {
				t.Fatalf("FindChatByID: %v", err)
			}
			wantEqual(t, "FindChatByID", got, c)
			for _, id := range []string{s2, "", "not-a-uuid"} {
				_, err := findChat(t, s, id)
				wantCode(t, "FindChatByID("+id+")", err, gatehouse.ENOTFOUND)
			}
		}},
		{"RepeatedIDIsConflict", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			c := createChat(t, s, s1, a.ID, t0)
			for _, owner := range []int64{a.ID, b.ID} {
				dup := newChat(s1, owner, t0.Add(time.Hour))
				dup.Title = "dup"
				err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Chats().CreateChat(t.Context(), dup) })
				wantCode(t, fmt.Sprintf("CreateChat(repeated id, user %d)", owner), err, gatehouse.ECONFLICT)
			}
			got, err := findChat(t, s, s1)
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "chat after conflicting CreateChat", got, c)
			if got := findChats(t, s, b.ID); len(got) != 0 {
				t.Errorf("sessions of(b) after conflict = %s, want none", show(got))
			}
		}},
		{"FindChatIDsByUserNewestFirst", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			none := createUser(t, s, "none@example.com", gatehouse.UserActive)
			// Created in an order unrelated to their update times.
			c1 := createChat(t, s, s1, a.ID, t0.Add(1*time.Minute))
			c2 := createChat(t, s, s2, a.ID, t0.Add(3*time.Minute))
			cb := createChat(t, s, s3, b.ID, t0.Add(5*time.Minute))
			c3 := createChat(t, s, s4, a.ID, t0.Add(2*time.Minute))
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
			u := createUser(t, s, "a@example.com", gatehouse.UserActive)
			c := createChat(t, s, s1, u.ID, t0)
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
			wantEqual(t, "FindChatMessages", findMessages(t, s, s1), all)
			got, err := findChat(t, s, s1)
			if err != nil {
				t.Fatal(err)
			}
			c.UpdatedAt = t0.Add(2 * time.Minute)
			wantEqual(t, "session after AppendChatMessages", got, c)
		}},
		{"AppendToUnknownSession", func(t *testing.T, s gatehouse.Store) {
			u := createUser(t, s, "a@example.com", gatehouse.UserActive)
			createChat(t, s, s1, u.ID, t0)
			err := s.Update(t.Context(), func(tx gatehouse.Tx) error {
				return tx.Chats().AppendChatMessages(t.Context(), s2, messages(s2, t0, "lost"), t0.Add(time.Hour))
			})
			wantCode(t, "AppendChatMessages(unknown session)", err, gatehouse.ENOTFOUND)
			if got := findMessages(t, s, s2); len(got) != 0 {
				t.Errorf("FindChatMessages(unknown session) = %s, want none", show(got))
			}
			if got := findMessagesByUser(t, s, u.ID); len(got) != 0 {
				t.Errorf("paged messages after failed append = %s, want none", show(got))
			}
		}},
		{"MessagesByUserPaged", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			none := createUser(t, s, "none@example.com", gatehouse.UserActive)
			createChat(t, s, s1, a.ID, t0)
			createChat(t, s, s2, a.ID, t0)
			createChat(t, s, s3, a.ID, t0) // no messages
			createChat(t, s, s4, b.ID, t0)
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
				wantEqual(t, "FindChatMessages("+sid+")", findMessages(t, s, sid), want[sid])
			}
			if got := findMessages(t, s, s3); len(got) != 0 {
				t.Errorf("FindChatMessages(empty session) = %s, want none", show(got))
			}
		}},
		{"DeleteChat", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			gone := createChat(t, s, s1, a.ID, t0)
			kept := createChat(t, s, s2, a.ID, t0)
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
			got, err := findChat(t, s, s1)
			if err != nil {
				t.Fatalf("FindChatByID after another user's DeleteChat: %v", err)
			}
			wantEqual(t, "session after another user's DeleteChat", got, gone)
			wantEqual(t, "messages after another user's DeleteChat", findMessages(t, s, s1), goneMsgs)

			if err := del(a.ID, s1); err != nil {
				t.Fatalf("DeleteChat(own): %v", err)
			}
			_, err = findChat(t, s, s1)
			wantCode(t, "FindChatByID(deleted)", err, gatehouse.ENOTFOUND)
			if got := findMessages(t, s, s1); len(got) != 0 {
				t.Errorf("FindChatMessages(deleted session) = %s, want none", show(got))
			}
			wantEqual(t, "sessions of(a) after delete", findChats(t, s, a.ID), []*gatehouse.ChatSession{kept})
			wantEqual(t, "paged messages of(a) after delete", findMessagesByUser(t, s, a.ID),
				map[string][]*gatehouse.ChatMessage{s2: keptMsgs})
			wantCode(t, "DeleteChat(again)", del(a.ID, s1), gatehouse.ENOTFOUND)
			// The id is free again, with no messages of the old session.
			createChat(t, s, s1, a.ID, t0.Add(time.Hour))
			if got := findMessages(t, s, s1); len(got) != 0 {
				t.Errorf("FindChatMessages(recreated session) = %s, want none", show(got))
			}
		}},
	})
}

// ---------------------------------------------------------------- prompt logs

func findPromptLogs(t *testing.T, s gatehouse.Store, userID int64, limit int) []*gatehouse.PromptLog {
	t.Helper()
	return findPromptLogsBefore(t, s, userID, 0, limit)
}

func findPromptLogsBefore(t *testing.T, s gatehouse.Store, userID, beforeID int64, limit int) []*gatehouse.PromptLog {
	t.Helper()
	var ls []*gatehouse.PromptLog
	view(t, s, func(tx gatehouse.Tx) error {
		var err error
		ls, err = tx.PromptLogs().FindPromptLogsByUser(t.Context(), userID, beforeID, limit)
		return err
	})
	return ls
}

func promptLogID(l *gatehouse.PromptLog) int64 { return l.ID }

func testPromptLogs(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"CreateAndFindNewestFirst", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			var wantA, wantB []*gatehouse.PromptLog
			for i := range 5 {
				la := &gatehouse.PromptLog{
					UserID: a.ID, SessionID: fmt.Sprintf("session-%d", i%2), At: t0.Add(time.Duration(i) * time.Minute),
					Prompt: fmt.Sprintf("prompt %d — ü", i), Completion: fmt.Sprintf("completion %d\n", i), Model: "llama3.1:8b",
					PromptTokens: 10 + i, CompletionTokens: 20 + i, TotalTokens: 30 + 2*i, IP: "192.0.2.7",
				}
				lb := &gatehouse.PromptLog{UserID: b.ID, At: la.At, Prompt: "b", Completion: "", Model: "m", IP: "2001:db8::2"}
				update(t, s, func(tx gatehouse.Tx) error {
					if err := tx.PromptLogs().CreatePromptLog(t.Context(), la); err != nil {
						return err
					}
					return tx.PromptLogs().CreatePromptLog(t.Context(), lb)
				})
				if la.ID == 0 || lb.ID == 0 || la.ID == lb.ID {
					t.Fatalf("CreatePromptLog ids = %d, %d; want distinct non-zero", la.ID, lb.ID)
				}
				wantA, wantB = append(wantA, la), append(wantB, lb)
			}
			slices.Reverse(wantA)
			slices.Reverse(wantB)
			wantEqual(t, "FindPromptLogsByUser(a, 10)", findPromptLogs(t, s, a.ID, 10), wantA)
			wantEqual(t, "FindPromptLogsByUser(a, 5)", findPromptLogs(t, s, a.ID, 5), wantA)
			wantEqual(t, "FindPromptLogsByUser(a, 2)", findPromptLogs(t, s, a.ID, 2), wantA[:2])
			wantEqual(t, "FindPromptLogsByUser(a, 1)", findPromptLogs(t, s, a.ID, 1), wantA[:1])
			wantEqual(t, "FindPromptLogsByUser(b, 10)", findPromptLogs(t, s, b.ID, 10), wantB)
			got := findPromptLogs(t, s, a.ID, 10)
			if !slices.IsSortedFunc(got, func(x, y *gatehouse.PromptLog) int { return cmp.Compare(y.ID, x.ID) }) {
				t.Errorf("FindPromptLogsByUser(a) ids %v not newest first", ids(got, promptLogID))
			}
			// Pages: each starts before the last row of the one before.
			var paged []*gatehouse.PromptLog
			for before := int64(0); ; {
				page := findPromptLogsBefore(t, s, a.ID, before, 2)
				if len(page) == 0 {
					break
				}
				paged = append(paged, page...)
				before = page[len(page)-1].ID
			}
			wantEqual(t, "FindPromptLogsByUser(a) in pages of 2", paged, wantA)
			wantEqual(t, "FindPromptLogsByUser(a, before the third)", findPromptLogsBefore(t, s, a.ID, wantA[2].ID, 10), wantA[3:])
			wantEqual(t, "FindPromptLogsByUser(b, before a's newest)", findPromptLogsBefore(t, s, b.ID, wantA[0].ID, 10), wantB[1:])
		}},
		{"NoneForUser", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			update(t, s, func(tx gatehouse.Tx) error {
				return tx.PromptLogs().CreatePromptLog(t.Context(), &gatehouse.PromptLog{UserID: b.ID, At: t0, Prompt: "p", Model: "m"})
			})
			for _, id := range []int64{a.ID, 1 << 40} {
				if got := findPromptLogs(t, s, id, 10); len(got) != 0 {
					t.Errorf("FindPromptLogsByUser(%d) = %s, want none", id, show(got))
				}
			}
		}},
	})
}

// ---------------------------------------------------------------- transactions and times of the content stores

// testContentTx checks that the dataset, chat and prompt-log stores take
// part in the transaction like the others: an aborted Update leaves none of
// their writes behind.
func testContentTx(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"UpdateRollsBackOnError", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			keptDS := createDataset(t, s, a.ID, "kept")
			keptShare := share(t, s, keptDS.ID, b.ID, gatehouse.PermRead)
			keptChat := createChat(t, s, "c-kept", a.ID, t0)
			ctx := t.Context()
			err := s.Update(ctx, func(tx gatehouse.Tx) error {
				d := newDataset(a.ID, "ghost", gatehouse.CUI)
				if err := tx.Datasets().CreateDataset(ctx, d); err != nil {
					return err
				}
				if err := tx.Datasets().UpsertShare(ctx, &gatehouse.Share{DatasetID: d.ID, UserID: b.ID, Permission: gatehouse.PermEdit, CreatedAt: t0, UpdatedAt: t0}); err != nil {
					return err
				}
				if err := tx.Datasets().UpsertShare(ctx, &gatehouse.Share{DatasetID: keptDS.ID, UserID: b.ID, Permission: gatehouse.PermAdmin, CreatedAt: t0, UpdatedAt: t0.Add(time.Hour)}); err != nil {
					return err
				}
				if err := tx.Chats().CreateChat(ctx, newChat("c-ghost", a.ID, t0)); err != nil {
					return err
				}
				if err := tx.Chats().AppendChatMessages(ctx, "c-kept", messages("c-kept", t0, "q", "a"), t0.Add(time.Hour)); err != nil {
					return err
				}
				if err := tx.PromptLogs().CreatePromptLog(ctx, &gatehouse.PromptLog{UserID: a.ID, At: t0, Prompt: "p", Model: "m"}); err != nil {
					return err
				}
				// The transaction sees its own writes.
				if _, err := tx.Datasets().FindDatasetByOwnerName(ctx, a.ID, "ghost"); err != nil {
					return fmt.Errorf("own write not visible: %w", err)
				}
				return fmt.Errorf("wrapped: %w", errAbort)
			})
			if !errors.Is(err, errAbort) {
				t.Fatalf("Update returned %v, want the error fn returned", err)
			}
			wantEqual(t, "FindDatasetsForUser(a) after rollback", findDatasetsFor(t, s, a.ID),
				[]gatehouse.DatasetAccess{access(keptDS, gatehouse.PermOwner)})
			wantEqual(t, "FindDatasetsForUser(b) after rollback", findDatasetsFor(t, s, b.ID),
				[]gatehouse.DatasetAccess{access(keptDS, gatehouse.PermRead)})
			got, err := findShare(t, s, keptDS.ID, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "share after rollback", got, keptShare)
			wantEqual(t, "sessions of(a) after rollback", findChats(t, s, a.ID), []*gatehouse.ChatSession{keptChat})
			if got := findMessages(t, s, "c-kept"); len(got) != 0 {
				t.Errorf("messages after rollback = %s, want none", show(got))
			}
			if got := findPromptLogs(t, s, a.ID, 10); len(got) != 0 {
				t.Errorf("prompt logs after rollback = %s, want none", show(got))
			}
		}},
	})
}

// testContentTimes is testTimes for the dataset, share, chat and prompt-log
// times.
func testContentTimes(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"MillisecondUTC", func(t *testing.T, s gatehouse.Store) {
			zone := time.FixedZone("PDT", -7*3600)
			in := time.Date(2031, time.July, 9, 23, 59, 58, 987_654_321, zone)
			want := time.Date(2031, time.July, 10, 6, 59, 58, 987_000_000, time.UTC)
			now := time.Now().In(zone)
			nowWant := now.Truncate(time.Millisecond).UTC()
			ctx := t.Context()
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			d := &gatehouse.Dataset{OwnerID: a.ID, Name: "timed", Classification: gatehouse.Unclassified, CreatedAt: in}
			c := &gatehouse.ChatSession{ID: "c-times", UserID: a.ID, Title: "t", CreatedAt: in, UpdatedAt: now}
			m := &gatehouse.ChatMessage{SessionID: c.ID, Role: gatehouse.RoleUser, Text: "x", CreatedAt: in}
			l := &gatehouse.PromptLog{UserID: a.ID, At: in, Prompt: "p", Model: "m"}
			update(t, s, func(tx gatehouse.Tx) error {
				if err := tx.Datasets().CreateDataset(ctx, d); err != nil {
					return err
				}
				if err := tx.Datasets().UpsertShare(ctx, &gatehouse.Share{DatasetID: d.ID, UserID: b.ID, Permission: gatehouse.PermRead, CreatedAt: in, UpdatedAt: now}); err != nil {
					return err
				}
				if err := tx.Chats().CreateChat(ctx, c); err != nil {
					return err
				}
				if err := tx.Chats().AppendChatMessages(ctx, c.ID, []*gatehouse.ChatMessage{m}, now); err != nil {
					return err
				}
				return tx.PromptLogs().CreatePromptLog(ctx, l)
			})
			type timeCheck struct {
				what      string
				got, want time.Time
			}
			var times []timeCheck
			gd, err := findDataset(t, s, a.ID, "timed")
			if err != nil {
				t.Fatal(err)
			}
			times = append(times, timeCheck{"Dataset.CreatedAt", gd.CreatedAt, want})
			for _, acc := range findDatasetsFor(t, s, b.ID) {
				times = append(times, timeCheck{"DatasetAccess.Dataset.CreatedAt", acc.Dataset.CreatedAt, want})
			}
			gs, err := findShare(t, s, d.ID, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			times = append(times, timeCheck{"Share.CreatedAt", gs.CreatedAt, want}, timeCheck{"Share.UpdatedAt", gs.UpdatedAt, nowWant})
			gc, err := findChat(t, s, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			times = append(times, timeCheck{"ChatSession.CreatedAt", gc.CreatedAt, want}, timeCheck{"ChatSession.UpdatedAt", gc.UpdatedAt, nowWant})
			for _, gm := range findMessages(t, s, c.ID) {
				times = append(times, timeCheck{"ChatMessage.CreatedAt", gm.CreatedAt, want})
			}
			for _, gm := range findMessagesByUser(t, s, a.ID)[c.ID] {
				times = append(times, timeCheck{"ChatMessage.CreatedAt (by user)", gm.CreatedAt, want})
			}
			for _, gl := range findPromptLogs(t, s, a.ID, 1) {
				times = append(times, timeCheck{"PromptLog.At", gl.At, want})
			}
			if len(times) != 9 {
				t.Fatalf("checked %d times, want 9 (a row is missing)", len(times))
			}
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

// ---------------------------------------------------------------- apps

// appIDs returns n fresh app ids (24 lowercase hex, as core makes them) in
// ascending order, so that a test can rely on their order whatever the
// clock and the id counter do.
func appIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = secret.NewObjectID(time.Now())
	}
	slices.Sort(out)
	return out
}

// keyIDs is appIDs for key ids: prefix + 24 hex, ascending.
func keyIDs(prefix string, n int) []string {
	out := appIDs(n)
	for i := range out {
		out[i] = prefix + out[i]
	}
	return out
}

func newApp(accountID int64, id, name string) *gatehouse.App {
	return &gatehouse.App{ID: id, AccountID: accountID, DisplayName: name, CreatedAt: t0, UpdatedAt: t0}
}

func createApp(t *testing.T, s gatehouse.Store, a *gatehouse.App) *gatehouse.App {
	t.Helper()
	update(t, s, func(tx gatehouse.Tx) error { return tx.Apps().CreateApp(t.Context(), a) })
	return a
}

func findApp(t *testing.T, s gatehouse.Store, id string) (*gatehouse.App, error) {
	t.Helper()
	var a *gatehouse.App
	err := s.View(t.Context(), func(tx gatehouse.Tx) error {
		var err error
		a, err = tx.Apps().FindAppByID(t.Context(), id)
		return err
	})
	return a, err
}

func findApps(t *testing.T, s gatehouse.Store, accountID int64, page gatehouse.AppPage) ([]*gatehouse.App, bool) {
	t.Helper()
	var as []*gatehouse.App
	var more bool
	view(t, s, func(tx gatehouse.Tx) error {
		var err error
		as, more, err = tx.Apps().FindAppsByAccount(t.Context(), accountID, page)
		return err
	})
	return as, more
}

func newAppKey(appID, id, name string, created time.Time) *gatehouse.AppKey {
	return &gatehouse.AppKey{ID: id, AppID: appID, DisplayName: name, SecretSealed: sealedOf(id), CreatedAt: created}
}

func createAppKey(t *testing.T, s gatehouse.Store, k *gatehouse.AppKey) *gatehouse.AppKey {
	t.Helper()
	update(t, s, func(tx gatehouse.Tx) error { return tx.AppKeys().CreateAppKey(t.Context(), k) })
	return k
}

func findAppKey(t *testing.T, s gatehouse.Store, id string) (*gatehouse.AppKey, error) {
	t.Helper()
	var k *gatehouse.AppKey
	err := s.View(t.Context(), func(tx gatehouse.Tx) error {
		var err error
		k, err = tx.AppKeys().FindAppKeyByID(t.Context(), id)
		return err
	})
	return k, err
}

func findAppKeys(t *testing.T, s gatehouse.Store, appID string) []*gatehouse.AppKey {
	t.Helper()
	var ks []*gatehouse.AppKey
	view(t, s, func(tx gatehouse.Tx) error {
		var err error
		ks, err = tx.AppKeys().FindAppKeysByApp(t.Context(), appID)
		return err
	})
	return ks
}

func countAppKeys(t *testing.T, s gatehouse.Store, appID string) int {
	t.Helper()
	var n int
	view(t, s, func(tx gatehouse.Tx) error {
		var err error
		n, err = tx.AppKeys().CountAppKeysByApp(t.Context(), appID)
		return err
	})
	return n
}

func newAccountKey(userID int64, id, name string, created time.Time) *gatehouse.AccountKey {
	return &gatehouse.AccountKey{ID: id, UserID: userID, Name: name, SecretSealed: sealedOf(id), CreatedAt: created}
}

func createAccountKey(t *testing.T, s gatehouse.Store, k *gatehouse.AccountKey) *gatehouse.AccountKey {
	t.Helper()
	update(t, s, func(tx gatehouse.Tx) error { return tx.AccountKeys().CreateAccountKey(t.Context(), k) })
	return k
}

func findAccountKey(t *testing.T, s gatehouse.Store, id string) (*gatehouse.AccountKey, error) {
	t.Helper()
	var k *gatehouse.AccountKey
	err := s.View(t.Context(), func(tx gatehouse.Tx) error {
		var err error
		k, err = tx.AccountKeys().FindAccountKeyByID(t.Context(), id)
		return err
	})
	return k, err
}

func findAccountKeys(t *testing.T, s gatehouse.Store, userID int64) []*gatehouse.AccountKey {
	t.Helper()
	var ks []*gatehouse.AccountKey
	view(t, s, func(tx gatehouse.Tx) error {
		var err error
		ks, err = tx.AccountKeys().FindAccountKeysByUser(t.Context(), userID)
		return err
	})
	return ks
}

// sealedOf returns bytes shaped like a sealed secret (nonce, ciphertext and
// tag: 12 + 43 + 16 bytes), binary and id-dependent, with a NUL first and
// 0xff bytes inside so that no backend gets away with text storage.
func sealedOf(id string) []byte {
	h := sha256.Sum256([]byte(id))
	b := make([]byte, 0, 71)
	b = append(b, 0x00, 0xff, 0x80, 0x7f)
	for len(b) < 71 {
		b = append(b, h[:]...)
	}
	return b[:71]
}

func strIDs[T any](xs []T, id func(T) string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

func appID(a *gatehouse.App) string               { return a.ID }
func appKeyID(k *gatehouse.AppKey) string         { return k.ID }
func accountKeyID(k *gatehouse.AccountKey) string { return k.ID }

// sortedStrings returns a sorted copy of xs (for id lists whose order the
// contract leaves open).
func sortedStrings(xs []string) []string {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	return xs
}

// wantMetadataNil checks that a's metadata is null exactly when wantNil:
// wantEqual treats a nil map and an empty one alike, but null metadata and
// an empty object are different answers.
func wantMetadataNil(t *testing.T, what string, a *gatehouse.App, wantNil bool) {
	t.Helper()
	if a != nil && (a.Metadata == nil) != wantNil {
		t.Errorf("%s: Metadata = %#v, want nil=%v (nil and an empty object differ)", what, a.Metadata, wantNil)
	}
}

func testApps(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"CreateRoundTrips", func(t *testing.T, s gatehouse.Store) {
			u := createUser(t, s, "a@example.com", gatehouse.UserActive)
			id := appIDs(5)
			defaults := newApp(u.ID, id[0], "Defaults")
			all := &gatehouse.App{
				ID: id[1], AccountID: u.ID, DisplayName: "Everything set",
				Settings: gatehouse.AppSettings{
					ConversationRetentionSeconds: new(int64(30 * 86400)),
					MaskCreditCardNumbers:        true,
					UseAnimalNames:               true,
					EchoPostback:                 true,
					IgnoreAutoConversationStart:  true,
					MultiConvoEnabled:            true,
					AppLocalizationEnabled:       true,
				},
				Metadata: map[string]any{
					"plan":     "enterprise",
					"empty":    "",
					"big":      json.Number("12345678901234567890"),
					"negative": json.Number("-17"),
					"decimal":  json.Number("3.25"),
					"zero":     json.Number("0"),
					"on":       true,
					"off":      false,
				},
				CreatedAt: t0,
				UpdatedAt: t0.Add(time.Hour),
			}
			// A retention of zero is set, not absent; an empty metadata
			// object is an object, not null.
			zero := newApp(u.ID, id[2], "Zero retention")
			zero.Settings.ConversationRetentionSeconds = new(int64(0))
			zero.Settings.UseAnimalNames = true
			zero.Metadata = map[string]any{}
			// Values a float64 would round.
			huge := newApp(u.ID, id[3], "Huge retention")
			huge.Settings.ConversationRetentionSeconds = new(int64(1<<53 + 1))
			huge.Metadata = map[string]any{"n": json.Number("9007199254740993"), "f": json.Number("0.1")}
			odd := newApp(u.ID, id[4], "Café ☕ — 日本語 \"quoted\" \\ <b>&amp;</b>")
			odd.Settings.EchoPostback = true
			odd.Metadata = map[string]any{
				"ключ":       "значение ☕",
				"with space": "line1\nline2\t\"q\" \\ <script>&</script>",
				"a.b":        json.Number("1"),
			}
			apps := []*gatehouse.App{defaults, all, zero, huge, odd}
			update(t, s, func(tx gatehouse.Tx) error {
				for _, a := range apps {
					if err := tx.Apps().CreateApp(t.Context(), a); err != nil {
						return err
					}
				}
				return nil
			})
			for _, want := range apps {
				got, err := findApp(t, s, want.ID)
				if err != nil {
					t.Fatalf("FindAppByID(%s): %v", want.DisplayName, err)
				}
				wantEqual(t, "FindAppByID("+want.DisplayName+")", got, want)
				wantMetadataNil(t, "FindAppByID("+want.DisplayName+")", got, want.Metadata == nil)
			}
			got, err := findApp(t, s, all.ID)
			if err != nil {
				t.Fatal(err)
			}
			if n, ok := got.Metadata["big"].(json.Number); !ok || n != "12345678901234567890" {
				t.Errorf("metadata big = %#v (%T), want json.Number(\"12345678901234567890\")", got.Metadata["big"], got.Metadata["big"])
			}
			// Listing returns the same rows as finding one.
			list, more := findApps(t, s, u.ID, gatehouse.AppPage{Size: 10})
			wantEqual(t, "FindAppsByAccount", list, apps)
			if more {
				t.Errorf("FindAppsByAccount more = true, want false")
			}
			for i, a := range list {
				wantMetadataNil(t, "FindAppsByAccount["+a.DisplayName+"]", a, apps[i].Metadata == nil)
			}
		}},
		{"DuplicateIDIsConflict", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			orig := createApp(t, s, newApp(a.ID, appIDs(1)[0], "first"))
			for _, owner := range []int64{a.ID, b.ID} {
				dup := newApp(owner, orig.ID, "second")
				dup.Metadata = map[string]any{"x": "y"}
				err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Apps().CreateApp(t.Context(), dup) })
				wantCode(t, fmt.Sprintf("CreateApp(duplicate id, account %d)", owner), err, gatehouse.ECONFLICT)
			}
			got, err := findApp(t, s, orig.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "app after conflicting CreateApp", got, orig)
			if got, _ := findApps(t, s, b.ID, gatehouse.AppPage{Size: 10}); len(got) != 0 {
				t.Errorf("account b has apps %v after a conflicting CreateApp, want none", strIDs(got, appID))
			}
		}},
		{"NoSuchAccountIsConflict", func(t *testing.T, s gatehouse.Store) {
			u := createUser(t, s, "a@example.com", gatehouse.UserActive)
			orphan := newApp(u.ID+1000, appIDs(1)[0], "orphan")
			err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Apps().CreateApp(t.Context(), orphan) })
			wantCode(t, "CreateApp(no such account)", err, gatehouse.ECONFLICT)
			_, err = findApp(t, s, orphan.ID)
			wantCode(t, "FindAppByID(orphan)", err, gatehouse.ENOTFOUND)
		}},
		{"FindAppByIDMissing", func(t *testing.T, s gatehouse.Store) {
			u := createUser(t, s, "a@example.com", gatehouse.UserActive)
			id := appIDs(2)
			createApp(t, s, newApp(u.ID, id[0], "there"))
			for _, missing := range []string{id[1], "", "000000000000000000000000", "app_" + id[0]} {
				_, err := findApp(t, s, missing)
				wantCode(t, "FindAppByID("+missing+")", err, gatehouse.ENOTFOUND)
			}
		}},
		{"FindAppsByAccount", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			c := createUser(t, s, "c@example.com", gatehouse.UserActive)
			id := appIDs(12)
			// a owns the even ids, b the odd ones: each account's ids have
			// the other's between them. They are created newest id first,
			// with CreatedAt unrelated to the id, so that only id order
			// explains the result order.
			var A, B []*gatehouse.App
			for i := range 6 {
				A = append(A, newApp(a.ID, id[2*i], fmt.Sprintf("a%d", i)))
				A[i].CreatedAt = t0.Add(time.Duration((i*7)%6) * time.Minute)
				B = append(B, newApp(b.ID, id[2*i+1], fmt.Sprintf("b%d", i)))
			}
			for i := 5; i >= 0; i-- {
				createApp(t, s, B[i])
				createApp(t, s, A[i])
			}
			tests := []struct {
				name    string
				account int64
				page    gatehouse.AppPage
				want    []*gatehouse.App
				more    bool
			}{
				{"first page, all", a.ID, gatehouse.AppPage{Size: 25}, A, false},
				{"first page, exact fit", a.ID, gatehouse.AppPage{Size: 6}, A, false},
				{"first page, one short", a.ID, gatehouse.AppPage{Size: 5}, A[:5], true},
				{"first page of one", a.ID, gatehouse.AppPage{Size: 1}, A[:1], true},
				{"after, more", a.ID, gatehouse.AppPage{After: A[1].ID, Size: 2}, A[2:4], true},
				{"after, exact end", a.ID, gatehouse.AppPage{After: A[3].ID, Size: 2}, A[4:], false},
				{"after, short end", a.ID, gatehouse.AppPage{After: A[3].ID, Size: 5}, A[4:], false},
				{"after last", a.ID, gatehouse.AppPage{After: A[5].ID, Size: 2}, nil, false},
				{"after first", a.ID, gatehouse.AppPage{After: A[0].ID, Size: 10}, A[1:], false},
				{"after another account's id", a.ID, gatehouse.AppPage{After: B[2].ID, Size: 10}, A[3:], false},
				{"after the lowest id", a.ID, gatehouse.AppPage{After: "000000000000000000000000", Size: 2}, A[:2], true},
				{"after the highest id", a.ID, gatehouse.AppPage{After: "ffffffffffffffffffffffff", Size: 2}, nil, false},
				{"before, more", a.ID, gatehouse.AppPage{Before: A[5].ID, Size: 2}, A[3:5], true},
				{"before, exact start", a.ID, gatehouse.AppPage{Before: A[2].ID, Size: 2}, A[:2], false},
				{"before, short start", a.ID, gatehouse.AppPage{Before: A[2].ID, Size: 5}, A[:2], false},
				{"before one", a.ID, gatehouse.AppPage{Before: A[1].ID, Size: 1}, A[:1], false},
				{"before first", a.ID, gatehouse.AppPage{Before: A[0].ID, Size: 2}, nil, false},
				{"before last, all", a.ID, gatehouse.AppPage{Before: A[5].ID, Size: 10}, A[:5], false},
				{"before another account's id", a.ID, gatehouse.AppPage{Before: B[2].ID, Size: 1}, A[2:3], true},
				{"before the highest id", a.ID, gatehouse.AppPage{Before: "ffffffffffffffffffffffff", Size: 3}, A[3:], true},
				{"before the lowest id", a.ID, gatehouse.AppPage{Before: "000000000000000000000000", Size: 3}, nil, false},
				{"other account", b.ID, gatehouse.AppPage{Size: 25}, B, false},
				{"other account, after", b.ID, gatehouse.AppPage{After: A[4].ID, Size: 25}, B[4:], false},
				{"other account, before", b.ID, gatehouse.AppPage{Before: A[4].ID, Size: 2}, B[2:4], true},
				{"account without apps", c.ID, gatehouse.AppPage{Size: 25}, nil, false},
				{"account without apps, after", c.ID, gatehouse.AppPage{After: A[0].ID, Size: 25}, nil, false},
				{"account without apps, before", c.ID, gatehouse.AppPage{Before: A[5].ID, Size: 25}, nil, false},
				{"no such account", 1 << 40, gatehouse.AppPage{Size: 25}, nil, false},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					t.Parallel()
					got, more := findApps(t, s, tt.account, tt.page)
					if !slices.IsSorted(strIDs(got, appID)) {
						t.Errorf("FindAppsByAccount(%s) ids %v not in ascending id order", tt.name, strIDs(got, appID))
					}
					if len(tt.want) == 0 {
						if len(got) != 0 {
							t.Errorf("FindAppsByAccount(%s) = %v, want none", tt.name, strIDs(got, appID))
						}
					} else {
						wantEqual(t, "FindAppsByAccount("+tt.name+")", got, tt.want)
					}
					if more != tt.more {
						t.Errorf("FindAppsByAccount(%s) more = %v, want %v (got ids %v)", tt.name, more, tt.more, strIDs(got, appID))
					}
				})
			}
			// Paging forwards and backwards with a small size sees every app
			// of the account once, in id order.
			t.Run("paging", func(t *testing.T) {
				t.Parallel()
				for _, size := range []int{1, 2, 4, 6} {
					var fwd []*gatehouse.App
					page := gatehouse.AppPage{Size: size}
					for range 10 {
						got, more := findApps(t, s, a.ID, page)
						fwd = append(fwd, got...)
						if !more {
							break
						}
						page.After = got[len(got)-1].ID
					}
					wantEqual(t, fmt.Sprintf("paged forwards, size %d", size), strIDs(fwd, appID), strIDs(A, appID))
					var back []*gatehouse.App
					page = gatehouse.AppPage{Before: "ffffffffffffffffffffffff", Size: size}
					for range 10 {
						got, more := findApps(t, s, a.ID, page)
						back = append(slices.Clone(got), back...)
						if !more {
							break
						}
						page.Before = got[0].ID
					}
					wantEqual(t, fmt.Sprintf("paged backwards, size %d", size), strIDs(back, appID), strIDs(A, appID))
				}
			})
		}},
		{"HasAppsBeyond", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			c := createUser(t, s, "c@example.com", gatehouse.UserActive)
			id := appIDs(7)
			// b's apps lie below and above all of a's.
			createApp(t, s, newApp(b.ID, id[0], "b-low"))
			for _, i := range []int{1, 3, 5} {
				createApp(t, s, newApp(a.ID, id[i], fmt.Sprintf("a%d", i)))
			}
			createApp(t, s, newApp(b.ID, id[6], "b-high"))
			tests := []struct {
				account int64
				id      string
				before  bool
				want    bool
			}{
				{a.ID, id[1], true, false}, // strictly below: not itself
				{a.ID, id[1], false, true},
				{a.ID, id[3], true, true},
				{a.ID, id[3], false, true},
				{a.ID, id[5], true, true},
				{a.ID, id[5], false, false}, // strictly above: not itself
				{a.ID, id[0], true, false},  // b's app below does not count
				{a.ID, id[6], false, false}, // nor b's above
				{a.ID, id[2], true, true},   // a cursor that is not a's app
				{a.ID, id[4], false, true},
				{a.ID, "000000000000000000000000", true, false},
				{a.ID, "000000000000000000000000", false, true},
				{a.ID, "ffffffffffffffffffffffff", true, true},
				{a.ID, "ffffffffffffffffffffffff", false, false},
				{b.ID, id[1], true, true},
				{b.ID, id[5], false, true},
				{b.ID, id[0], true, false},
				{b.ID, id[6], false, false},
				{c.ID, id[3], true, false},
				{c.ID, id[3], false, false},
				{1 << 40, id[3], false, false},
			}
			for _, tt := range tests {
				var got bool
				view(t, s, func(tx gatehouse.Tx) error {
					var err error
					got, err = tx.Apps().HasAppsBeyond(t.Context(), tt.account, tt.id, tt.before)
					return err
				})
				if got != tt.want {
					t.Errorf("HasAppsBeyond(account %d, %s, before=%v) = %v, want %v", tt.account, tt.id, tt.before, got, tt.want)
				}
			}
		}},
		{"UpdateApp", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			id := appIDs(2)
			app := newApp(a.ID, id[0], "before")
			app.Settings = gatehouse.AppSettings{ConversationRetentionSeconds: new(int64(3600)), MaskCreditCardNumbers: true, MultiConvoEnabled: true}
			app.Metadata = map[string]any{"tier": "gold", "seats": json.Number("12345678901234567890"), "trial": true}
			createApp(t, s, app)
			bystander := newApp(a.ID, id[1], "bystander")
			bystander.Metadata = map[string]any{"keep": "me"}
			createApp(t, s, bystander)
			key := createAppKey(t, s, newAppKey(app.ID, keyIDs("app_", 1)[0], "k", t0))

			write := func(upd *gatehouse.App) {
				t.Helper()
				update(t, s, func(tx gatehouse.Tx) error { return tx.Apps().UpdateApp(t.Context(), upd) })
			}
			check := func(step string, want *gatehouse.App) {
				t.Helper()
				got, err := findApp(t, s, want.ID)
				if err != nil {
					t.Fatalf("%s: FindAppByID: %v", step, err)
				}
				wantEqual(t, step, got, want)
				wantMetadataNil(t, step, got, want.Metadata == nil)
				other, err := findApp(t, s, bystander.ID)
				if err != nil {
					t.Fatalf("%s: FindAppByID(bystander): %v", step, err)
				}
				wantEqual(t, step+": bystander", other, bystander)
			}

			// Name, every setting, metadata to null and UpdatedAt change; the
			// owner and CreatedAt are not UpdateApp's to write.
			upd := &gatehouse.App{
				ID: app.ID, AccountID: b.ID, DisplayName: "after ☕",
				Settings: gatehouse.AppSettings{
					UseAnimalNames: true, EchoPostback: true, IgnoreAutoConversationStart: true, AppLocalizationEnabled: true,
				},
				Metadata:  nil,
				CreatedAt: t0.Add(24 * time.Hour),
				UpdatedAt: t0.Add(time.Hour),
			}
			write(upd)
			want := *upd
			want.AccountID, want.CreatedAt = app.AccountID, app.CreatedAt
			check("after first UpdateApp", &want)
			if got, _ := findApps(t, s, b.ID, gatehouse.AppPage{Size: 10}); len(got) != 0 {
				t.Errorf("UpdateApp moved the app to account b: %v", strIDs(got, appID))
			}

			// Back from null to an object, and a retention of zero.
			upd2 := want
			upd2.DisplayName = "again"
			upd2.Settings = gatehouse.AppSettings{ConversationRetentionSeconds: new(int64(0))}
			upd2.Metadata = map[string]any{"n": json.Number("-0.5"), "s": "x", "b": false}
			upd2.UpdatedAt = t0.Add(2 * time.Hour)
			write(&upd2)
			check("after second UpdateApp", &upd2)

			// To an empty object, then back to null.
			upd3 := upd2
			upd3.Metadata = map[string]any{}
			upd3.UpdatedAt = t0.Add(3 * time.Hour)
			write(&upd3)
			check("after UpdateApp to empty metadata", &upd3)
			upd4 := upd3
			upd4.Metadata = nil
			upd4.Settings.ConversationRetentionSeconds = nil
			upd4.UpdatedAt = t0.Add(4 * time.Hour)
			write(&upd4)
			check("after UpdateApp back to null metadata", &upd4)

			// The app's keys are untouched.
			wantEqual(t, "keys after UpdateApp", findAppKeys(t, s, app.ID), []*gatehouse.AppKey{key})
		}},
		{"UpdateAppMissing", func(t *testing.T, s gatehouse.Store) {
			u := createUser(t, s, "a@example.com", gatehouse.UserActive)
			id := appIDs(2)
			app := createApp(t, s, newApp(u.ID, id[0], "there"))
			for _, missing := range []string{id[1], ""} {
				ghost := newApp(u.ID, missing, "ghost")
				ghost.UpdatedAt = t0.Add(time.Hour)
				err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Apps().UpdateApp(t.Context(), ghost) })
				wantCode(t, "UpdateApp("+missing+")", err, gatehouse.ENOTFOUND)
				_, err = findApp(t, s, missing)
				wantCode(t, "FindAppByID after UpdateApp("+missing+")", err, gatehouse.ENOTFOUND)
			}
			got, err := findApp(t, s, app.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "existing app after UpdateApp(missing)", got, app)
		}},
		{"DeleteApp", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			id := appIDs(4)
			gone := createApp(t, s, newApp(a.ID, id[0], "gone"))
			kept := createApp(t, s, newApp(a.ID, id[1], "kept"))
			bare := createApp(t, s, newApp(a.ID, id[2], "bare"))
			theirs := createApp(t, s, newApp(b.ID, id[3], "theirs"))
			kid := keyIDs("app_", 5)
			goneKeys := []*gatehouse.AppKey{
				createAppKey(t, s, newAppKey(gone.ID, kid[0], "g0", t0)),
				createAppKey(t, s, newAppKey(gone.ID, kid[2], "g1", t0.Add(time.Second))),
				createAppKey(t, s, newAppKey(gone.ID, kid[4], "g2", t0.Add(2*time.Second))),
			}
			keptKey := createAppKey(t, s, newAppKey(kept.ID, kid[1], "k", t0))
			theirKey := createAppKey(t, s, newAppKey(theirs.ID, kid[3], "t", t0))
			del := func(id string) ([]string, error) {
				var keys []string
				err := s.Update(t.Context(), func(tx gatehouse.Tx) error {
					var err error
					keys, err = tx.Apps().DeleteApp(t.Context(), id)
					return err
				})
				return keys, err
			}

			keys, err := del(gone.ID)
			if err != nil {
				t.Fatalf("DeleteApp: %v", err)
			}
			wantEqual(t, "DeleteApp key ids", sortedStrings(keys), strIDs(goneKeys, appKeyID))
			_, err = findApp(t, s, gone.ID)
			wantCode(t, "FindAppByID(deleted)", err, gatehouse.ENOTFOUND)
			for _, k := range goneKeys {
				_, err := findAppKey(t, s, k.ID)
				wantCode(t, "FindAppKeyByID(key of deleted app)", err, gatehouse.ENOTFOUND)
			}
			if got := findAppKeys(t, s, gone.ID); len(got) != 0 {
				t.Errorf("FindAppKeysByApp(deleted app) = %v, want none", strIDs(got, appKeyID))
			}
			if n := countAppKeys(t, s, gone.ID); n != 0 {
				t.Errorf("CountAppKeysByApp(deleted app) = %d, want 0", n)
			}
			list, _ := findApps(t, s, a.ID, gatehouse.AppPage{Size: 10})
			wantEqual(t, "FindAppsByAccount(a) after DeleteApp", list, []*gatehouse.App{kept, bare})
			wantEqual(t, "keys of a's other app", findAppKeys(t, s, kept.ID), []*gatehouse.AppKey{keptKey})
			wantEqual(t, "keys of b's app", findAppKeys(t, s, theirs.ID), []*gatehouse.AppKey{theirKey})

			_, err = del(gone.ID)
			wantCode(t, "DeleteApp(again)", err, gatehouse.ENOTFOUND)
			_, err = del(appIDs(1)[0])
			wantCode(t, "DeleteApp(never existed)", err, gatehouse.ENOTFOUND)
			_, err = del("")
			wantCode(t, "DeleteApp(\"\")", err, gatehouse.ENOTFOUND)

			// An app without keys deletes with no key ids.
			keys, err = del(bare.ID)
			if err != nil {
				t.Fatalf("DeleteApp(no keys): %v", err)
			}
			if len(keys) != 0 {
				t.Errorf("DeleteApp(no keys) = %v, want no key ids", keys)
			}
			list, _ = findApps(t, s, a.ID, gatehouse.AppPage{Size: 10})
			wantEqual(t, "FindAppsByAccount(a) after second DeleteApp", list, []*gatehouse.App{kept})
			// The id is free again, with none of the old keys.
			createApp(t, s, newApp(a.ID, gone.ID, "reborn"))
			if got := findAppKeys(t, s, gone.ID); len(got) != 0 {
				t.Errorf("FindAppKeysByApp(recreated app) = %v, want none", strIDs(got, appKeyID))
			}
		}},
	})
}

// ---------------------------------------------------------------- app keys

func testAppKeys(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"CreateAndFind", func(t *testing.T, s gatehouse.Store) {
			u := createUser(t, s, "a@example.com", gatehouse.UserActive)
			app := createApp(t, s, newApp(u.ID, appIDs(1)[0], "app"))
			kid := keyIDs("app_", 3)
			k1 := newAppKey(app.ID, kid[0], "Key ☕ \"one\"", t0)
			k2 := newAppKey(app.ID, kid[1], "", t0.Add(time.Millisecond))
			k2.SecretSealed = bytes.Repeat([]byte{0}, 71)
			update(t, s, func(tx gatehouse.Tx) error {
				if err := tx.AppKeys().CreateAppKey(t.Context(), k1); err != nil {
					return err
				}
				return tx.AppKeys().CreateAppKey(t.Context(), k2)
			})
			for _, want := range []*gatehouse.AppKey{k1, k2} {
				got, err := findAppKey(t, s, want.ID)
				if err != nil {
					t.Fatalf("FindAppKeyByID(%s): %v", want.ID, err)
				}
				wantEqual(t, "FindAppKeyByID("+want.ID+")", got, want)
				if !bytes.Equal(got.SecretSealed, want.SecretSealed) {
					t.Errorf("SecretSealed = %x, want %x", got.SecretSealed, want.SecretSealed)
				}
			}
			for _, missing := range []string{kid[2], "", app.ID, "act_" + kid[0][4:]} {
				_, err := findAppKey(t, s, missing)
				wantCode(t, "FindAppKeyByID("+missing+")", err, gatehouse.ENOTFOUND)
			}
		}},
		{"DuplicateIDIsConflict", func(t *testing.T, s gatehouse.Store) {
			u := createUser(t, s, "a@example.com", gatehouse.UserActive)
			id := appIDs(2)
			a1 := createApp(t, s, newApp(u.ID, id[0], "one"))
			a2 := createApp(t, s, newApp(u.ID, id[1], "two"))
			k := createAppKey(t, s, newAppKey(a1.ID, keyIDs("app_", 1)[0], "orig", t0))
			for _, app := range []string{a1.ID, a2.ID} {
				dup := newAppKey(app, k.ID, "dup", t0.Add(time.Hour))
				dup.SecretSealed = []byte("other")
				err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.AppKeys().CreateAppKey(t.Context(), dup) })
				wantCode(t, "CreateAppKey(duplicate id, app "+app+")", err, gatehouse.ECONFLICT)
			}
			got, err := findAppKey(t, s, k.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "key after conflicting CreateAppKey", got, k)
			if n := countAppKeys(t, s, a2.ID); n != 0 {
				t.Errorf("CountAppKeysByApp(other app) = %d after a conflicting CreateAppKey, want 0", n)
			}
			if n := countAppKeys(t, s, a1.ID); n != 1 {
				t.Errorf("CountAppKeysByApp(app) = %d after a conflicting CreateAppKey, want 1", n)
			}
		}},
		{"NoSuchAppIsConflict", func(t *testing.T, s gatehouse.Store) {
			u := createUser(t, s, "a@example.com", gatehouse.UserActive)
			id := appIDs(2)
			createApp(t, s, newApp(u.ID, id[0], "there"))
			orphan := newAppKey(id[1], keyIDs("app_", 1)[0], "orphan", t0)
			err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.AppKeys().CreateAppKey(t.Context(), orphan) })
			if err == nil {
				t.Fatalf("CreateAppKey(no such app) succeeded, want an error")
			}
			wantCode(t, "CreateAppKey(no such app)", err, gatehouse.ECONFLICT)
			_, err = findAppKey(t, s, orphan.ID)
			wantCode(t, "FindAppKeyByID(orphan)", err, gatehouse.ENOTFOUND)
			if n := countAppKeys(t, s, id[1]); n != 0 {
				t.Errorf("CountAppKeysByApp(no such app) = %d, want 0", n)
			}
		}},
		{"FindAppKeysByAppAndCount", func(t *testing.T, s gatehouse.Store) {
			u := createUser(t, s, "a@example.com", gatehouse.UserActive)
			id := appIDs(3)
			a1 := createApp(t, s, newApp(u.ID, id[0], "one"))
			a2 := createApp(t, s, newApp(u.ID, id[1], "two"))
			empty := createApp(t, s, newApp(u.ID, id[2], "empty"))
			kid := keyIDs("app_", 7)
			// a1's keys are made later and later with ids that fall, so
			// that creation order and id order disagree; the last two share
			// a CreatedAt (and, like real ids, rise in creation order).
			// Names are out of alphabetical order. a2's keys come between.
			want1 := []*gatehouse.AppKey{
				newAppKey(a1.ID, kid[4], "zeta", t0),
				newAppKey(a1.ID, kid[2], "alpha", t0.Add(time.Second)),
				newAppKey(a1.ID, kid[0], "mu", t0.Add(time.Minute)),
				newAppKey(a1.ID, kid[6], "beta", t0.Add(time.Minute)),
			}
			want2 := []*gatehouse.AppKey{
				newAppKey(a2.ID, kid[5], "x", t0.Add(time.Millisecond)),
				newAppKey(a2.ID, kid[1], "y", t0.Add(time.Hour)),
			}
			for i := range want1 {
				createAppKey(t, s, want1[i])
				if i < len(want2) {
					createAppKey(t, s, want2[i])
				}
			}
			wantEqual(t, "FindAppKeysByApp(one)", findAppKeys(t, s, a1.ID), want1)
			wantEqual(t, "FindAppKeysByApp(two)", findAppKeys(t, s, a2.ID), want2)
			for _, app := range []string{empty.ID, appIDs(1)[0], ""} {
				got := findAppKeys(t, s, app)
				if got == nil || len(got) != 0 {
					t.Errorf("FindAppKeysByApp(%q) = %#v, want an empty non-nil slice", app, got)
				}
			}
			for app, want := range map[string]int{a1.ID: 4, a2.ID: 2, empty.ID: 0, appIDs(1)[0]: 0, "": 0} {
				if n := countAppKeys(t, s, app); n != want {
					t.Errorf("CountAppKeysByApp(%q) = %d, want %d", app, n, want)
				}
			}
		}},
		{"DeleteAppKey", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			id := appIDs(3)
			mine := createApp(t, s, newApp(a.ID, id[0], "mine"))
			sibling := createApp(t, s, newApp(a.ID, id[1], "sibling"))
			theirs := createApp(t, s, newApp(b.ID, id[2], "theirs"))
			kid := keyIDs("app_", 4)
			k := createAppKey(t, s, newAppKey(mine.ID, kid[0], "k", t0))
			other := createAppKey(t, s, newAppKey(mine.ID, kid[1], "other", t0.Add(time.Second)))
			sk := createAppKey(t, s, newAppKey(sibling.ID, kid[2], "sibling", t0))
			tk := createAppKey(t, s, newAppKey(theirs.ID, kid[3], "theirs", t0))
			del := func(appID, id string) error {
				return s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.AppKeys().DeleteAppKey(t.Context(), appID, id) })
			}
			// Only with the key's own app id.
			wantCode(t, "DeleteAppKey(sibling app id)", del(sibling.ID, k.ID), gatehouse.ENOTFOUND)
			wantCode(t, "DeleteAppKey(another account's app id)", del(theirs.ID, k.ID), gatehouse.ENOTFOUND)
			wantCode(t, "DeleteAppKey(no such app)", del(appIDs(1)[0], k.ID), gatehouse.ENOTFOUND)
			wantCode(t, "DeleteAppKey(empty app id)", del("", k.ID), gatehouse.ENOTFOUND)
			wantCode(t, "DeleteAppKey(no such key)", del(mine.ID, keyIDs("app_", 1)[0]), gatehouse.ENOTFOUND)
			wantCode(t, "DeleteAppKey(another app's key)", del(mine.ID, tk.ID), gatehouse.ENOTFOUND)
			for _, want := range []*gatehouse.AppKey{k, other, sk, tk} {
				got, err := findAppKey(t, s, want.ID)
				if err != nil {
					t.Fatalf("FindAppKeyByID(%s) after refused deletes: %v", want.DisplayName, err)
				}
				wantEqual(t, "key after refused deletes", got, want)
			}

			if err := del(mine.ID, k.ID); err != nil {
				t.Fatalf("DeleteAppKey(own app): %v", err)
			}
			_, err := findAppKey(t, s, k.ID)
			wantCode(t, "FindAppKeyByID(deleted)", err, gatehouse.ENOTFOUND)
			wantCode(t, "DeleteAppKey(again)", del(mine.ID, k.ID), gatehouse.ENOTFOUND)
			wantEqual(t, "FindAppKeysByApp(mine)", findAppKeys(t, s, mine.ID), []*gatehouse.AppKey{other})
			wantEqual(t, "FindAppKeysByApp(sibling)", findAppKeys(t, s, sibling.ID), []*gatehouse.AppKey{sk})
			wantEqual(t, "FindAppKeysByApp(theirs)", findAppKeys(t, s, theirs.ID), []*gatehouse.AppKey{tk})
			if _, err := findApp(t, s, mine.ID); err != nil {
				t.Errorf("FindAppByID after DeleteAppKey: %v", err)
			}
		}},
		{"DeleteAppKeysByAccount", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			c := createUser(t, s, "c@example.com", gatehouse.UserActive)
			id := appIDs(4)
			a1 := createApp(t, s, newApp(a.ID, id[0], "a1"))
			bApp := createApp(t, s, newApp(b.ID, id[1], "b"))
			a2 := createApp(t, s, newApp(a.ID, id[2], "a2"))
			a3 := createApp(t, s, newApp(a.ID, id[3], "a3 without keys"))
			kid := keyIDs("app_", 6)
			var aKeys []*gatehouse.AppKey
			aKeys = append(aKeys, createAppKey(t, s, newAppKey(a1.ID, kid[0], "a1-0", t0)))
			bKeys := []*gatehouse.AppKey{createAppKey(t, s, newAppKey(bApp.ID, kid[1], "b-0", t0))}
			aKeys = append(aKeys, createAppKey(t, s, newAppKey(a2.ID, kid[2], "a2-0", t0)))
			aKeys = append(aKeys, createAppKey(t, s, newAppKey(a1.ID, kid[3], "a1-1", t0.Add(time.Second))))
			bKeys = append(bKeys, createAppKey(t, s, newAppKey(bApp.ID, kid[4], "b-1", t0.Add(time.Second))))
			aKeys = append(aKeys, createAppKey(t, s, newAppKey(a2.ID, kid[5], "a2-1", t0.Add(time.Second))))
			acct := createAccountKey(t, s, newAccountKey(a.ID, keyIDs("act_", 1)[0], "acct", t0))
			apiKey := createKey(t, s, a.ID, "api")

			delAll := func(account int64) []string {
				t.Helper()
				var ids []string
				update(t, s, func(tx gatehouse.Tx) error {
					var err error
					ids, err = tx.AppKeys().DeleteAppKeysByAccount(t.Context(), account)
					return err
				})
				return ids
			}
			wantEqual(t, "DeleteAppKeysByAccount(a) ids", sortedStrings(delAll(a.ID)), sortedStrings(strIDs(aKeys, appKeyID)))
			for _, k := range aKeys {
				_, err := findAppKey(t, s, k.ID)
				wantCode(t, "FindAppKeyByID(deleted "+k.DisplayName+")", err, gatehouse.ENOTFOUND)
			}
			for _, app := range []*gatehouse.App{a1, a2, a3} {
				if n := countAppKeys(t, s, app.ID); n != 0 {
					t.Errorf("CountAppKeysByApp(%s) after DeleteAppKeysByAccount = %d, want 0", app.DisplayName, n)
				}
				// The apps themselves stay.
				got, err := findApp(t, s, app.ID)
				if err != nil {
					t.Fatalf("FindAppByID(%s) after DeleteAppKeysByAccount: %v", app.DisplayName, err)
				}
				wantEqual(t, "app after DeleteAppKeysByAccount", got, app)
			}
			wantEqual(t, "FindAppKeysByApp(b) after DeleteAppKeysByAccount(a)", findAppKeys(t, s, bApp.ID), bKeys)
			// The account's other credentials are not app keys.
			wantEqual(t, "account keys of a", findAccountKeys(t, s, a.ID), []*gatehouse.AccountKey{acct})
			wantEqual(t, "API keys of a", findKeys(t, s, a.ID), []*gatehouse.APIKey{apiKey})
			// Nothing to delete: no error, no ids.
			for _, account := range []int64{a.ID, c.ID, 1 << 40} {
				if got := delAll(account); len(got) != 0 {
					t.Errorf("DeleteAppKeysByAccount(%d) = %v, want none", account, got)
				}
			}
			wantEqual(t, "FindAppKeysByApp(b) at the end", findAppKeys(t, s, bApp.ID), bKeys)
		}},
	})
}

// ---------------------------------------------------------------- account keys

func testAccountKeys(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"CreateAndFind", func(t *testing.T, s gatehouse.Store) {
			u := createUser(t, s, "a@example.com", gatehouse.UserActive)
			kid := keyIDs("act_", 3)
			k1 := newAccountKey(u.ID, kid[0], "CI ☕ \"key\"", t0)
			k2 := newAccountKey(u.ID, kid[1], "", t0.Add(time.Millisecond))
			k2.SecretSealed = bytes.Repeat([]byte{0xff, 0x00}, 36)
			update(t, s, func(tx gatehouse.Tx) error {
				if err := tx.AccountKeys().CreateAccountKey(t.Context(), k1); err != nil {
					return err
				}
				return tx.AccountKeys().CreateAccountKey(t.Context(), k2)
			})
			for _, want := range []*gatehouse.AccountKey{k1, k2} {
				got, err := findAccountKey(t, s, want.ID)
				if err != nil {
					t.Fatalf("FindAccountKeyByID(%s): %v", want.ID, err)
				}
				wantEqual(t, "FindAccountKeyByID("+want.ID+")", got, want)
				if !bytes.Equal(got.SecretSealed, want.SecretSealed) {
					t.Errorf("SecretSealed = %x, want %x", got.SecretSealed, want.SecretSealed)
				}
			}
			for _, missing := range []string{kid[2], "", "app_" + kid[0][4:]} {
				_, err := findAccountKey(t, s, missing)
				wantCode(t, "FindAccountKeyByID("+missing+")", err, gatehouse.ENOTFOUND)
			}
		}},
		{"DuplicateIDIsConflict", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			k := createAccountKey(t, s, newAccountKey(a.ID, keyIDs("act_", 1)[0], "orig", t0))
			for _, owner := range []int64{a.ID, b.ID} {
				dup := newAccountKey(owner, k.ID, "dup", t0.Add(time.Hour))
				dup.SecretSealed = []byte("other")
				err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.AccountKeys().CreateAccountKey(t.Context(), dup) })
				wantCode(t, fmt.Sprintf("CreateAccountKey(duplicate id, user %d)", owner), err, gatehouse.ECONFLICT)
			}
			got, err := findAccountKey(t, s, k.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "key after conflicting CreateAccountKey", got, k)
			if got := findAccountKeys(t, s, b.ID); len(got) != 0 {
				t.Errorf("user b has account keys %v after a conflicting CreateAccountKey, want none", strIDs(got, accountKeyID))
			}
		}},
		{"NoSuchUserIsConflict", func(t *testing.T, s gatehouse.Store) {
			u := createUser(t, s, "a@example.com", gatehouse.UserActive)
			orphan := newAccountKey(u.ID+1000, keyIDs("act_", 1)[0], "orphan", t0)
			err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.AccountKeys().CreateAccountKey(t.Context(), orphan) })
			wantCode(t, "CreateAccountKey(no such user)", err, gatehouse.ECONFLICT)
			_, err = findAccountKey(t, s, orphan.ID)
			wantCode(t, "FindAccountKeyByID(orphan)", err, gatehouse.ENOTFOUND)
		}},
		{"FindAccountKeysByUser", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			c := createUser(t, s, "c@example.com", gatehouse.UserActive)
			kid := keyIDs("act_", 6)
			// As for app keys: creation order against id order, a tie on
			// CreatedAt with ids rising, b's keys in between.
			wantA := []*gatehouse.AccountKey{
				newAccountKey(a.ID, kid[4], "zeta", t0),
				newAccountKey(a.ID, kid[2], "alpha", t0.Add(time.Second)),
				newAccountKey(a.ID, kid[0], "mu", t0.Add(time.Minute)),
				newAccountKey(a.ID, kid[5], "beta", t0.Add(time.Minute)),
			}
			wantB := []*gatehouse.AccountKey{
				newAccountKey(b.ID, kid[3], "x", t0.Add(time.Millisecond)),
				newAccountKey(b.ID, kid[1], "y", t0.Add(time.Hour)),
			}
			for i := range wantA {
				createAccountKey(t, s, wantA[i])
				if i < len(wantB) {
					createAccountKey(t, s, wantB[i])
				}
			}
			wantEqual(t, "FindAccountKeysByUser(a)", findAccountKeys(t, s, a.ID), wantA)
			wantEqual(t, "FindAccountKeysByUser(b)", findAccountKeys(t, s, b.ID), wantB)
			for _, id := range []int64{c.ID, 1 << 40} {
				got := findAccountKeys(t, s, id)
				if got == nil || len(got) != 0 {
					t.Errorf("FindAccountKeysByUser(%d) = %#v, want an empty non-nil slice", id, got)
				}
			}
		}},
		{"DeleteAccountKey", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			kid := keyIDs("act_", 3)
			ka := createAccountKey(t, s, newAccountKey(a.ID, kid[0], "mine", t0))
			ka2 := createAccountKey(t, s, newAccountKey(a.ID, kid[1], "mine too", t0.Add(time.Second)))
			kb := createAccountKey(t, s, newAccountKey(b.ID, kid[2], "theirs", t0))
			del := func(userID int64, id string) error {
				return s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.AccountKeys().DeleteAccountKey(t.Context(), userID, id) })
			}
			wantCode(t, "DeleteAccountKey(another user's key)", del(a.ID, kb.ID), gatehouse.ENOTFOUND)
			wantCode(t, "DeleteAccountKey(own key, wrong user)", del(b.ID, ka.ID), gatehouse.ENOTFOUND)
			wantCode(t, "DeleteAccountKey(no such user)", del(1<<40, ka.ID), gatehouse.ENOTFOUND)
			wantCode(t, "DeleteAccountKey(no such key)", del(a.ID, keyIDs("act_", 1)[0]), gatehouse.ENOTFOUND)
			wantCode(t, "DeleteAccountKey(empty id)", del(a.ID, ""), gatehouse.ENOTFOUND)
			for _, want := range []*gatehouse.AccountKey{ka, ka2, kb} {
				got, err := findAccountKey(t, s, want.ID)
				if err != nil {
					t.Fatalf("FindAccountKeyByID(%s) after refused deletes: %v", want.Name, err)
				}
				wantEqual(t, "account key after refused deletes", got, want)
			}
			if err := del(a.ID, ka.ID); err != nil {
				t.Fatalf("DeleteAccountKey(own key): %v", err)
			}
			_, err := findAccountKey(t, s, ka.ID)
			wantCode(t, "FindAccountKeyByID(deleted)", err, gatehouse.ENOTFOUND)
			wantCode(t, "DeleteAccountKey(again)", del(a.ID, ka.ID), gatehouse.ENOTFOUND)
			wantEqual(t, "FindAccountKeysByUser(a)", findAccountKeys(t, s, a.ID), []*gatehouse.AccountKey{ka2})
			wantEqual(t, "FindAccountKeysByUser(b)", findAccountKeys(t, s, b.ID), []*gatehouse.AccountKey{kb})
		}},
		{"DeleteAccountKeysByUser", func(t *testing.T, s gatehouse.Store) {
			a := createUser(t, s, "a@example.com", gatehouse.UserActive)
			b := createUser(t, s, "b@example.com", gatehouse.UserActive)
			c := createUser(t, s, "c@example.com", gatehouse.UserActive)
			kid := keyIDs("act_", 5)
			var aKeys, bKeys []*gatehouse.AccountKey
			for i, id := range kid {
				if i%2 == 0 {
					aKeys = append(aKeys, createAccountKey(t, s, newAccountKey(a.ID, id, fmt.Sprintf("a%d", i), t0.Add(time.Duration(i)*time.Second))))
				} else {
					bKeys = append(bKeys, createAccountKey(t, s, newAccountKey(b.ID, id, fmt.Sprintf("b%d", i), t0.Add(time.Duration(i)*time.Second))))
				}
			}
			app := createApp(t, s, newApp(a.ID, appIDs(1)[0], "app"))
			appKey := createAppKey(t, s, newAppKey(app.ID, keyIDs("app_", 1)[0], "k", t0))
			apiKey := createKey(t, s, a.ID, "api")
			delAll := func(userID int64) []string {
				t.Helper()
				var ids []string
				update(t, s, func(tx gatehouse.Tx) error {
					var err error
					ids, err = tx.AccountKeys().DeleteAccountKeysByUser(t.Context(), userID)
					return err
				})
				return ids
			}
			wantEqual(t, "DeleteAccountKeysByUser(a) ids", sortedStrings(delAll(a.ID)), strIDs(aKeys, accountKeyID))
			for _, k := range aKeys {
				_, err := findAccountKey(t, s, k.ID)
				wantCode(t, "FindAccountKeyByID(deleted "+k.Name+")", err, gatehouse.ENOTFOUND)
			}
			if got := findAccountKeys(t, s, a.ID); len(got) != 0 {
				t.Errorf("FindAccountKeysByUser(a) after DeleteAccountKeysByUser = %v, want none", strIDs(got, accountKeyID))
			}
			wantEqual(t, "FindAccountKeysByUser(b)", findAccountKeys(t, s, b.ID), bKeys)
			// The user, their apps, app keys and API keys stay.
			if _, err := findUser(t, s, a.ID); err != nil {
				t.Errorf("FindUserByID(a) after DeleteAccountKeysByUser: %v", err)
			}
			wantEqual(t, "app keys of a", findAppKeys(t, s, app.ID), []*gatehouse.AppKey{appKey})
			wantEqual(t, "API keys of a", findKeys(t, s, a.ID), []*gatehouse.APIKey{apiKey})
			for _, id := range []int64{a.ID, c.ID, 1 << 40} {
				if got := delAll(id); len(got) != 0 {
					t.Errorf("DeleteAccountKeysByUser(%d) = %v, want none", id, got)
				}
			}
			wantEqual(t, "FindAccountKeysByUser(b) at the end", findAccountKeys(t, s, b.ID), bKeys)
		}},
	})
}

// ---------------------------------------------------------------- transactions and times of the app stores

// testAppsTx checks that the app, app-key and account-key stores take part
// in the transaction: an aborted Update leaves none of their writes behind.
func testAppsTx(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"UpdateRollsBackOnError", func(t *testing.T, s gatehouse.Store) {
			u := createUser(t, s, "a@example.com", gatehouse.UserActive)
			id := appIDs(3)
			kept := newApp(u.ID, id[0], "kept")
			kept.Metadata = map[string]any{"k": "v"}
			createApp(t, s, kept)
			doomed := createApp(t, s, newApp(u.ID, id[1], "doomed"))
			kid := keyIDs("app_", 3)
			keptKey := createAppKey(t, s, newAppKey(kept.ID, kid[0], "kept", t0))
			doomedKey := createAppKey(t, s, newAppKey(doomed.ID, kid[1], "doomed", t0))
			aid := keyIDs("act_", 2)
			keptAcct := createAccountKey(t, s, newAccountKey(u.ID, aid[0], "kept", t0))
			ctx := t.Context()
			err := s.Update(ctx, func(tx gatehouse.Tx) error {
				if err := tx.Apps().CreateApp(ctx, newApp(u.ID, id[2], "ghost")); err != nil {
					return err
				}
				if err := tx.AppKeys().CreateAppKey(ctx, newAppKey(id[2], kid[2], "ghost", t0)); err != nil {
					return err
				}
				if err := tx.AccountKeys().CreateAccountKey(ctx, newAccountKey(u.ID, aid[1], "ghost", t0)); err != nil {
					return err
				}
				changed := *kept
				changed.DisplayName, changed.Metadata, changed.UpdatedAt = "changed", nil, t0.Add(time.Hour)
				if err := tx.Apps().UpdateApp(ctx, &changed); err != nil {
					return err
				}
				if _, err := tx.Apps().DeleteApp(ctx, doomed.ID); err != nil {
					return err
				}
				if err := tx.AppKeys().DeleteAppKey(ctx, kept.ID, keptKey.ID); err != nil {
					return err
				}
				if _, err := tx.AccountKeys().DeleteAccountKeysByUser(ctx, u.ID); err != nil {
					return err
				}
				if err := tx.Revocations().CreateRevocation(ctx, &gatehouse.Revocation{Kind: gatehouse.RevokeApp, Subject: doomed.ID, At: t0}); err != nil {
					return err
				}
				// The transaction sees its own writes.
				if _, err := tx.Apps().FindAppByID(ctx, id[2]); err != nil {
					return fmt.Errorf("own write not visible: %w", err)
				}
				if _, err := tx.Apps().FindAppByID(ctx, doomed.ID); gatehouse.ErrorCode(err) != gatehouse.ENOTFOUND {
					return fmt.Errorf("own delete not visible: %v", err)
				}
				return fmt.Errorf("wrapped: %w", errAbort)
			})
			if !errors.Is(err, errAbort) {
				t.Fatalf("Update returned %v, want the error fn returned", err)
			}
			list, _ := findApps(t, s, u.ID, gatehouse.AppPage{Size: 10})
			wantEqual(t, "FindAppsByAccount after rollback", list, []*gatehouse.App{kept, doomed})
			wantMetadataNil(t, "kept app after rollback", list[0], false)
			wantEqual(t, "keys of kept after rollback", findAppKeys(t, s, kept.ID), []*gatehouse.AppKey{keptKey})
			wantEqual(t, "keys of doomed after rollback", findAppKeys(t, s, doomed.ID), []*gatehouse.AppKey{doomedKey})
			_, err = findAppKey(t, s, kid[2])
			wantCode(t, "FindAppKeyByID(rolled back)", err, gatehouse.ENOTFOUND)
			wantEqual(t, "account keys after rollback", findAccountKeys(t, s, u.ID), []*gatehouse.AccountKey{keptAcct})
			if got := latestSeq(t, s); got != 0 {
				t.Errorf("LatestRevocationSeq after rollback = %d, want 0", got)
			}
		}},
	})
}

// testAppsTimes is testTimes for the app, app-key and account-key times.
func testAppsTimes(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"MillisecondUTC", func(t *testing.T, s gatehouse.Store) {
			zone := time.FixedZone("NPT", 5*3600+45*60)
			in := time.Date(2031, time.July, 9, 23, 59, 58, 987_654_321, zone)
			want := time.Date(2031, time.July, 9, 18, 14, 58, 987_000_000, time.UTC)
			now := time.Now().In(zone)
			nowWant := now.Truncate(time.Millisecond).UTC()
			u := createUser(t, s, "a@example.com", gatehouse.UserActive)
			app := &gatehouse.App{ID: appIDs(1)[0], AccountID: u.ID, DisplayName: "t", CreatedAt: in, UpdatedAt: now}
			createApp(t, s, app)
			ak := createAppKey(t, s, newAppKey(app.ID, keyIDs("app_", 1)[0], "t", in))
			ck := createAccountKey(t, s, newAccountKey(u.ID, keyIDs("act_", 1)[0], "t", now))
			type timeCheck struct {
				what      string
				got, want time.Time
			}
			var times []timeCheck
			ga, err := findApp(t, s, app.ID)
			if err != nil {
				t.Fatal(err)
			}
			times = append(times, timeCheck{"App.CreatedAt", ga.CreatedAt, want}, timeCheck{"App.UpdatedAt", ga.UpdatedAt, nowWant})
			list, _ := findApps(t, s, u.ID, gatehouse.AppPage{Size: 1})
			for _, la := range list {
				times = append(times, timeCheck{"App.CreatedAt (list)", la.CreatedAt, want}, timeCheck{"App.UpdatedAt (list)", la.UpdatedAt, nowWant})
			}
			gk, err := findAppKey(t, s, ak.ID)
			if err != nil {
				t.Fatal(err)
			}
			times = append(times, timeCheck{"AppKey.CreatedAt", gk.CreatedAt, want})
			for _, k := range findAppKeys(t, s, app.ID) {
				times = append(times, timeCheck{"AppKey.CreatedAt (list)", k.CreatedAt, want})
			}
			gc, err := findAccountKey(t, s, ck.ID)
			if err != nil {
				t.Fatal(err)
			}
			times = append(times, timeCheck{"AccountKey.CreatedAt", gc.CreatedAt, nowWant})
			for _, k := range findAccountKeys(t, s, u.ID) {
				times = append(times, timeCheck{"AccountKey.CreatedAt (list)", k.CreatedAt, nowWant})
			}
			upd := *ga
			upd.UpdatedAt = in
			update(t, s, func(tx gatehouse.Tx) error { return tx.Apps().UpdateApp(t.Context(), &upd) })
			ga, err = findApp(t, s, app.ID)
			if err != nil {
				t.Fatal(err)
			}
			times = append(times, timeCheck{"App.UpdatedAt after UpdateApp", ga.UpdatedAt, want})
			if len(times) != 9 {
				t.Fatalf("checked %d times, want 9 (a row is missing)", len(times))
			}
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

// ---------------------------------------------------------------- settings

func testSettings(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"CreateFind", func(t *testing.T, s gatehouse.Store) {
			value := []byte{0, 1, 2, 0xff, 'x'}
			update(t, s, func(tx gatehouse.Tx) error { return tx.Settings().CreateSetting(t.Context(), "a", value) })
			view(t, s, func(tx gatehouse.Tx) error {
				got, err := tx.Settings().FindSetting(t.Context(), "a")
				if err != nil {
					return err
				}
				wantEqual(t, "value", got, value)
				return nil
			})
		}},
		{"Missing", func(t *testing.T, s gatehouse.Store) {
			err := s.View(t.Context(), func(tx gatehouse.Tx) error {
				_, err := tx.Settings().FindSetting(t.Context(), "nope")
				return err
			})
			wantCode(t, "FindSetting of a missing name", err, gatehouse.ENOTFOUND)
		}},
		{"Duplicate", func(t *testing.T, s gatehouse.Store) {
			update(t, s, func(tx gatehouse.Tx) error { return tx.Settings().CreateSetting(t.Context(), "a", []byte("1")) })
			err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Settings().CreateSetting(t.Context(), "a", []byte("2")) })
			wantCode(t, "CreateSetting of an existing name", err, gatehouse.ECONFLICT)
			view(t, s, func(tx gatehouse.Tx) error {
				got, err := tx.Settings().FindSetting(t.Context(), "a")
				if err != nil {
					return err
				}
				wantEqual(t, "value after a refused overwrite", got, []byte("1"))
				return nil
			})
		}},
	})
}
