// Package storetest is the conformance suite for gatehouse.Store backends.
// Every backend (SQLite, PostgreSQL) runs Run and RunIDs (ids.go: no id is
// ever handed out twice, also across a reopen) from its own tests, so the
// backends are held to one contract: the one written on the interfaces in
// the root package's store.go.
//
// The suite has a file per entity, named like the backends' files (users.go,
// keys.go, apps.go, appkeys.go, accountkeys.go, …), and a file per rule that
// spans them: tx.go (commit, rollback, snapshots, a closed store), times.go
// (every time back as the same UTC millisecond), concurrency.go (Updates are
// serialised: racing count-then-insert and delete rules hold), lists.go
// (empty lists versus nil). migrations.go holds what the backends' tests of
// a data migration share: the documents an older store held and the check
// of what the migration made of them. helpers.go holds the few generic helpers every
// file uses: mustUpdate, mustView, find, mustFind, mustChange, create and
// the want* checks.
package storetest

import (
	"testing"

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
		{"Sessions", testSessions},
		{"Audit", testAudit},
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
		{"Lists", testLists},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			g.fn(t, open)
		})
	}
}
