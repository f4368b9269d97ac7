package gatehouse_test

import (
	"go/build"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestLeafPackages: the packages with one job each (credential formats,
// ObjectIds, sealing, password hashing, app JWTs, request info, the JSON
// helpers) import nothing of gatehouse but the domain root, so any layer
// may use them and none of them pulls in another's job.
func TestLeafPackages(t *testing.T) {
	t.Parallel()
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(build.Default.GOROOT, "bin", "go")
	}
	const mod = "github.com/gatehouse/gatehouse"
	for _, leaf := range []string{"credential", "objectid", "seal", "password", "appjwt", "reqinfo", "httpio"} {
		t.Run(leaf, func(t *testing.T) {
			t.Parallel()
			pkg := mod + "/internal/" + leaf
			out, err := exec.Command(gobin, "list", "-deps", pkg).CombinedOutput()
			if err != nil {
				t.Skipf("go list: %v: %s", err, out)
			}
			for _, dep := range strings.Fields(string(out)) {
				if strings.HasPrefix(dep, mod+"/") && dep != pkg {
					t.Errorf("%s imports %s", pkg, dep)
				}
			}
		})
	}
}
