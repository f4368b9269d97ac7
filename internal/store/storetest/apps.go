package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

func newApp(accountID int64, id, name string) *gatehouse.App {
	return &gatehouse.App{ID: id, AccountID: accountID, DisplayName: name, CreatedAt: t0, UpdatedAt: t0}
}

func findApps(t *testing.T, s gatehouse.Store, accountID int64, page gatehouse.AppPage) ([]*gatehouse.App, bool) {
	t.Helper()
	var as []*gatehouse.App
	var more bool
	mustView(t, s, func(tx gatehouse.Tx) error {
		var err error
		as, more, err = tx.Apps().FindAppsByAccount(t.Context(), accountID, page)
		return err
	})
	return as, more
}

func appID(a *gatehouse.App) string { return a.ID }

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
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
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
			mustUpdate(t, s, func(tx gatehouse.Tx) error {
				for _, a := range apps {
					if err := tx.Apps().CreateApp(t.Context(), a); err != nil {
						return err
					}
				}
				return nil
			})
			for _, want := range apps {
				got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.App, error) {
					return tx.Apps().FindAppByID(t.Context(), want.ID)
				})
				if err != nil {
					t.Fatalf("FindAppByID(%s): %v", want.DisplayName, err)
				}
				wantEqual(t, "FindAppByID("+want.DisplayName+")", got, want)
				wantMetadataNil(t, "FindAppByID("+want.DisplayName+")", got, want.Metadata == nil)
			}
			got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.App, error) {
				return tx.Apps().FindAppByID(t.Context(), all.ID)
			})
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
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			orig := create(t, s, newApp(a.ID, appIDs(1)[0], "first"))
			for _, owner := range []int64{a.ID, b.ID} {
				dup := newApp(owner, orig.ID, "second")
				dup.Metadata = map[string]any{"x": "y"}
				err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Apps().CreateApp(t.Context(), dup) })
				wantCode(t, fmt.Sprintf("CreateApp(duplicate id, account %d)", owner), err, gatehouse.ECONFLICT)
			}
			got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.App, error) {
				return tx.Apps().FindAppByID(t.Context(), orig.ID)
			})
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "app after conflicting CreateApp", got, orig)
			if got, _ := findApps(t, s, b.ID, gatehouse.AppPage{Size: 10}); len(got) != 0 {
				t.Errorf("account b has apps %v after a conflicting CreateApp, want none", strIDs(got, appID))
			}
		}},
		{"NoSuchAccountIsConflict", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			orphan := newApp(u.ID+1000, appIDs(1)[0], "orphan")
			err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Apps().CreateApp(t.Context(), orphan) })
			wantCode(t, "CreateApp(no such account)", err, gatehouse.ECONFLICT)
			_, err = find(t, s, func(tx gatehouse.Tx) (*gatehouse.App, error) {
				return tx.Apps().FindAppByID(t.Context(), orphan.ID)
			})
			wantCode(t, "FindAppByID(orphan)", err, gatehouse.ENOTFOUND)
		}},
		{"FindAppByIDMissing", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			id := appIDs(2)
			create(t, s, newApp(u.ID, id[0], "there"))
			for _, missing := range []string{id[1], "", "000000000000000000000000", "app_" + id[0]} {
				_, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.App, error) {
					return tx.Apps().FindAppByID(t.Context(), missing)
				})
				wantCode(t, "FindAppByID("+missing+")", err, gatehouse.ENOTFOUND)
			}
		}},
		{"FindAppsByAccount", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			c := create(t, s, newUser("c@example.com", gatehouse.UserActive))
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
				create(t, s, B[i])
				create(t, s, A[i])
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
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			c := create(t, s, newUser("c@example.com", gatehouse.UserActive))
			id := appIDs(7)
			// b's apps lie below and above all of a's.
			create(t, s, newApp(b.ID, id[0], "b-low"))
			for _, i := range []int{1, 3, 5} {
				create(t, s, newApp(a.ID, id[i], fmt.Sprintf("a%d", i)))
			}
			create(t, s, newApp(b.ID, id[6], "b-high"))
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
				got := mustFind(t, s, func(tx gatehouse.Tx) (bool, error) {
					return tx.Apps().HasAppsBeyond(t.Context(), tt.account, tt.id, tt.before)
				})
				if got != tt.want {
					t.Errorf("HasAppsBeyond(account %d, %s, before=%v) = %v, want %v", tt.account, tt.id, tt.before, got, tt.want)
				}
			}
		}},
		{"UpdateApp", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			id := appIDs(2)
			app := newApp(a.ID, id[0], "before")
			app.Settings = gatehouse.AppSettings{ConversationRetentionSeconds: new(int64(3600)), MaskCreditCardNumbers: true, MultiConvoEnabled: true}
			app.Metadata = map[string]any{"tier": "gold", "seats": json.Number("12345678901234567890"), "trial": true}
			create(t, s, app)
			bystander := newApp(a.ID, id[1], "bystander")
			bystander.Metadata = map[string]any{"keep": "me"}
			create(t, s, bystander)
			key := create(t, s, newAppKey(app.ID, keyIDs("app_", 1)[0], "k", t0))

			write := func(upd *gatehouse.App) {
				t.Helper()
				mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Apps().UpdateApp(t.Context(), upd) })
			}
			check := func(step string, want *gatehouse.App) {
				t.Helper()
				got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.App, error) {
					return tx.Apps().FindAppByID(t.Context(), want.ID)
				})
				if err != nil {
					t.Fatalf("%s: FindAppByID: %v", step, err)
				}
				wantEqual(t, step, got, want)
				wantMetadataNil(t, step, got, want.Metadata == nil)
				other, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.App, error) {
					return tx.Apps().FindAppByID(t.Context(), bystander.ID)
				})
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
			wantEqual(t, "keys after UpdateApp", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AppKey, error) {
				return tx.AppKeys().FindAppKeysByApp(t.Context(), app.ID)
			}), []*gatehouse.AppKey{key})
		}},
		{"UpdateAppMissing", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			id := appIDs(2)
			app := create(t, s, newApp(u.ID, id[0], "there"))
			for _, missing := range []string{id[1], ""} {
				ghost := newApp(u.ID, missing, "ghost")
				ghost.UpdatedAt = t0.Add(time.Hour)
				err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Apps().UpdateApp(t.Context(), ghost) })
				wantCode(t, "UpdateApp("+missing+")", err, gatehouse.ENOTFOUND)
				_, err = find(t, s, func(tx gatehouse.Tx) (*gatehouse.App, error) {
					return tx.Apps().FindAppByID(t.Context(), missing)
				})
				wantCode(t, "FindAppByID after UpdateApp("+missing+")", err, gatehouse.ENOTFOUND)
			}
			got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.App, error) {
				return tx.Apps().FindAppByID(t.Context(), app.ID)
			})
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "existing app after UpdateApp(missing)", got, app)
		}},
		{"DeleteApp", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			id := appIDs(4)
			gone := create(t, s, newApp(a.ID, id[0], "gone"))
			kept := create(t, s, newApp(a.ID, id[1], "kept"))
			bare := create(t, s, newApp(a.ID, id[2], "bare"))
			theirs := create(t, s, newApp(b.ID, id[3], "theirs"))
			kid := keyIDs("app_", 5)
			goneKeys := []*gatehouse.AppKey{
				create(t, s, newAppKey(gone.ID, kid[0], "g0", t0)),
				create(t, s, newAppKey(gone.ID, kid[2], "g1", t0.Add(time.Second))),
				create(t, s, newAppKey(gone.ID, kid[4], "g2", t0.Add(2*time.Second))),
			}
			keptKey := create(t, s, newAppKey(kept.ID, kid[1], "k", t0))
			theirKey := create(t, s, newAppKey(theirs.ID, kid[3], "t", t0))
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
			_, err = find(t, s, func(tx gatehouse.Tx) (*gatehouse.App, error) {
				return tx.Apps().FindAppByID(t.Context(), gone.ID)
			})
			wantCode(t, "FindAppByID(deleted)", err, gatehouse.ENOTFOUND)
			for _, k := range goneKeys {
				_, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.AppKey, error) {
					return tx.AppKeys().FindAppKeyByID(t.Context(), k.ID)
				})
				wantCode(t, "FindAppKeyByID(key of deleted app)", err, gatehouse.ENOTFOUND)
			}
			if got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AppKey, error) {
				return tx.AppKeys().FindAppKeysByApp(t.Context(), gone.ID)
			}); len(got) != 0 {
				t.Errorf("FindAppKeysByApp(deleted app) = %v, want none", strIDs(got, appKeyID))
			}
			if n := mustFind(t, s, func(tx gatehouse.Tx) (int, error) {
				return tx.AppKeys().CountAppKeysByApp(t.Context(), gone.ID)
			}); n != 0 {
				t.Errorf("CountAppKeysByApp(deleted app) = %d, want 0", n)
			}
			list, _ := findApps(t, s, a.ID, gatehouse.AppPage{Size: 10})
			wantEqual(t, "FindAppsByAccount(a) after DeleteApp", list, []*gatehouse.App{kept, bare})
			wantEqual(t, "keys of a's other app", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AppKey, error) {
				return tx.AppKeys().FindAppKeysByApp(t.Context(), kept.ID)
			}), []*gatehouse.AppKey{keptKey})
			wantEqual(t, "keys of b's app", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AppKey, error) {
				return tx.AppKeys().FindAppKeysByApp(t.Context(), theirs.ID)
			}), []*gatehouse.AppKey{theirKey})

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
			create(t, s, newApp(a.ID, gone.ID, "reborn"))
			if got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AppKey, error) {
				return tx.AppKeys().FindAppKeysByApp(t.Context(), gone.ID)
			}); len(got) != 0 {
				t.Errorf("FindAppKeysByApp(recreated app) = %v, want none", strIDs(got, appKeyID))
			}
		}},
		{"MetadataKeepsDigitsAndText", func(t *testing.T, s gatehouse.Store) {
			// Numbers come back with the digits they were written with
			// (not as a float64 would print them), strings byte for byte.
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			a := newApp(u.ID, appIDs(1)[0], "digits")
			a.Metadata = map[string]any{
				"exp": json.Number("1e3"), "dec": json.Number("1.50"), "negzero": json.Number("-0"),
				"big": json.Number("-12345678901234567890.000001"), "s": "tab\there \u00e9 \x00 nul",
			}
			create(t, s, a)
			got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.App, error) { return tx.Apps().FindAppByID(t.Context(), a.ID) })
			if err != nil {
				t.Fatal(err)
			}
			for k, want := range a.Metadata {
				if got.Metadata[k] != want {
					t.Errorf("metadata %q = %#v (%T), want %#v (%T)", k, got.Metadata[k], got.Metadata[k], want, want)
				}
			}
			wantEqual(t, "FindAppByID", got, a)
		}},
		{"PageOfSizeZero", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			id := appIDs(2)
			create(t, s, newApp(a.ID, id[0], "one"))
			create(t, s, newApp(a.ID, id[1], "two"))
			// No apps in the page, and more says whether there are any.
			for _, tt := range []struct {
				name    string
				account int64
				page    gatehouse.AppPage
				more    bool
			}{
				{"first", a.ID, gatehouse.AppPage{}, true},
				{"after the first", a.ID, gatehouse.AppPage{After: id[0]}, true},
				{"after the last", a.ID, gatehouse.AppPage{After: id[1]}, false},
				{"before the last", a.ID, gatehouse.AppPage{Before: id[1]}, true},
				{"account without apps", b.ID, gatehouse.AppPage{}, false},
			} {
				got, more := findApps(t, s, tt.account, tt.page)
				if len(got) != 0 || more != tt.more {
					t.Errorf("FindAppsByAccount(%s, size 0) = %v, more %v; want none, more %v", tt.name, strIDs(got, appID), more, tt.more)
				}
			}
		}},
	})
}
