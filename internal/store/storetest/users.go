package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

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

func userID(u *gatehouse.User) int64 { return u.ID }

func testUsers(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"CreateSetsIDAndRoundTrips", func(t *testing.T, s gatehouse.Store) {
			a := newUser("alice@example.com", gatehouse.UserActive)
			a.Admin, a.CAC = true, true
			a.UpdatedAt = t0.Add(time.Minute)
			b := newUser("bob@example.com", gatehouse.UserPending)
			b.CompanyID = ""
			mustUpdate(t, s, func(tx gatehouse.Tx) error {
				if err := tx.Users().CreateUser(t.Context(), a); err != nil {
					return err
				}
				return tx.Users().CreateUser(t.Context(), b)
			})
			if a.ID == 0 || b.ID == 0 || a.ID == b.ID {
				t.Fatalf("CreateUser ids = %d, %d; want distinct non-zero", a.ID, b.ID)
			}
			for _, want := range []*gatehouse.User{a, b} {
				got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.User, error) {
					return tx.Users().FindUserByID(t.Context(), want.ID)
				})
				if err != nil {
					t.Fatalf("FindUserByID(%d): %v", want.ID, err)
				}
				wantEqual(t, "FindUserByID", got, want)
			}
		}},
		{"DuplicateEmailIsConflictCaseInsensitive", func(t *testing.T, s gatehouse.Store) {
			first := create(t, s, newUser("Alice@Example.com", gatehouse.UserActive))
			for _, email := range []string{"Alice@Example.com", "alice@example.com", "ALICE@EXAMPLE.COM"} {
				err := s.Update(t.Context(), func(tx gatehouse.Tx) error {
					return tx.Users().CreateUser(t.Context(), newUser(email, gatehouse.UserPending))
				})
				wantCode(t, "CreateUser("+email+")", err, gatehouse.ECONFLICT)
			}
			got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.User, error) {
				return tx.Users().FindUsers(t.Context(), gatehouse.UserFilter{})
			})
			wantEqual(t, "FindUsers after conflicts", got, []*gatehouse.User{first})
		}},
		{"FindUserByID", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("carol@example.com", gatehouse.UserActive))
			got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.User, error) {
				return tx.Users().FindUserByID(t.Context(), u.ID)
			})
			if err != nil {
				t.Fatalf("FindUserByID: %v", err)
			}
			wantEqual(t, "FindUserByID", got, u)
			for _, id := range []int64{u.ID + 1, 0, -1, 1 << 60} {
				_, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.User, error) {
					return tx.Users().FindUserByID(t.Context(), id)
				})
				wantCode(t, fmt.Sprintf("FindUserByID(%d)", id), err, gatehouse.ENOTFOUND)
			}
		}},
		{"FindUserByEmail", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("Dave.Smith@Example.org", gatehouse.UserActive))
			create(t, s, newUser("other@example.org", gatehouse.UserActive))
			for _, q := range []string{"Dave.Smith@Example.org", "dave.smith@example.org", "DAVE.SMITH@EXAMPLE.ORG"} {
				got := mustFind(t, s, func(tx gatehouse.Tx) (*gatehouse.User, error) {
					return tx.Users().FindUserByEmail(t.Context(), q)
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
			if got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.User, error) {
				return tx.Users().FindUsers(t.Context(), gatehouse.UserFilter{})
			}); len(got) != 0 {
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
				all = append(all, create(t, s, newUser(fmt.Sprintf("u%d-%c@example.com", i, 'z'-i), st)))
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
					got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.User, error) {
						return tx.Users().FindUsers(t.Context(), tt.f)
					})
					if !slices.IsSortedFunc(got, func(a, b *gatehouse.User) int { return cmp.Compare(a.ID, b.ID) }) {
						t.Errorf("FindUsers(%s) ids %v not in id order", tt.name, ids(got, userID))
					}
					wantEqual(t, "FindUsers("+tt.name+")", got, tt.want)
				})
			}
		}},
		{"UpdateUserClearsFlags", func(t *testing.T, s gatehouse.Store) {
			// false is a change, not "leave alone".
			u := create(t, s, newUser("flags@example.com", gatehouse.UserActive))
			mustUpdate(t, s, func(tx gatehouse.Tx) error {
				_, err := tx.Users().UpdateUser(t.Context(), u.ID, gatehouse.UserUpdate{Admin: new(true), CAC: new(true), UpdatedAt: t0})
				return err
			})
			got := mustChange(t, s, func(tx gatehouse.Tx) (*gatehouse.User, error) {
				return tx.Users().UpdateUser(t.Context(), u.ID, gatehouse.UserUpdate{Admin: new(false), CAC: new(false), UpdatedAt: t0})
			})
			wantEqual(t, "UpdateUser(clear flags)", got, u)
		}},
		{"UpdateUserMissing", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("erin@example.com", gatehouse.UserActive))
			for _, id := range []int64{u.ID + 1, 0, -7} {
				err := s.Update(t.Context(), func(tx gatehouse.Tx) error {
					_, err := tx.Users().UpdateUser(t.Context(), id, gatehouse.UserUpdate{Admin: new(true), UpdatedAt: t0})
					return err
				})
				wantCode(t, fmt.Sprintf("UpdateUser(%d)", id), err, gatehouse.ENOTFOUND)
			}
			got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.User, error) {
				return tx.Users().FindUserByID(t.Context(), u.ID)
			})
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
			u := create(t, s, newUser("upd@example.com", gatehouse.UserPending))
			other := create(t, s, newUser("bystander@example.com", gatehouse.UserPending))
			want := *u
			tt.change(&want)
			want.UpdatedAt = later
			got := mustChange(t, s, func(tx gatehouse.Tx) (*gatehouse.User, error) {
				return tx.Users().UpdateUser(t.Context(), u.ID, tt.upd)
			})
			wantEqual(t, "UpdateUser result", got, &want)
			stored, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.User, error) {
				return tx.Users().FindUserByID(t.Context(), u.ID)
			})
			if err != nil {
				t.Fatalf("FindUserByID after UpdateUser: %v", err)
			}
			wantEqual(t, "stored after UpdateUser", stored, &want)
			stored, err = find(t, s, func(tx gatehouse.Tx) (*gatehouse.User, error) {
				return tx.Users().FindUserByID(t.Context(), other.ID)
			})
			if err != nil {
				t.Fatalf("FindUserByID(bystander): %v", err)
			}
			wantEqual(t, "bystander after UpdateUser", stored, other)
		})
	}
}
