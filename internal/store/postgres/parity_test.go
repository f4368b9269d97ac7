package postgres_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// TestParityWithSQLite runs one scenario over the parts of the contract the
// storetest suite does not cover yet (datasets, chats, prompt logs, apps,
// app and account keys, string revocation subjects) on a fresh SQLite store
// and a fresh PostgreSQL store, and requires the same results step by step:
// values, ordering, nil versus empty slices, error codes and messages.
func TestParityWithSQLite(t *testing.T) {
	t.Parallel()
	dsn, _ := newSchema(t)
	pg := openStore(t, dsn, postgres.Options{MaxConns: 2})
	lite, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "gatehouse.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lite.Close() })

	want := paritySteps(t, lite)
	got := paritySteps(t, pg)
	if len(got) != len(want) {
		t.Fatalf("PostgreSQL ran %d steps, SQLite %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("step %d differs\nsqlite:   %s\npostgres: %s", i, want[i], got[i])
		}
	}
}

// paritySteps runs the scenario and returns one line per step: its name,
// its result as JSON and its error code and client message.
func paritySteps(t *testing.T, s gatehouse.Store) []string {
	ctx := t.Context()
	var out []string
	step := func(name string, update bool, fn func(tx gatehouse.Tx) (any, error)) {
		t.Helper()
		var v any
		run := s.View
		if update {
			run = s.Update
		}
		err := run(ctx, func(tx gatehouse.Tx) error {
			var err error
			v, err = fn(tx)
			return err
		})
		b, jerr := json.Marshal(v)
		if jerr != nil {
			t.Fatalf("%s: %v", name, jerr)
		}
		line := fmt.Sprintf("%s: %s", name, b)
		if err != nil {
			line += fmt.Sprintf(" error %s %q", gatehouse.ErrorCode(err), gatehouse.ErrorReason(err).Name)
		}
		out = append(out, line)
	}
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }

	var alice, bob *gatehouse.User
	step("users", true, func(tx gatehouse.Tx) (any, error) {
		alice, bob = newUser("alice@example.com"), newUser("bob@example.com")
		if err := tx.Users().CreateUser(ctx, alice); err != nil {
			return nil, err
		}
		return []*gatehouse.User{alice, bob}, tx.Users().CreateUser(ctx, bob)
	})
	step("FindUsers(disabled)", false, func(tx gatehouse.Tx) (any, error) {
		return tx.Users().FindUsers(ctx, gatehouse.UserFilter{Status: gatehouse.UserDisabled})
	})
	step("DeleteKeysByUser(none)", true, func(tx gatehouse.Tx) (any, error) { return tx.Keys().DeleteKeysByUser(ctx, alice.ID) })
	step("FindLoginsByUser(none)", false, func(tx gatehouse.Tx) (any, error) { return tx.Logins().FindLoginsByUser(ctx, alice.ID, 10) })
	step("FindRevocationsAfter(none)", false, func(tx gatehouse.Tx) (any, error) {
		return tx.Revocations().FindRevocationsAfter(ctx, 0, 10)
	})

	// Datasets and shares.
	step("datasets", true, func(tx gatehouse.Tx) (any, error) {
		var ds []*gatehouse.Dataset
		for i, name := range []string{"zeta-set", "CUI-alpha", "mid-set"} {
			d := &gatehouse.Dataset{OwnerID: alice.ID, Name: name, Classification: gatehouse.Unclassified, CreatedAt: at(i)}
			if i == 1 {
				d.Classification = gatehouse.CUI
			}
			if err := tx.Datasets().CreateDataset(ctx, d); err != nil {
				return nil, err
			}
			ds = append(ds, d)
		}
		b := &gatehouse.Dataset{OwnerID: bob.ID, Name: "bobs-set", Classification: gatehouse.Unclassified, CreatedAt: at(5)}
		return append(ds, b), tx.Datasets().CreateDataset(ctx, b)
	})
	step("shares", true, func(tx gatehouse.Tx) (any, error) {
		for _, sh := range []*gatehouse.Share{
			{DatasetID: 1, UserID: bob.ID, Permission: gatehouse.PermRead, CreatedAt: at(10), UpdatedAt: at(10)},
			{DatasetID: 3, UserID: bob.ID, Permission: gatehouse.PermRead, CreatedAt: at(11), UpdatedAt: at(11)},
			{DatasetID: 1, UserID: bob.ID, Permission: gatehouse.PermEdit, CreatedAt: at(12), UpdatedAt: at(12)},
		} {
			if err := tx.Datasets().UpsertShare(ctx, sh); err != nil {
				return nil, err
			}
		}
		return tx.Datasets().FindShare(ctx, 1, bob.ID)
	})
	step("FindDatasetsForUser(bob)", false, func(tx gatehouse.Tx) (any, error) { return tx.Datasets().FindDatasetsForUser(ctx, bob.ID) })
	step("FindDatasetsForUser(alice)", false, func(tx gatehouse.Tx) (any, error) {
		return tx.Datasets().FindDatasetsForUser(ctx, alice.ID)
	})
	step("FindDatasetByOwnerName", false, func(tx gatehouse.Tx) (any, error) {
		return tx.Datasets().FindDatasetByOwnerName(ctx, alice.ID, "CUI-alpha")
	})
	step("FindDatasetByOwnerName(case)", false, func(tx gatehouse.Tx) (any, error) {
		return tx.Datasets().FindDatasetByOwnerName(ctx, alice.ID, "cui-alpha")
	})
	step("DeleteShare", true, func(tx gatehouse.Tx) (any, error) { return nil, tx.Datasets().DeleteShare(ctx, 3, bob.ID) })
	step("DeleteShare(again)", true, func(tx gatehouse.Tx) (any, error) { return nil, tx.Datasets().DeleteShare(ctx, 3, bob.ID) })
	step("FindShare(missing)", false, func(tx gatehouse.Tx) (any, error) { return tx.Datasets().FindShare(ctx, 3, bob.ID) })
	step("DeleteDataset", true, func(tx gatehouse.Tx) (any, error) { return nil, tx.Datasets().DeleteDataset(ctx, 1) })
	step("FindShare(of deleted dataset)", false, func(tx gatehouse.Tx) (any, error) { return tx.Datasets().FindShare(ctx, 1, bob.ID) })
	step("DeleteDataset(missing)", true, func(tx gatehouse.Tx) (any, error) { return nil, tx.Datasets().DeleteDataset(ctx, 1) })

	// Chats and prompt logs.
	step("chats", true, func(tx gatehouse.Tx) (any, error) {
		var cs []*gatehouse.ChatSession
		for i, id := range []string{"0b7c", "a1f0", "0B7D"} {
			c := &gatehouse.ChatSession{ID: id, UserID: alice.ID, Title: "chat " + id, CreatedAt: at(i), UpdatedAt: at(i), Size: int64(100 + i)}
			if err := tx.Chats().CreateChat(ctx, c); err != nil {
				return nil, err
			}
			cs = append(cs, c)
		}
		return cs, nil
	})
	step("AppendChatMessages", true, func(tx gatehouse.Tx) (any, error) {
		ms := []*gatehouse.ChatMessage{
			{Role: gatehouse.RoleUser, Text: "hello ✓", CreatedAt: at(20), Size: 7},
			{Role: gatehouse.RoleAssistant, Text: strings.Repeat("x", 1000), CreatedAt: at(20), Size: 1000},
		}
		if err := tx.Chats().AppendChatMessages(ctx, "0b7c", ms, at(21)); err != nil {
			return nil, err
		}
		more := []*gatehouse.ChatMessage{{Role: gatehouse.RoleUser, Text: "second", CreatedAt: at(22), Size: 6}}
		if err := tx.Chats().AppendChatMessages(ctx, "a1f0", more, at(22)); err != nil {
			return nil, err
		}
		if err := tx.Chats().AppendChatMessages(ctx, "0b7c", nil, at(23)); err != nil {
			return nil, err
		}
		return append(ms, more...), nil
	})
	step("AppendChatMessages(missing)", true, func(tx gatehouse.Tx) (any, error) {
		return nil, tx.Chats().AppendChatMessages(ctx, "nope", []*gatehouse.ChatMessage{{Role: gatehouse.RoleUser, Text: "x", CreatedAt: at(1)}}, at(1))
	})
	step("FindChatIDsByUser", false, func(tx gatehouse.Tx) (any, error) { return tx.Chats().FindChatIDsByUser(ctx, alice.ID) })
	step("FindChatIDsByUser(none)", false, func(tx gatehouse.Tx) (any, error) { return tx.Chats().FindChatIDsByUser(ctx, bob.ID) })
	step("FindChatsByIDs", false, func(tx gatehouse.Tx) (any, error) {
		cs, err := tx.Chats().FindChatsByIDs(ctx, alice.ID, []string{"a1f0", "0B7D", "0b7c", "0b7C", "nope"})
		slices.SortFunc(cs, func(a, b *gatehouse.ChatSession) int { return strings.Compare(a.ID, b.ID) })
		return cs, err
	})
	step("FindChatsByIDs(not owner)", false, func(tx gatehouse.Tx) (any, error) { return tx.Chats().FindChatsByIDs(ctx, bob.ID, []string{"a1f0"}) })
	step("ChatUsage", false, func(tx gatehouse.Tx) (any, error) { return tx.Chats().ChatUsage(ctx, alice.ID) })
	step("ChatUsage(none)", false, func(tx gatehouse.Tx) (any, error) { return tx.Chats().ChatUsage(ctx, bob.ID) })
	step("FindChatMessagesPage", false, func(tx gatehouse.Tx) (any, error) {
		return tx.Chats().FindChatMessagesPage(ctx, gatehouse.ChatMessagePage{SessionIDs: []string{"a1f0", "0b7c"}, UpTo: 1 << 40, MaxSize: 1000, MaxRows: 10})
	})
	step("FindChatMessages", false, func(tx gatehouse.Tx) (any, error) { return tx.Chats().FindChatMessages(ctx, "0b7c") })
	step("FindChatMessages(none)", false, func(tx gatehouse.Tx) (any, error) { return tx.Chats().FindChatMessages(ctx, "0B7D") })
	step("FindChatByID", false, func(tx gatehouse.Tx) (any, error) { return tx.Chats().FindChatByID(ctx, "a1f0") })
	step("DeleteChat(not owner)", true, func(tx gatehouse.Tx) (any, error) { return nil, tx.Chats().DeleteChat(ctx, bob.ID, "0b7c") })
	step("DeleteChat", true, func(tx gatehouse.Tx) (any, error) { return nil, tx.Chats().DeleteChat(ctx, alice.ID, "0b7c") })
	step("FindChatMessages(deleted chat)", false, func(tx gatehouse.Tx) (any, error) { return tx.Chats().FindChatMessages(ctx, "0b7c") })
	step("ChatUsage(after delete)", false, func(tx gatehouse.Tx) (any, error) { return tx.Chats().ChatUsage(ctx, alice.ID) })
	step("FindChatByID(deleted)", false, func(tx gatehouse.Tx) (any, error) { return tx.Chats().FindChatByID(ctx, "0b7c") })
	step("prompt logs", true, func(tx gatehouse.Tx) (any, error) {
		var ls []*gatehouse.PromptLog
		for i := range 3 {
			l := &gatehouse.PromptLog{UserID: alice.ID, SessionID: "a1f0", At: at(i), Prompt: fmt.Sprint("p", i), Completion: "c", Model: "m",
				PromptTokens: i, CompletionTokens: 2 * i, TotalTokens: 3 * i, IP: "192.0.2.1"}
			if err := tx.PromptLogs().CreatePromptLog(ctx, l); err != nil {
				return nil, err
			}
			ls = append(ls, l)
		}
		return ls, nil
	})
	step("FindPromptLogsByUser(2)", false, func(tx gatehouse.Tx) (any, error) { return tx.PromptLogs().FindPromptLogsByUser(ctx, alice.ID, 0, 2) })
	step("FindPromptLogsByUser(before, 2)", false, func(tx gatehouse.Tx) (any, error) {
		return tx.PromptLogs().FindPromptLogsByUser(ctx, alice.ID, 3, 2)
	})
	step("FindPromptLogsByUser(none)", false, func(tx gatehouse.Tx) (any, error) {
		return tx.PromptLogs().FindPromptLogsByUser(ctx, bob.ID, 0, 10)
	})

	// Apps, app keys and account keys.
	retention := int64(86400)
	appIDs := []string{"5f0000000000000000000003", "5f0000000000000000000001", "5f000000000000000000000a", "5f0000000000000000000002"}
	step("apps", true, func(tx gatehouse.Tx) (any, error) {
		var as []*gatehouse.App
		for i, id := range appIDs {
			a := &gatehouse.App{ID: id, AccountID: alice.ID, DisplayName: "App " + id[22:], CreatedAt: at(i), UpdatedAt: at(i)}
			switch i {
			case 0:
				a.Settings = gatehouse.AppSettings{ConversationRetentionSeconds: &retention, MaskCreditCardNumbers: true, MultiConvoEnabled: true}
				// Numbers must come back with the digits they were written with.
				a.Metadata = map[string]any{"big": json.Number("12345678901234567890"), "exp": json.Number("1e3"),
					"dec": json.Number("1.50"), "neg": json.Number("-0"), "s": "tab\there \u00e9 \x00", "t": true, "f": false}
			case 1:
				a.Metadata = map[string]any{}
			}
			if err := tx.Apps().CreateApp(ctx, a); err != nil {
				return nil, err
			}
			as = append(as, a)
		}
		return as, nil
	})
	step("FindAppByID", false, func(tx gatehouse.Tx) (any, error) { return tx.Apps().FindAppByID(ctx, appIDs[0]) })
	for _, page := range []gatehouse.AppPage{
		{Size: 2}, {Size: 10}, {Size: 0},
		{After: appIDs[1], Size: 2}, {After: appIDs[3], Size: 2}, {After: appIDs[2], Size: 2},
		{Before: appIDs[2], Size: 2}, {Before: appIDs[3], Size: 5}, {Before: appIDs[1], Size: 2},
	} {
		step(fmt.Sprintf("FindAppsByAccount(%+v)", page), false, func(tx gatehouse.Tx) (any, error) {
			as, more, err := tx.Apps().FindAppsByAccount(ctx, alice.ID, page)
			var ids []string
			for _, a := range as {
				ids = append(ids, a.ID)
			}
			return map[string]any{"ids": ids, "more": more, "nil": as == nil}, err
		})
	}
	for _, before := range []bool{false, true} {
		for _, id := range []string{appIDs[1], appIDs[2], "5f0000000000000000000005"} {
			step(fmt.Sprintf("HasAppsBeyond(%s, %v)", id, before), false, func(tx gatehouse.Tx) (any, error) {
				return tx.Apps().HasAppsBeyond(ctx, alice.ID, id, before)
			})
		}
	}
	step("UpdateApp", true, func(tx gatehouse.Tx) (any, error) {
		a, err := tx.Apps().FindAppByID(ctx, appIDs[0])
		if err != nil {
			return nil, err
		}
		a.DisplayName, a.Metadata, a.Settings, a.UpdatedAt = "renamed", nil, gatehouse.AppSettings{EchoPostback: true}, at(30)
		if err := tx.Apps().UpdateApp(ctx, a); err != nil {
			return nil, err
		}
		return tx.Apps().FindAppByID(ctx, appIDs[0])
	})
	step("UpdateApp(missing)", true, func(tx gatehouse.Tx) (any, error) {
		return nil, tx.Apps().UpdateApp(ctx, &gatehouse.App{ID: "5f0000000000000000000009", DisplayName: "x"})
	})
	step("app keys", true, func(tx gatehouse.Tx) (any, error) {
		var ks []*gatehouse.AppKey
		for i, id := range []string{"app_3", "app_1", "app_2"} {
			k := &gatehouse.AppKey{ID: id, AppID: appIDs[0], DisplayName: "key " + id, SecretSealed: []byte{byte(i), 0, 0xff}, CreatedAt: at(i % 2)}
			if err := tx.AppKeys().CreateAppKey(ctx, k); err != nil {
				return nil, err
			}
			ks = append(ks, k)
		}
		other := &gatehouse.AppKey{ID: "app_9", AppID: appIDs[1], DisplayName: "other", SecretSealed: []byte("s"), CreatedAt: at(0)}
		return append(ks, other), tx.AppKeys().CreateAppKey(ctx, other)
	})
	step("FindAppKeysByApp", false, func(tx gatehouse.Tx) (any, error) { return tx.AppKeys().FindAppKeysByApp(ctx, appIDs[0]) })
	step("FindAppKeysByApp(none)", false, func(tx gatehouse.Tx) (any, error) { return tx.AppKeys().FindAppKeysByApp(ctx, appIDs[2]) })
	step("CountAppKeysByApp", false, func(tx gatehouse.Tx) (any, error) { return tx.AppKeys().CountAppKeysByApp(ctx, appIDs[0]) })
	step("FindAppKeyByID", false, func(tx gatehouse.Tx) (any, error) { return tx.AppKeys().FindAppKeyByID(ctx, "app_1") })
	step("DeleteAppKey(other app)", true, func(tx gatehouse.Tx) (any, error) { return nil, tx.AppKeys().DeleteAppKey(ctx, appIDs[1], "app_1") })
	step("DeleteAppKey", true, func(tx gatehouse.Tx) (any, error) { return nil, tx.AppKeys().DeleteAppKey(ctx, appIDs[0], "app_1") })
	step("DeleteApp", true, func(tx gatehouse.Tx) (any, error) {
		ids, err := tx.Apps().DeleteApp(ctx, appIDs[0])
		slices.Sort(ids) // in no particular order
		return map[string]any{"ids": ids, "nil": ids == nil}, err
	})
	step("DeleteApp(no keys)", true, func(tx gatehouse.Tx) (any, error) {
		ids, err := tx.Apps().DeleteApp(ctx, appIDs[2])
		return map[string]any{"ids": ids, "nil": ids == nil}, err
	})
	step("DeleteApp(missing)", true, func(tx gatehouse.Tx) (any, error) { return tx.Apps().DeleteApp(ctx, appIDs[0]) })
	step("FindAppKeyByID(of deleted app)", false, func(tx gatehouse.Tx) (any, error) { return tx.AppKeys().FindAppKeyByID(ctx, "app_2") })
	step("account keys", true, func(tx gatehouse.Tx) (any, error) {
		var ks []*gatehouse.AccountKey
		for i, id := range []string{"act_b", "act_a"} {
			k := &gatehouse.AccountKey{ID: id, UserID: alice.ID, Name: "n" + id, SecretSealed: []byte{1, 2, byte(i)}, CreatedAt: at(1)}
			if err := tx.AccountKeys().CreateAccountKey(ctx, k); err != nil {
				return nil, err
			}
			ks = append(ks, k)
		}
		return ks, nil
	})
	step("FindAccountKeysByUser", false, func(tx gatehouse.Tx) (any, error) { return tx.AccountKeys().FindAccountKeysByUser(ctx, alice.ID) })
	step("FindAccountKeysByUser(none)", false, func(tx gatehouse.Tx) (any, error) {
		return tx.AccountKeys().FindAccountKeysByUser(ctx, bob.ID)
	})
	step("FindAccountKeyByID", false, func(tx gatehouse.Tx) (any, error) { return tx.AccountKeys().FindAccountKeyByID(ctx, "act_a") })
	step("DeleteAccountKey(not owner)", true, func(tx gatehouse.Tx) (any, error) {
		return nil, tx.AccountKeys().DeleteAccountKey(ctx, bob.ID, "act_a")
	})
	step("DeleteAccountKey", true, func(tx gatehouse.Tx) (any, error) {
		return nil, tx.AccountKeys().DeleteAccountKey(ctx, alice.ID, "act_a")
	})
	step("DeleteAccountKeysByUser", true, func(tx gatehouse.Tx) (any, error) {
		return tx.AccountKeys().DeleteAccountKeysByUser(ctx, alice.ID)
	})
	step("DeleteAccountKeysByUser(none)", true, func(tx gatehouse.Tx) (any, error) {
		return tx.AccountKeys().DeleteAccountKeysByUser(ctx, alice.ID)
	})
	step("revocations with string subjects", true, func(tx gatehouse.Tx) (any, error) {
		for _, r := range []*gatehouse.Revocation{
			{Kind: gatehouse.RevokeApp, Subject: appIDs[0], At: at(1)},
			{Kind: gatehouse.RevokeAppKey, Subject: "app_1", At: at(2)},
			{Kind: gatehouse.RevokeUser, SubjectID: alice.ID, At: at(3)},
		} {
			if err := tx.Revocations().CreateRevocation(ctx, r); err != nil {
				return nil, err
			}
		}
		return tx.Revocations().FindRevocationsAfter(ctx, 1, 10)
	})
	step("FindRevocationsAfter(limit 0)", false, func(tx gatehouse.Tx) (any, error) {
		return tx.Revocations().FindRevocationsAfter(ctx, 0, 0)
	})

	// Conflicts last: a failed insert uses up an id in PostgreSQL (sequences
	// are not transactional) but not in SQLite, so ids would differ after.
	step("CreateUser(taken)", true, func(tx gatehouse.Tx) (any, error) {
		return nil, tx.Users().CreateUser(ctx, newUser("ALICE@example.com"))
	})
	step("CreateDataset(taken)", true, func(tx gatehouse.Tx) (any, error) {
		return nil, tx.Datasets().CreateDataset(ctx, &gatehouse.Dataset{OwnerID: alice.ID, Name: "mid-set", Classification: gatehouse.Unclassified, CreatedAt: at(1)})
	})
	step("CreateChat(taken)", true, func(tx gatehouse.Tx) (any, error) {
		return nil, tx.Chats().CreateChat(ctx, &gatehouse.ChatSession{ID: "a1f0", UserID: bob.ID, CreatedAt: at(1), UpdatedAt: at(1)})
	})
	step("CreateApp(taken)", true, func(tx gatehouse.Tx) (any, error) {
		return nil, tx.Apps().CreateApp(ctx, &gatehouse.App{ID: appIDs[1], AccountID: bob.ID, DisplayName: "x"})
	})
	step("CreateAppKey(no such app)", true, func(tx gatehouse.Tx) (any, error) {
		return nil, tx.AppKeys().CreateAppKey(ctx, &gatehouse.AppKey{ID: "app_x", AppID: "5f00000000000000000000ff", SecretSealed: []byte("s")})
	})
	step("CreateAccountKey(no such user)", true, func(tx gatehouse.Tx) (any, error) {
		return nil, tx.AccountKeys().CreateAccountKey(ctx, &gatehouse.AccountKey{ID: "act_x", UserID: 1 << 40, SecretSealed: []byte("s")})
	})
	step("UpsertShare(no such dataset)", true, func(tx gatehouse.Tx) (any, error) {
		return nil, tx.Datasets().UpsertShare(ctx, &gatehouse.Share{DatasetID: 1 << 40, UserID: bob.ID, Permission: gatehouse.PermRead})
	})
	return out
}
