package schema

import (
	"errors"
	"slices"
	"testing"
)

func TestCheckKnown(t *testing.T) {
	t.Parallel()
	known := []string{"0001_init.sql", "0002_more.sql", "0003_last.sql"}
	for _, c := range []struct {
		name     string
		recorded []string
		known    []string
		want     string // "" for nil
	}{
		{"fresh database", nil, known, ""},
		{"some applied", []string{"0002_more.sql", "0001_init.sql"}, known, ""},
		{"all applied", known, known, ""},
		{"one newer", []string{"0001_init.sql", "0004_next.sql", "0003_last.sql"}, known,
			"sqlite: this database was migrated by a newer gatehouse (0004_next.sql is not known to this build, which knows up to 0003_last.sql); run that version or newer"},
		{"several, any order", []string{"0005_b.sql", "0001_init.sql", "0004_a.sql"}, known,
			"sqlite: this database was migrated by a newer gatehouse (0004_a.sql, 0005_b.sql are not known to this build, which knows up to 0003_last.sql); run that version or newer"},
		// A name that sorts before the last known one is not known either.
		{"renamed or from elsewhere", []string{"0002_other.sql"}, known,
			"sqlite: this database was migrated by a newer gatehouse (0002_other.sql is not known to this build, which knows up to 0003_last.sql); run that version or newer"},
		{"no migrations embedded", []string{"0001_init.sql"}, nil,
			"sqlite: this database was migrated by a newer gatehouse (0001_init.sql is not known to this build, which knows up to none); run that version or newer"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			recorded := slices.Clone(c.recorded)
			err := CheckKnown("sqlite", recorded, c.known)
			if c.want == "" {
				if err != nil {
					t.Fatalf("CheckKnown = %v, want nil", err)
				}
				return
			}
			var ne *NewerError
			if !errors.As(err, &ne) || err.Error() != c.want {
				t.Fatalf("CheckKnown = %v, want *NewerError %q", err, c.want)
			}
			if !slices.Equal(recorded, c.recorded) {
				t.Errorf("recorded changed to %v", recorded)
			}
		})
	}
}
