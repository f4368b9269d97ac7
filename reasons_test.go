package gatehouse_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"testing"

	"github.com/gatehouse/gatehouse"
)

// TestReasonsListed: every Reason var declared in reasons.go is returned by
// Reasons(), nothing else is, and no two reasons share a name (a surface's
// table is keyed by Reason, so a forgotten or doubled one would be worded
// by the wrong entry or not at all).
func TestReasonsListed(t *testing.T) {
	t.Parallel()
	f, err := parser.ParseFile(token.NewFileSet(), "reasons.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var declared, listed []string
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			for _, s := range d.Specs {
				vs, ok := s.(*ast.ValueSpec)
				if !ok {
					continue
				}
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						if cl, ok := vs.Values[i].(*ast.CompositeLit); ok {
							if id, ok := cl.Type.(*ast.Ident); ok && id.Name == "Reason" {
								declared = append(declared, n.Name)
							}
						}
					}
				}
			}
		case *ast.FuncDecl:
			if d.Name.Name != "Reasons" {
				continue
			}
			ast.Inspect(d.Body, func(n ast.Node) bool {
				if cl, ok := n.(*ast.CompositeLit); ok {
					for _, e := range cl.Elts {
						if id, ok := e.(*ast.Ident); ok {
							listed = append(listed, id.Name)
						} else {
							t.Errorf("Reasons() holds %T, want only the names of the vars", e)
						}
					}
					return false
				}
				return true
			})
		}
	}
	if len(declared) == 0 {
		t.Fatal("no Reason var found in reasons.go: the parse is broken")
	}
	for _, n := range declared {
		if !slices.Contains(listed, n) {
			t.Errorf("%s is declared in reasons.go but not returned by Reasons()", n)
		}
	}
	for i, n := range listed {
		if !slices.Contains(declared, n) {
			t.Errorf("Reasons() returns %s, which reasons.go does not declare", n)
		}
		if slices.Contains(listed[:i], n) {
			t.Errorf("Reasons() returns %s twice", n)
		}
	}

	names := map[string]gatehouse.Reason{}
	for _, r := range gatehouse.Reasons() {
		if r.Name == "" || !slices.Contains(gatehouse.Codes(), r.Code) {
			t.Errorf("reason %+v: want a name and one of the codes", r)
		}
		if o, dup := names[r.Name]; dup {
			t.Errorf("reasons %+v and %+v share the name %q", o, r, r.Name)
		}
		names[r.Name] = r
	}
}

// TestErrorCopies: the With methods leave the shared value alone.
func TestErrorCopies(t *testing.T) {
	t.Parallel()
	base := gatehouse.Err(gatehouse.ReasonNoSuchAccount)
	named := base.WithName("a@b.co").WithLimit(3).WithRetryAfter(5)
	if *base != (gatehouse.Error{Code: gatehouse.ENOTFOUND, Reason: gatehouse.ReasonNoSuchAccount}) {
		t.Errorf("base changed to %+v", *base)
	}
	if named.Name != "a@b.co" || named.Limit != 3 || named.RetryAfter != 5 || named.Code != gatehouse.ENOTFOUND {
		t.Errorf("copy = %+v", *named)
	}
	if got := gatehouse.ErrorReason(named); got != gatehouse.ReasonNoSuchAccount {
		t.Errorf("ErrorReason = %+v", got)
	}
	if s := named.Error(); s != "gatehouse error: code=not_found reason=no_such_account" {
		t.Errorf("Error() = %q: want code and reason only (never the name)", s)
	}
}
