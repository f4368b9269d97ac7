package main

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/gatehouse/gatehouse/bench/gatebench/benchserver"
)

// TestAgainstReference: with -against, every scenario's reference is the
// other gatehouse binary on gatehouse's own data directory, with
// gatehouse's arguments and environment; without it, the scenario's own.
func TestAgainstReference(t *testing.T) {
	work := t.TempDir()
	db := filepath.Join(work, "main", "gatehouse.db")
	ans := benchserver.Answer{Status: 200}
	b := &bench{o: options{work: work}, ghBin: "/bin/gatehouse", bareBin: "/bin/bare", refBin: "/bin/oneselect", masterKey: "k"}
	scs := []scenario{
		{id: "healthz", sameAnswer: true},
		{id: "logins", ref: &refQuery{query: "SELECT 1"}},
		{id: "exchange"},
	}
	for _, sc := range scs {
		r := &runs{sc: sc}
		ref := b.pickReference(r, db, ans)
		switch {
		case sc.sameAnswer && (ref == nil || ref.bin != b.bareBin || r.refKind != refSameAnswer),
			sc.ref != nil && (ref == nil || ref.bin != b.refBin || r.refKind != refOneSelect),
			!sc.sameAnswer && sc.ref == nil && ref != nil:
			t.Errorf("%s without -against: reference %+v, kind %q", sc.id, ref, r.refKind)
		}
	}

	b.o.against = "/tmp/gatehouse-old"
	gh := b.gatehouse("gatehouse", filepath.Dir(db))
	for _, sc := range scs {
		r := &runs{sc: sc}
		ref := b.pickReference(r, db, ans)
		if ref == nil || r.refKind != refAgainst {
			t.Fatalf("%s with -against: reference %+v, kind %q", sc.id, ref, r.refKind)
		}
		if ref.bin != b.o.against || !slices.Equal(ref.args("A"), gh.args("A")) || !slices.Equal(ref.env, gh.env) {
			t.Errorf("%s with -against: %s %q (env %d), want %s %q (env %d)", sc.id, ref.bin, ref.args("A"), len(ref.env), b.o.against, gh.args("A"), len(gh.env))
		}
	}
}
