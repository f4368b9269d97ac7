package httpserver_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/gatehouse/gatehouse/internal/httpserver"
)

// TestKeysDeleteRetried is a client retrying DELETE /user/user-api-key (a
// timeout, a proxy's replay) after creating another key: the retry must
// answer 404 and leave the new key alone, which it can only do if the new
// key never gets the deleted key's id. Also across a restart of the server,
// and when the deleted key was the newest the database ever had.
func TestKeysDeleteRetried(t *testing.T) {
	t.Parallel()
	for _, restart := range []bool{false, true} {
		name := map[bool]string{false: "same server", true: "after a restart"}[restart]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db := newDatabase(t)
			e := newNode(t, db, httpserver.Options{})
			u := e.newUser(t)

			old := e.createKey(t, u.token, "rotated out")
			if r := e.deleteKey(t, u.token, old.ID); r.status != http.StatusOK {
				t.Fatalf("delete key %d: %s", old.ID, r)
			}
			if restart {
				e.closeStore(t)
				e.srv.Close()
				e = newNode(t, db, httpserver.Options{})
			}
			fresh := e.createKey(t, u.token, "replacement")
			if fresh.ID <= old.ID {
				t.Errorf("new key id %d after deleting key %d: ids must only grow", fresh.ID, old.ID)
			}

			// The retried delete of the old id.
			if r := e.deleteKey(t, u.token, old.ID); r.status != http.StatusNotFound {
				t.Errorf("retried DELETE {\"id\": %d}: %s, want 404", old.ID, r)
			}
			if r := e.probe(t, fresh.APIKey); r.status != http.StatusOK {
				t.Errorf("the new key stopped working after a retried delete of the old one: %s", r)
			}
			rows, _ := e.listKeys(t, u.token)
			if !slices.Contains(ids(rows), fresh.ID) {
				t.Errorf("keys %v: the new key %d is gone", ids(rows), fresh.ID)
			}
		})
	}
}
