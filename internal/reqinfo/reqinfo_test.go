package reqinfo

import (
	"context"
	"testing"
)

type otherKey struct{}

func TestFrom(t *testing.T) {
	t.Parallel()
	if got := From(t.Context()); got != (Info{}) {
		t.Errorf("From(a context without Info) = %+v, want the zero Info", got)
	}
	want := Info{ID: "0123456789abcdef", IP: "192.0.2.7"}
	ctx := context.WithValue(context.WithValue(t.Context(), Key, want), otherKey{}, "other")
	if got := From(ctx); got != want {
		t.Errorf("From = %+v, want %+v", got, want)
	}
}

// ownContext answers Key with a pointer, as httpserver's context does.
type ownContext struct {
	context.Context
	info Info
}

func (c *ownContext) Value(k any) any {
	if k == Key {
		return &c.info
	}
	return c.Context.Value(k)
}

func TestFromPointer(t *testing.T) {
	t.Parallel()
	want := Info{ID: "0123456789abcdef", IP: "192.0.2.7"}
	ctx := context.WithValue(&ownContext{Context: t.Context(), info: want}, otherKey{}, "other")
	if got := From(ctx); got != want {
		t.Errorf("From = %+v, want %+v", got, want)
	}
}
