package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

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
			mustUpdate(t, s, func(tx gatehouse.Tx) error {
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

			var times []timeCheck
			add := func(what string, got, want time.Time) { times = append(times, timeCheck{what, got, want}) }
			mustView(t, s, func(tx gatehouse.Tx) error {
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
				gr, _, err := tx.Revocations().FindRevocationsAfter(ctx, gatehouse.RevocationPos{}, 1)
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
			mustUpdate(t, s, func(tx gatehouse.Tx) error {
				return tx.Keys().TouchKeys(ctx, map[int64]time.Time{k.ID: now.Add(time.Nanosecond)})
			})
			gk, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.APIKey, error) {
				return tx.Keys().FindKeyByHash(t.Context(), k.Hash)
			})
			if err != nil {
				t.Fatal(err)
			}
			add("APIKey.LastUsedAt after TouchKeys", gk.LastUsedAt, now.Add(time.Nanosecond).Truncate(time.Millisecond).UTC())
			gu, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.User, error) {
				return tx.Users().FindUserByID(t.Context(), u.ID)
			})
			if err != nil {
				t.Fatal(err)
			}
			mustUpdate(t, s, func(tx gatehouse.Tx) error {
				gu, err = tx.Users().UpdateUser(ctx, u.ID, gatehouse.UserUpdate{UpdatedAt: in})
				return err
			})
			add("UpdateUser result UpdatedAt", gu.UpdatedAt, want)

			wantTimes(t, times, 10)
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
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			d := &gatehouse.Dataset{OwnerID: a.ID, Name: "timed", Classification: gatehouse.Unclassified, CreatedAt: in}
			c := &gatehouse.ChatSession{ID: "c-times", UserID: a.ID, Title: "t", CreatedAt: in, UpdatedAt: now}
			m := &gatehouse.ChatMessage{SessionID: c.ID, Role: gatehouse.RoleUser, Text: "x", CreatedAt: in}
			l := &gatehouse.PromptLog{UserID: a.ID, At: in, Prompt: "p", Model: "m"}
			mustUpdate(t, s, func(tx gatehouse.Tx) error {
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
			var times []timeCheck
			gd, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.Dataset, error) {
				return tx.Datasets().FindDatasetByOwnerName(t.Context(), a.ID, "timed")
			})
			if err != nil {
				t.Fatal(err)
			}
			times = append(times, timeCheck{"Dataset.CreatedAt", gd.CreatedAt, want})
			for _, acc := range mustFind(t, s, func(tx gatehouse.Tx) ([]gatehouse.DatasetAccess, error) {
				return tx.Datasets().FindDatasetsForUser(t.Context(), b.ID)
			}) {
				times = append(times, timeCheck{"DatasetAccess.Dataset.CreatedAt", acc.Dataset.CreatedAt, want})
			}
			gs, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.Share, error) {
				return tx.Datasets().FindShare(t.Context(), d.ID, b.ID)
			})
			if err != nil {
				t.Fatal(err)
			}
			times = append(times, timeCheck{"Share.CreatedAt", gs.CreatedAt, want}, timeCheck{"Share.UpdatedAt", gs.UpdatedAt, nowWant})
			gc, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.ChatSession, error) {
				return tx.Chats().FindChatByID(t.Context(), c.ID)
			})
			if err != nil {
				t.Fatal(err)
			}
			times = append(times, timeCheck{"ChatSession.CreatedAt", gc.CreatedAt, want}, timeCheck{"ChatSession.UpdatedAt", gc.UpdatedAt, nowWant})
			for _, gm := range mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.ChatMessage, error) {
				return tx.Chats().FindChatMessages(t.Context(), c.ID)
			}) {
				times = append(times, timeCheck{"ChatMessage.CreatedAt", gm.CreatedAt, want})
			}
			for _, gm := range findMessagesByUser(t, s, a.ID)[c.ID] {
				times = append(times, timeCheck{"ChatMessage.CreatedAt (by user)", gm.CreatedAt, want})
			}
			for _, gl := range mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.PromptLog, error) {
				return tx.PromptLogs().FindPromptLogsByUser(t.Context(), a.ID, 0, 1)
			}) {
				times = append(times, timeCheck{"PromptLog.At", gl.At, want})
			}
			wantTimes(t, times, 9)
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
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			app := &gatehouse.App{ID: appIDs(1)[0], AccountID: u.ID, DisplayName: "t", CreatedAt: in, UpdatedAt: now}
			create(t, s, app)
			ak := create(t, s, newAppKey(app.ID, keyIDs("app_", 1)[0], "t", in))
			ck := create(t, s, newAccountKey(u.ID, keyIDs("act_", 1)[0], "t", now))
			var times []timeCheck
			ga, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.App, error) {
				return tx.Apps().FindAppByID(t.Context(), app.ID)
			})
			if err != nil {
				t.Fatal(err)
			}
			times = append(times, timeCheck{"App.CreatedAt", ga.CreatedAt, want}, timeCheck{"App.UpdatedAt", ga.UpdatedAt, nowWant})
			list, _ := findApps(t, s, u.ID, gatehouse.AppPage{Size: 1})
			for _, la := range list {
				times = append(times, timeCheck{"App.CreatedAt (list)", la.CreatedAt, want}, timeCheck{"App.UpdatedAt (list)", la.UpdatedAt, nowWant})
			}
			gk, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.AppKey, error) {
				return tx.AppKeys().FindAppKeyByID(t.Context(), ak.ID)
			})
			if err != nil {
				t.Fatal(err)
			}
			times = append(times, timeCheck{"AppKey.CreatedAt", gk.CreatedAt, want})
			for _, k := range mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AppKey, error) {
				return tx.AppKeys().FindAppKeysByApp(t.Context(), app.ID)
			}) {
				times = append(times, timeCheck{"AppKey.CreatedAt (list)", k.CreatedAt, want})
			}
			gc, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.AccountKey, error) {
				return tx.AccountKeys().FindAccountKeyByID(t.Context(), ck.ID)
			})
			if err != nil {
				t.Fatal(err)
			}
			times = append(times, timeCheck{"AccountKey.CreatedAt", gc.CreatedAt, nowWant})
			for _, k := range mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AccountKey, error) {
				return tx.AccountKeys().FindAccountKeysByUser(t.Context(), u.ID)
			}) {
				times = append(times, timeCheck{"AccountKey.CreatedAt (list)", k.CreatedAt, nowWant})
			}
			upd := *ga
			upd.UpdatedAt = in
			mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Apps().UpdateApp(t.Context(), &upd) })
			ga, err = find(t, s, func(tx gatehouse.Tx) (*gatehouse.App, error) {
				return tx.Apps().FindAppByID(t.Context(), app.ID)
			})
			if err != nil {
				t.Fatal(err)
			}
			times = append(times, timeCheck{"App.UpdatedAt after UpdateApp", ga.UpdatedAt, want})
			wantTimes(t, times, 9)
		}},
	})
}

// timeCheck is a time read back (got) and the instant it must be (want).
type timeCheck struct {
	what      string
	got, want time.Time
}

// wantTimes fails t unless there are n checks and each time is its instant,
// in UTC.
func wantTimes(t *testing.T, times []timeCheck, n int) {
	t.Helper()
	if len(times) != n {
		t.Fatalf("checked %d times, want %d (a row is missing)", len(times), n)
	}
	for _, tt := range times {
		if !tt.got.Equal(tt.want) {
			t.Errorf("%s = %v, want %v", tt.what, tt.got, tt.want)
		}
		if tt.got.Location() != time.UTC {
			t.Errorf("%s location = %v, want UTC", tt.what, tt.got.Location())
		}
	}
}
