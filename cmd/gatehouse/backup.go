package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// runBackup serves "gatehouse backup FILE": a consistent copy of the SQLite
// database, taken online (a server may keep running). Restore by stopping
// the server and putting the copy in place of DATA/gatehouse.db (with the
// same master.key). For PostgreSQL use pg_dump.
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, _, pos, err := parse("backup", args, getenv)
	if err != nil {
		return err
	}
	if _, ok := cfg.SQLitePath(); !ok {
		return fmt.Errorf("backup: only the SQLite backend is backed up by gatehouse; for PostgreSQL use pg_dump")
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	s, ok := store.(*sqlite.Store)
	if !ok {
		return fmt.Errorf("backup: only the SQLite backend is backed up by gatehouse; for PostgreSQL use pg_dump")
	}
	if err := s.Backup(ctx, pos[0]); err != nil {
		if gatehouse.ErrorCode(err) == gatehouse.ECONFLICT {
			return errors.New(pos[0] + " already exists.")
		}
		return cliError(err, cfg)
	}
	fmt.Fprintf(stdout, "backed up to %s\n", pos[0])
	return nil
}
