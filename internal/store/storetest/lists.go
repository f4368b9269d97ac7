package storetest

import (
	"reflect"
	"testing"

	"github.com/gatehouse/gatehouse"
)

// testLists checks what a list comes back as when it holds nothing: an
// empty slice from a method that finds rows, nil from FindUsers and
// FindRevocationsAfter, and nil from a method that deletes rows and
// returns their ids (see "Lists" on gatehouse.Store). A client may see the
// difference: encoded as JSON, one is [] and the other null.
func testLists(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	s := open(t)
	u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
	const sid = "0b7e4a52-3c1f-4d6a-9b8e-000000000041"
	create(t, s, newChat(sid, u.ID, t0))
	app := create(t, s, newApp(u.ID, appIDs(1)[0], "keyless"))
	tests := []struct {
		name    string
		update  bool // the method writes: run it in an Update
		list    func(tx gatehouse.Tx) (any, error)
		wantNil bool
	}{
		{"FindUsers", false, func(tx gatehouse.Tx) (any, error) {
			return tx.Users().FindUsers(t.Context(), gatehouse.UserFilter{Status: gatehouse.UserDisabled})
		}, true},
		{"FindKeysByUser", false, func(tx gatehouse.Tx) (any, error) { return tx.Keys().FindKeysByUser(t.Context(), u.ID) }, false},
		{"DeleteKeysByUser", true, func(tx gatehouse.Tx) (any, error) { return tx.Keys().DeleteKeysByUser(t.Context(), u.ID) }, true},
		{"FindLoginsByUser", false, func(tx gatehouse.Tx) (any, error) { return tx.Logins().FindLoginsByUser(t.Context(), u.ID, 10) }, false},
		{"FindLoginAttempts", false, func(tx gatehouse.Tx) (any, error) { return tx.Logins().FindLoginAttempts(t.Context(), 10) }, false},
		{"FindRevocationsAfter", false, func(tx gatehouse.Tx) (any, error) {
			evs, _, err := tx.Revocations().FindRevocationsAfter(t.Context(), gatehouse.RevocationPos{}, 10)
			return evs, err
		}, true},
		{"FindDatasetsForUser", false, func(tx gatehouse.Tx) (any, error) { return tx.Datasets().FindDatasetsForUser(t.Context(), u.ID) }, false},
		{"FindChatIDsByUser", false, func(tx gatehouse.Tx) (any, error) { return tx.Chats().FindChatIDsByUser(t.Context(), 1<<40) }, false},
		{"FindChatsByIDs", false, func(tx gatehouse.Tx) (any, error) {
			return tx.Chats().FindChatsByIDs(t.Context(), u.ID, []string{"0b7e4a52-3c1f-4d6a-9b8e-0000000000ff"})
		}, false},
		{"FindChatsByIDs(no ids)", false, func(tx gatehouse.Tx) (any, error) { return tx.Chats().FindChatsByIDs(t.Context(), u.ID, nil) }, false},
		{"FindChatMessages", false, func(tx gatehouse.Tx) (any, error) { return tx.Chats().FindChatMessages(t.Context(), sid) }, false},
		{"FindChatMessagesPage", false, func(tx gatehouse.Tx) (any, error) {
			return tx.Chats().FindChatMessagesPage(t.Context(), gatehouse.ChatMessagePage{SessionIDs: []string{sid}, UpTo: 1 << 40, MaxSize: 1 << 20, MaxRows: 10})
		}, false},
		{"FindPromptLogsByUser", false, func(tx gatehouse.Tx) (any, error) {
			return tx.PromptLogs().FindPromptLogsByUser(t.Context(), u.ID, 0, 10)
		}, false},
		{"FindAppsByAccount", false, func(tx gatehouse.Tx) (any, error) {
			as, _, err := tx.Apps().FindAppsByAccount(t.Context(), 1<<40, gatehouse.AppPage{Size: 10})
			return as, err
		}, false},
		{"FindAppKeysByApp", false, func(tx gatehouse.Tx) (any, error) { return tx.AppKeys().FindAppKeysByApp(t.Context(), app.ID) }, false},
		{"DeleteAppKeysByAccount", true, func(tx gatehouse.Tx) (any, error) {
			return tx.AppKeys().DeleteAppKeysByAccount(t.Context(), u.ID)
		}, true},
		{"FindAccountKeysByUser", false, func(tx gatehouse.Tx) (any, error) {
			return tx.AccountKeys().FindAccountKeysByUser(t.Context(), u.ID)
		}, false},
		{"DeleteAccountKeysByUser", true, func(tx gatehouse.Tx) (any, error) {
			return tx.AccountKeys().DeleteAccountKeysByUser(t.Context(), u.ID)
		}, true},
		// Last: it deletes the app the app-key lists above look at.
		{"DeleteApp", true, func(tx gatehouse.Tx) (any, error) { return tx.Apps().DeleteApp(t.Context(), app.ID) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := mustFind[any]
			if tt.update {
				run = mustChange[any]
			}
			got := reflect.ValueOf(run(t, s, tt.list))
			if got.Kind() != reflect.Slice || got.Len() != 0 {
				t.Fatalf("%s = %s, want nothing", tt.name, show(got.Interface()))
			}
			if got.IsNil() != tt.wantNil {
				t.Errorf("%s of nothing: nil = %v, want %v", tt.name, got.IsNil(), tt.wantNil)
			}
		})
	}
}
