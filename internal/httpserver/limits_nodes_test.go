package httpserver_test

import (
	"bytes"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/core"
	"github.com/gatehouse/gatehouse/internal/httpserver"
)

// TestLimitsExactAcrossNodes: two nodes on one database (on PostgreSQL,
// where writes of one account on different nodes run side by side unless
// the account's row lock orders them), and 50 parallel creators spread over
// both: the account ends with exactly 100 API keys, the app with exactly
// 10 keys, and every creator that was refused got the limit's error, not a
// fault. Then 20 racing deletes of one key over both nodes give exactly one
// 200.
func TestLimitsExactAcrossNodes(t *testing.T) {
	t.Parallel()
	db := newDatabase(t)
	master := func(o *core.Options) { o.MasterKey = bytes.Repeat([]byte{9}, 32) } // the nodes share it
	nodes := []*env{newNode(t, db, httpserver.Options{}, master), newNode(t, db, httpserver.Options{}, master)}
	const racers = 50
	race := func(do func(i int, e *env) result) map[int]int {
		start := make(chan struct{})
		statuses := make([]int, racers)
		var wg sync.WaitGroup
		for i := range racers {
			wg.Go(func() {
				<-start
				statuses[i] = do(i, nodes[i%len(nodes)]).status
			})
		}
		close(start)
		wg.Wait()
		count := map[int]int{}
		for _, s := range statuses {
			count[s]++
		}
		return count
	}

	t.Run("api keys", func(t *testing.T) {
		u := nodes[0].newUser(t)
		have, _ := nodes[0].listKeys(t, u.token)
		const room = 20
		for i := len(have); i < 100-room; i++ {
			nodes[i%2].createKey(t, u.token, fmt.Sprintf("seed%d", i))
		}
		count := race(func(i int, e *env) result {
			return e.call(t, http.MethodPost, "/user/user-api-key", withToken(u.token), mustJSON(t, map[string]string{"name": fmt.Sprintf("race%d", i)}))
		})
		if count[http.StatusOK] != room || count[http.StatusOK]+count[http.StatusConflict] != racers {
			t.Errorf("50 creators with room for %d: answers %v, want %d × 200 and the rest 409 (the limit)", room, count, room)
		}
		for _, e := range nodes {
			if rows, _ := e.listKeys(t, u.token); len(rows) != 100 {
				t.Errorf("the account holds %d keys, want exactly 100", len(rows))
			}
		}
	})

	t.Run("app keys", func(t *testing.T) {
		acct := nodes[0].newSunAccount(t)
		app := nodes[1].createApp(t, acct.key.basic(), "limits")
		nodes[0].createAppKey(t, acct.key.basic(), app.ID, "first")
		count := race(func(i int, e *env) result {
			return e.call(t, http.MethodPost, "/v2/apps/"+app.ID+"/keys", acct.key.basic(), mustJSON(t, map[string]string{"displayName": fmt.Sprintf("race%d", i)}))
		})
		want := gatehouse.AppKeysMax - 1
		if count[http.StatusCreated] != want || count[http.StatusCreated]+count[http.StatusBadRequest] != racers {
			t.Errorf("50 creators with room for %d app keys: answers %v, want %d × 201 and the rest 400 (the limit)", want, count, want)
		}
		r := nodes[1].call(t, http.MethodGet, "/v2/apps/"+app.ID+"/keys", acct.key.basic(), "")
		var out struct {
			Keys []wireKey `json:"keys"`
		}
		decodeInto(t, r, &out)
		if len(out.Keys) != gatehouse.AppKeysMax {
			t.Errorf("the app has %d keys, want exactly %d", len(out.Keys), gatehouse.AppKeysMax)
		}
		for _, k := range out.Keys {
			k.key().remember()
		}
	})

	t.Run("racing deletes", func(t *testing.T) {
		u := nodes[0].newUser(t)
		k := nodes[1].createKey(t, u.token, "doomed")
		count := race(func(i int, e *env) result {
			if i >= 20 {
				return result{status: -1} // 20 racers
			}
			return e.call(t, http.MethodDelete, keyPath, withToken(u.token), fmt.Sprintf(`{"id": %d}`, k.ID))
		})
		if count[http.StatusOK] != 1 || count[http.StatusNotFound] != 19 {
			t.Errorf("20 racing deletes over two nodes answered %v, want exactly one 200 and 19 404", count)
		}
		for _, e := range nodes {
			if r := e.probe(t, k.APIKey); r.status != http.StatusUnauthorized {
				t.Errorf("the deleted key after the race: %s", r)
			}
		}
	})
}
