package httpio

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestNoSpoolingAPIs: no production code calls the net/http and
// mime/multipart helpers that spool file parts to $TMPDIR (or read a body
// without the limits above): ParseMultipartForm, FormValue, PostFormValue
// and FormFile all call ParseMultipartForm, and ReadForm is what it calls.
// Bodies are read with DecodeJSON or DecodeJSONOrForm.
func TestNoSpoolingAPIs(t *testing.T) {
	banned := []string{"ParseMultipartForm", "ParseForm", "FormValue", "PostFormValue", "FormFile", "ReadForm"}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not at %s: %v", root, err)
	}
	fset := token.NewFileSet()
	files := 0
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "testdata", "vendor":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files++
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok && slices.Contains(banned, sel.Sel.Name) {
				t.Errorf("%s: %s reads a body outside httpio (ParseMultipartForm spools file parts to $TMPDIR); use httpio.DecodeJSONOrForm", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 20 {
		t.Fatalf("scanned only %d files under %s", files, root)
	}
}
