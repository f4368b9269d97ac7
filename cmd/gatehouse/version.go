package main

import (
	"runtime/debug"
	"strings"

	"github.com/gatehouse/gatehouse"
)

// version describes this build. A release build sets it at link time:
//
//	go build -ldflags "-X github.com/gatehouse/gatehouse.Version=v1.2.3 -X github.com/gatehouse/gatehouse.Commit=abc1234" ./cmd/gatehouse
//
// Otherwise it comes from what the go command recorded: the module version
// ("go install ...@v1.2.3"), and in a git checkout the revision, its time
// and "+dirty" for uncommitted changes. A build without either (as with
// -buildvcs=false) is "(devel)".
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return formatVersion(gatehouse.Version, gatehouse.Commit, bi)
}

// formatVersion is version over explicit inputs: the link-time version
// ("dev" or "" when not set) and commit, and the build info (nil if none).
func formatVersion(linkVersion, linkCommit string, bi *debug.BuildInfo) string {
	ver := linkVersion
	if ver == "dev" {
		ver = ""
	}
	var rev, at string
	var dirty bool
	if bi != nil {
		if ver == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			ver = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if linkCommit != "" { // the release build names its own commit
		rev, at, dirty = linkCommit, "", false
	}
	if ver == "" {
		ver = "(devel)"
	}
	var detail []string
	if len(rev) > 12 {
		rev = rev[:12]
	}
	// A pseudo-version (v0.0.0-20260301100000-0123456789ab+dirty) already
	// names the revision.
	if rev != "" && !strings.Contains(ver, rev) {
		if dirty {
			rev += "+dirty"
		}
		detail = append(detail, rev)
	}
	if at != "" {
		detail = append(detail, at)
	}
	if len(detail) == 0 {
		return ver
	}
	return ver + " (" + strings.Join(detail, ", ") + ")"
}
