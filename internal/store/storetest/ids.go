package storetest

import (
	"fmt"
	"testing"

	"github.com/gatehouse/gatehouse"
)

// Database is one database for RunIDs: a store open on it, and the means to
// open it again and to change it behind the store's back.
type Database struct {
	// Store is open on a new, empty, migrated database that no other call
	// shares.
	Store gatehouse.Store
	// Reopen opens the same database again, as a restarted server would;
	// the suite closes the previous store first. The store it returns must
	// be closed when t ends (and tolerate an earlier Close).
	Reopen func(t *testing.T) gatehouse.Store
	// Exec runs one SQL statement on the database outside the store, as an
	// operator's shell would (foreign keys enforced). The statements the
	// suite sends are plain SQL that SQLite and PostgreSQL both accept.
	Exec func(t *testing.T, query string)
}

// RunIDs checks that every numeric id a store hands out, and a client sees
// (users, API keys, logins, datasets, chat messages, prompt logs), is never
// handed out again: not after the newest row is deleted, not after every row
// is deleted, and not after the database is closed and opened again. A
// reused id turns a client's retried DELETE {"id": 7} into the deletion of
// someone's new key 7, and makes a user id in a dataset's full name
// (user_custom_<id>_...) name another account.
//
// open is called concurrently, once per subtest.
func RunIDs(t *testing.T, open func(t *testing.T) Database) {
	for _, k := range idKinds() {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			testIDNeverReused(t, open(t), k)
		})
	}
}

// idKind is one kind of numeric id: how to make a row that gets one, and how
// to delete it (through the store where the store can, else with SQL).
type idKind struct {
	name   string
	table  string
	create func(t *testing.T, s gatehouse.Store, fx *idFixture) int64
	delete func(t *testing.T, db Database, s gatehouse.Store, fx *idFixture, id int64)
}

// idFixture holds the rows the kinds hang their rows on, and a counter for
// unique names.
type idFixture struct {
	user     *gatehouse.User
	n        int
	sessions map[int64]string // chat message id -> its session
}

func (fx *idFixture) next() int { fx.n++; return fx.n }

// sqlDelete deletes row id of table with plain SQL.
func sqlDelete(table string) func(t *testing.T, db Database, _ gatehouse.Store, _ *idFixture, id int64) {
	return func(t *testing.T, db Database, _ gatehouse.Store, _ *idFixture, id int64) {
		db.Exec(t, fmt.Sprintf("DELETE FROM %s WHERE id = %d", table, id))
	}
}

func idKinds() []idKind {
	return []idKind{
		{
			name: "Users", table: "users",
			create: func(t *testing.T, s gatehouse.Store, fx *idFixture) int64 {
				return create(t, s, newUser(fmt.Sprintf("id-%d@example.com", fx.next()), gatehouse.UserActive)).ID
			},
			delete: sqlDelete("users"), // accounts are never deleted through the store
		},
		{
			name: "APIKeys", table: "api_keys",
			create: func(t *testing.T, s gatehouse.Store, fx *idFixture) int64 {
				return create(t, s, newKey(fx.user.ID, fmt.Sprintf("key-%d", fx.next()))).ID
			},
			delete: func(t *testing.T, _ Database, s gatehouse.Store, fx *idFixture, id int64) {
				mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Keys().DeleteKey(t.Context(), fx.user.ID, id) })
			},
		},
		{
			name: "Logins", table: "logins",
			create: func(t *testing.T, s gatehouse.Store, fx *idFixture) int64 {
				l := &gatehouse.Login{UserID: fx.user.ID, At: t0, IP: "192.0.2.1", UserAgent: "curl/8.5.0", Kind: gatehouse.LoginToken, Success: true}
				mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Logins().CreateLogin(t.Context(), l) })
				return l.ID
			},
			delete: sqlDelete("logins"),
		},
		{
			name: "Datasets", table: "datasets",
			create: func(t *testing.T, s gatehouse.Store, fx *idFixture) int64 {
				return create(t, s, newDataset(fx.user.ID, fmt.Sprintf("ds-%d", fx.next()), gatehouse.Unclassified)).ID
			},
			delete: func(t *testing.T, _ Database, s gatehouse.Store, _ *idFixture, id int64) {
				mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Datasets().DeleteDataset(t.Context(), id) })
			},
		},
		{
			name: "ChatMessages", table: "chat_messages",
			create: func(t *testing.T, s gatehouse.Store, fx *idFixture) int64 {
				id := fmt.Sprintf("0b7e4a52-3c1f-4d6a-9b8e-%012d", fx.next())
				create(t, s, newChat(id, fx.user.ID, t0))
				msgs := messages(id, t0, "hello")
				appendMessages(t, s, id, msgs, t0)
				fx.sessions[msgs[0].ID] = id
				return msgs[0].ID
			},
			// Deleting the session deletes its messages, as get-chats'
			// delete-chat-session does.
			delete: func(t *testing.T, _ Database, s gatehouse.Store, fx *idFixture, id int64) {
				mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Chats().DeleteChat(t.Context(), fx.user.ID, fx.sessions[id]) })
			},
		},
		{
			name: "PromptLogs", table: "prompt_logs",
			create: func(t *testing.T, s gatehouse.Store, fx *idFixture) int64 {
				l := &gatehouse.PromptLog{UserID: fx.user.ID, SessionID: "s", At: t0, Prompt: "p", Completion: "c", Model: "m", IP: "192.0.2.1"}
				mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.PromptLogs().CreatePromptLog(t.Context(), l) })
				return l.ID
			},
			delete: sqlDelete("prompt_logs"),
		},
	}
}

// testIDNeverReused creates, deletes and re-creates rows of one kind and
// requires each new id to be above every id handed out before, on the same
// store and after the database is reopened, including when the table is
// empty.
func testIDNeverReused(t *testing.T, db Database, k idKind) {
	s := db.Store
	fx := &idFixture{sessions: map[int64]string{}}
	fx.user = create(t, s, newUser("owner@example.com", gatehouse.UserActive))
	var high int64 // the highest id handed out so far
	if k.table == "users" {
		high = fx.user.ID
	}
	create := func(step string) int64 {
		t.Helper()
		id := k.create(t, s, fx)
		if id <= high {
			t.Errorf("%s: new %s id %d, want above %d, the highest ever handed out", step, k.table, id, high)
		}
		high = max(high, id)
		return id
	}
	reopen := func() {
		t.Helper()
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		s = db.Reopen(t)
	}

	first := create("first")
	newest := create("second")
	k.delete(t, db, s, fx, newest)
	third := create("after deleting the newest")
	k.delete(t, db, s, fx, third)
	reopen()
	fourth := create("after deleting the newest and reopening")
	// Every row of the kind gone: the table is empty, so only a record of
	// the highest id ever used can keep the next one from starting over.
	for _, id := range []int64{first, fourth} {
		k.delete(t, db, s, fx, id)
	}
	if k.table == "users" {
		k.delete(t, db, s, fx, fx.user.ID)
	}
	create("after deleting every row")
	reopen()
	create("after deleting every row and reopening")
}
