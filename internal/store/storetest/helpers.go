package storetest

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/objectid"
)

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

// mustUpdate runs fn in an Update and fails t on an error.
func mustUpdate(t *testing.T, s gatehouse.Store, fn func(tx gatehouse.Tx) error) {
	t.Helper()
	if err := s.Update(t.Context(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// mustView runs fn in a View and fails t on an error.
func mustView(t *testing.T, s gatehouse.Store, fn func(tx gatehouse.Tx) error) {
	t.Helper()
	if err := s.View(t.Context(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// find runs fn in a View and returns what it returned, for a test that
// wants to look at the error (ENOTFOUND, say).
func find[T any](t *testing.T, s gatehouse.Store, fn func(tx gatehouse.Tx) (T, error)) (T, error) {
	t.Helper()
	var v T
	err := s.View(t.Context(), func(tx gatehouse.Tx) error {
		var err error
		v, err = fn(tx)
		return err
	})
	return v, err
}

// mustFind is find for a read that must succeed.
func mustFind[T any](t *testing.T, s gatehouse.Store, fn func(tx gatehouse.Tx) (T, error)) T {
	t.Helper()
	v, err := find(t, s, fn)
	if err != nil {
		t.Fatalf("View: %v", err)
	}
	return v
}

// mustChange runs fn in an Update that must succeed and returns what fn
// returned.
func mustChange[T any](t *testing.T, s gatehouse.Store, fn func(tx gatehouse.Tx) (T, error)) T {
	t.Helper()
	var v T
	mustUpdate(t, s, func(tx gatehouse.Tx) error {
		var err error
		v, err = fn(tx)
		return err
	})
	return v
}

// create stores v, an entity of one of the kinds below, in an Update of its
// own, and returns it. t fails when the store refuses it, or leaves zero an
// ID the store assigns.
func create[T any](t *testing.T, s gatehouse.Store, v T) T {
	t.Helper()
	mustUpdate(t, s, func(tx gatehouse.Tx) error {
		ctx := t.Context()
		switch v := any(v).(type) {
		case *gatehouse.User:
			return tx.Users().CreateUser(ctx, v)
		case *gatehouse.APIKey:
			return tx.Keys().CreateKey(ctx, v)
		case *gatehouse.AccessToken:
			return tx.Tokens().CreateToken(ctx, v)
		case *gatehouse.Dataset:
			return tx.Datasets().CreateDataset(ctx, v)
		case *gatehouse.Share:
			return tx.Datasets().UpsertShare(ctx, v)
		case *gatehouse.ChatSession:
			return tx.Chats().CreateChat(ctx, v)
		case *gatehouse.App:
			return tx.Apps().CreateApp(ctx, v)
		case *gatehouse.AppKey:
			return tx.AppKeys().CreateAppKey(ctx, v)
		case *gatehouse.AccountKey:
			return tx.AccountKeys().CreateAccountKey(ctx, v)
		case *gatehouse.ConsoleSession:
			return tx.Sessions().CreateSession(ctx, v)
		}
		return fmt.Errorf("storetest: create does not know %T", v)
	})
	var id int64 = -1
	switch v := any(v).(type) {
	case *gatehouse.User:
		id = v.ID
	case *gatehouse.APIKey:
		id = v.ID
	case *gatehouse.Dataset:
		id = v.ID
	}
	if id == 0 {
		t.Fatalf("creating %s left its ID zero", show(v))
	}
	return v
}

func hashOf(parts ...any) gatehouse.Hash {
	return sha256.Sum256(fmt.Append(nil, parts...))
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

func strIDs[T any](xs []T, id func(T) string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

// sortedStrings returns a sorted copy of xs (for id lists whose order the
// contract leaves open).
func sortedStrings(xs []string) []string {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	return xs
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

// appIDs returns n fresh app ids (24 lowercase hex, as core makes them) in
// ascending order, so that a test can rely on their order whatever the
// clock and the id counter do.
func appIDs(n int) []string {
	ids := objectid.NewGenerator()
	out := make([]string, n)
	for i := range out {
		out[i] = ids.New(time.Now())
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

var errAbort = errors.New("storetest: abort")
