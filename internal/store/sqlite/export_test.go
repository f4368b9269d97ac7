package sqlite

import (
	"context"
	"io/fs"
)

// OpenWithMigrations is Open with the migrations taken from fsys
// (migrations/*.sql) instead of the embedded ones: a test can build a
// database at an older schema, then open it with Open to upgrade it.
func OpenWithMigrations(ctx context.Context, path string, opt Options, fsys fs.FS) (*Store, error) {
	return open(ctx, path, opt, fsys)
}

// Migrations are the embedded migrations.
var Migrations fs.FS = migrationFS
