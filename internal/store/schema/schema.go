// Package schema holds the rule both backends apply to the record of their
// migrations before they touch a database: a binary opens only a database
// whose every recorded migration it embeds itself.
//
// A migration may change what stored data means (0008 renamed the keys of
// every app's settings document), and code older than a migration misreads
// what it changed and writes the old form back. So a database that a newer
// gatehouse has migrated is refused by an older one, which also applies
// none of its own pending migrations on top of a schema it does not know.
package schema

import (
	"fmt"
	"slices"
	"strings"
)

// NewerError is a database whose migrations table records migrations this
// build does not embed.
type NewerError struct {
	Backend string   // "sqlite" or "postgres", the prefix of the message
	Unknown []string // recorded but not embedded, sorted
	Latest  string   // the last migration this build embeds
}

func (e *NewerError) Error() string {
	verb := "is"
	if len(e.Unknown) > 1 {
		verb = "are"
	}
	return fmt.Sprintf("%s: this database was migrated by a newer gatehouse (%s %s not known to this build, which knows up to %s); run that version or newer",
		e.Backend, strings.Join(e.Unknown, ", "), verb, e.Latest)
}

// CheckKnown returns a *NewerError when recorded (the names in the
// migrations table) holds a name that known (the embedded migrations'
// names, sorted) does not, and nil otherwise.
func CheckKnown(backend string, recorded, known []string) error {
	var unknown []string
	for _, name := range recorded {
		if _, found := slices.BinarySearch(known, name); !found {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	latest := "none"
	if len(known) > 0 {
		latest = known[len(known)-1]
	}
	return &NewerError{Backend: backend, Unknown: unknown, Latest: latest}
}
