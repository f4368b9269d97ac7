package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

func TestStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) gatehouse.Store {
		return openStore(t, filepath.Join(t.TempDir(), "gatehouse.db"), sqlite.Options{})
	})
}

// openStore opens the store at path and closes it when t ends. Close is
// idempotent, so a test (or the suite) may close it earlier.
func openStore(t *testing.T, path string, opt sqlite.Options) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path, opt)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// rawDB opens path with the driver alone, outside the store, the way another
// process (or the sqlite3 shell) would.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatalf("sql.Open(%s): %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

var t0 = time.Date(2025, time.March, 14, 15, 9, 26, 535_000_000, time.UTC)

func newUser(email string) *gatehouse.User {
	return &gatehouse.User{Email: email, PasswordHash: "$argon2id$v=19$x", Status: gatehouse.UserActive, CreatedAt: t0, UpdatedAt: t0}
}

func createUser(t *testing.T, s gatehouse.Store, email string) *gatehouse.User {
	t.Helper()
	u := newUser(email)
	if err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Users().CreateUser(t.Context(), u) }); err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

func TestOpenRejectsMemory(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"", ":memory:"} {
		if s, err := sqlite.Open(t.Context(), path, sqlite.Options{}); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded, want an error: the store must be a durable file", path)
		}
	}
}

// TestOpenPragmas checks the durability settings from outside the store:
// journal_mode is persistent in the file, so another connection sees it;
// foreign_keys and synchronous are per connection, so foreign keys are
// checked by behaviour (synchronous=FULL is asserted by Open itself and
// exercised by TestCrashDurability).
func TestOpenPragmas(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	s := openStore(t, path, sqlite.Options{})
	u := createUser(t, s, "a@example.com")

	db := rawDB(t, path)
	var mode string
	if err := db.QueryRowContext(t.Context(), "PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Errorf("no WAL file next to the database: %v", err)
	}

	// foreign_keys=ON: a key for an account that does not exist is refused,
	// and nothing is written.
	err := s.Update(t.Context(), func(tx gatehouse.Tx) error {
		return tx.Keys().CreateKey(t.Context(), &gatehouse.APIKey{UserID: u.ID + 1000, Name: "orphan", Hint: "h", CreatedAt: t0})
	})
	if err == nil {
		t.Errorf("CreateKey for a missing user succeeded: foreign keys are not enforced")
	}
	// A token that names a missing key is refused too.
	k := &gatehouse.APIKey{UserID: u.ID, Name: "k", Hint: "h", CreatedAt: t0}
	k.Hash[0] = 1
	if err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Keys().CreateKey(t.Context(), k) }); err != nil {
		t.Fatal(err)
	}
	err = s.Update(t.Context(), func(tx gatehouse.Tx) error {
		return tx.Tokens().CreateToken(t.Context(), &gatehouse.AccessToken{UserID: u.ID, KeyID: k.ID + 1000, CreatedAt: t0, ExpiresAt: t0})
	})
	if err == nil {
		t.Errorf("CreateToken for a missing key succeeded: foreign keys are not enforced")
	}
	var orphans int
	if err := db.QueryRowContext(t.Context(), "SELECT (SELECT COUNT(*) FROM api_keys WHERE user_id NOT IN (SELECT id FROM users)) + (SELECT COUNT(*) FROM access_tokens)").Scan(&orphans); err != nil {
		t.Fatal(err)
	}
	if orphans != 0 {
		t.Errorf("%d orphan rows written", orphans)
	}
}

// TestOpenMigrationsRace opens one new file from many goroutines at once:
// every Open succeeds and each migration is applied exactly once.
func TestOpenMigrationsRace(t *testing.T) {
	t.Parallel()
	entries, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			files = append(files, e.Name())
		}
	}
	if len(files) == 0 {
		t.Fatal("no migrations found")
	}
	// The failure this looks for is timing-dependent, so race many times.
	for round := range 10 {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "gatehouse.db")
			const n = 12
			stores := make([]*sqlite.Store, n)
			errs := make([]error, n)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					<-start
					stores[i], errs[i] = sqlite.Open(t.Context(), path, sqlite.Options{})
				})
			}
			close(start)
			wg.Wait()
			var opened []*sqlite.Store
			for i, err := range errs {
				if err != nil {
					t.Errorf("Open #%d of %d racing on a new file: %v", i, n, err)
					continue
				}
				opened = append(opened, stores[i])
				t.Cleanup(func() { stores[i].Close() })
			}
			if len(opened) == 0 {
				t.FailNow()
			}

			rows, err := rawDB(t, path).QueryContext(t.Context(), "SELECT name, COUNT(*) FROM migrations GROUP BY name ORDER BY name")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var got []string
			for rows.Next() {
				var name string
				var count int
				if err := rows.Scan(&name, &count); err != nil {
					t.Fatal(err)
				}
				if count != 1 {
					t.Errorf("migration %s recorded %d times, want 1", name, count)
				}
				got = append(got, name)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, files) {
				t.Errorf("applied migrations = %v, want %v", got, files)
			}
			applied, err := opened[0].Migrate(t.Context())
			if err != nil || len(applied) != 0 {
				t.Errorf("Migrate after Open = %v, %v; want nothing to apply", applied, err)
			}
			// Every store works on the migrated schema.
			for i, s := range opened {
				createUser(t, s, fmt.Sprintf("u%d@example.com", i))
			}
		})
	}
}

// TestOpenWaitsForWriterOnNewFile opens a file that is not yet in WAL mode
// while another connection (another process, say a second gatehouse
// starting at the same moment) holds its write lock for a moment. Open must
// wait for the lock, up to the busy timeout, and then succeed, as it does
// for any other write; failing at once turns a start-up race into an outage.
func TestOpenWaitsForWriterOnNewFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	conn, err := rawDB(t, path).Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The other tool waits for locks too: while Open retries its switch to
	// WAL it holds a shared lock for a moment, which a COMMIT in
	// rollback-journal mode must wait out.
	for _, q := range []string{"PRAGMA busy_timeout = 5000", "BEGIN IMMEDIATE", "CREATE TABLE other_tool (x)"} {
		if _, err := conn.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	const hold = 300 * time.Millisecond
	committed := make(chan error, 1)
	go func() {
		time.Sleep(hold)
		_, err := conn.ExecContext(context.Background(), "COMMIT")
		committed <- err
	}()
	start := time.Now()
	s, err := sqlite.Open(t.Context(), path, sqlite.Options{BusyTimeout: 5 * time.Second})
	elapsed := time.Since(start)
	if err := <-committed; err != nil {
		t.Fatalf("COMMIT: %v", err)
	}
	if err != nil {
		t.Fatalf("Open while another connection held the write lock for %v: failed after %v: %v", hold, elapsed, err)
	}
	t.Cleanup(func() { s.Close() })
	createUser(t, s, "a@example.com")
}

// TestOpenFileMode checks that the database and its WAL and shared-memory
// files are readable by the owner only: they hold password and key hashes.
func TestOpenFileMode(t *testing.T) {
	t.Parallel()
	check := func(t *testing.T, path string, want fs.FileMode) {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Errorf("stat: %v", err)
			return
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s mode = %v, want %v", filepath.Base(path), got, want)
		}
	}
	t.Run("new", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "data")
		path := filepath.Join(dir, "gatehouse.db")
		s := openStore(t, path, sqlite.Options{})
		createUser(t, s, "a@example.com")
		check(t, dir, 0o700)
		check(t, path, 0o600)
		check(t, path+"-wal", 0o600)
		check(t, path+"-shm", 0o600)
	})
	t.Run("existing", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "gatehouse.db")
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
		s := openStore(t, path, sqlite.Options{})
		createUser(t, s, "a@example.com")
		check(t, path, 0o600)
		check(t, path+"-wal", 0o600)
		check(t, path+"-shm", 0o600)
	})
}

func TestBackup(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	s := openStore(t, path, sqlite.Options{})
	ctx := t.Context()

	u := createUser(t, s, "a@example.com")
	k := &gatehouse.APIKey{UserID: u.ID, Name: "ci", Hint: "stai-…x", CreatedAt: t0, LastUsedAt: t0.Add(time.Hour)}
	k.Hash[0] = 7
	tok := &gatehouse.AccessToken{UserID: u.ID, CreatedAt: t0, ExpiresAt: t0.Add(gatehouse.AccessTokenTTL)}
	tok.Hash[0] = 8
	l := &gatehouse.Login{UserID: u.ID, At: t0, IP: "192.0.2.1", UserAgent: "ua", Kind: gatehouse.LoginToken, Success: true}
	r := &gatehouse.Revocation{Kind: gatehouse.RevokeKey, SubjectID: 42, At: t0}
	err := s.Update(ctx, func(tx gatehouse.Tx) error {
		if err := tx.Keys().CreateKey(ctx, k); err != nil {
			return err
		}
		tok.KeyID = k.ID
		if err := tx.Tokens().CreateToken(ctx, tok); err != nil {
			return err
		}
		if err := tx.Logins().CreateLogin(ctx, l); err != nil {
			return err
		}
		return tx.Revocations().CreateRevocation(ctx, r)
	})
	if err != nil {
		t.Fatal(err)
	}

	// A write in flight while the backup runs is either wholly in the copy
	// or wholly absent: the copy is a consistent snapshot. (Whether the
	// backup waits for it is not part of the contract.)
	inTx := make(chan struct{})
	done := make(chan error, 1)
	inflight := newUser("inflight@example.com")
	go func() {
		done <- s.Update(ctx, func(tx gatehouse.Tx) error {
			if err := tx.Users().CreateUser(ctx, inflight); err != nil {
				return err
			}
			close(inTx)
			time.Sleep(300 * time.Millisecond)
			return tx.Logins().CreateLogin(ctx, &gatehouse.Login{UserID: inflight.ID, At: t0, Kind: gatehouse.LoginConsole, Success: true})
		})
	}()
	<-inTx
	backup := filepath.Join(t.TempDir(), "backup.db")
	bctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	err = s.Backup(bctx, backup)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("in-flight Update: %v", err)
	}
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}

	fi, err := os.Stat(backup)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode = %v, want 0600", fi.Mode().Perm())
	}
	if err := s.Backup(ctx, backup); gatehouse.ErrorCode(err) != gatehouse.ECONFLICT {
		t.Errorf("Backup over an existing file: %v, want code %s", err, gatehouse.ECONFLICT)
	}

	b := openStore(t, backup, sqlite.Options{})
	err = b.View(ctx, func(tx gatehouse.Tx) error {
		us, err := tx.Users().FindUsers(ctx, gatehouse.UserFilter{})
		if err != nil {
			return err
		}
		if len(us) == 2 && us[1].ID == inflight.ID {
			ls, err := tx.Logins().FindLoginsByUser(ctx, inflight.ID, 10)
			if err != nil {
				return err
			}
			if len(ls) != 1 {
				t.Errorf("backup holds half of a transaction: the account without its login")
			}
			us = us[:1]
		}
		if len(us) != 1 || us[0].Email != u.Email || us[0].ID != u.ID || us[0].PasswordHash != u.PasswordHash {
			t.Errorf("users in backup = %+v, want only %+v", us, u)
		}
		gk, err := tx.Keys().FindKeyByHash(ctx, k.Hash)
		if err != nil {
			return fmt.Errorf("key: %w", err)
		}
		if gk.ID != k.ID || gk.Name != k.Name || !gk.LastUsedAt.Equal(k.LastUsedAt) || !gk.CreatedAt.Equal(k.CreatedAt) {
			t.Errorf("key in backup = %+v, want %+v", gk, k)
		}
		gt, err := tx.Tokens().FindTokenByHash(ctx, tok.Hash)
		if err != nil {
			return fmt.Errorf("token: %w", err)
		}
		if gt.KeyID != k.ID || !gt.ExpiresAt.Equal(tok.ExpiresAt) {
			t.Errorf("token in backup = %+v, want %+v", gt, tok)
		}
		ls, err := tx.Logins().FindLoginsByUser(ctx, u.ID, 10)
		if err != nil {
			return err
		}
		if len(ls) != 1 || ls[0].ID != l.ID || ls[0].IP != l.IP {
			t.Errorf("logins in backup = %+v, want %+v", ls, l)
		}
		evs, h, err := tx.Revocations().FindRevocationsAfter(ctx, gatehouse.RevocationPos{}, 10)
		if err != nil {
			return err
		}
		if len(evs) != 1 || evs[0].Seq != r.Seq || h != r.Seq+1 {
			t.Errorf("revocation log in backup = %+v (horizon %d), want %+v (horizon %d)", evs, h, r, r.Seq+1)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("reading the backup: %v", err)
	}
	// The backup is a working database, not a read-only snapshot.
	createUser(t, b, "afterrestore@example.com")
	var ok string
	if err := rawDB(t, backup).QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Errorf("integrity_check(backup) = %q, %v; want ok", ok, err)
	}
}

// TestBusyWrite holds the write lock from another connection (as another
// process would): a write waits the busy timeout and then answers
// EUNAVAILABLE, while reads keep working.
func TestBusyWrite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	const busy = 200 * time.Millisecond
	s := openStore(t, path, sqlite.Options{BusyTimeout: busy})
	ctx := t.Context()
	u := createUser(t, s, "a@example.com")

	conn, err := rawDB(t, path).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "INSERT INTO logins (user_id, at, ip, user_agent, kind, success, reason) VALUES (?, 0, '', '', 'token', 1, '')", u.ID); err != nil {
		t.Fatal(err)
	}

	for i := range 2 {
		start := time.Now()
		err := s.Update(ctx, func(tx gatehouse.Tx) error {
			return tx.Users().CreateUser(ctx, newUser(fmt.Sprintf("blocked%d@example.com", i)))
		})
		elapsed := time.Since(start)
		if code := gatehouse.ErrorCode(err); code != gatehouse.EUNAVAILABLE {
			t.Errorf("Update while locked: %v (code %q), want code %q", err, code, gatehouse.EUNAVAILABLE)
		}
		if elapsed < busy*3/4 {
			t.Errorf("Update while locked failed after %v, want it to wait about %v", elapsed, busy)
		}
		if elapsed > busy+5*time.Second {
			t.Errorf("Update while locked took %v, want about %v", elapsed, busy)
		}
	}

	// Reads go on, and see only committed data.
	err = s.View(ctx, func(tx gatehouse.Tx) error {
		got, err := tx.Users().FindUserByID(ctx, u.ID)
		if err != nil {
			return err
		}
		if got.Email != u.Email {
			t.Errorf("View while locked: got %q, want %q", got.Email, u.Email)
		}
		ls, err := tx.Logins().FindLoginsByUser(ctx, u.ID, 10)
		if err != nil {
			return err
		}
		if len(ls) != 0 {
			t.Errorf("View sees %d uncommitted logins of another connection", len(ls))
		}
		return nil
	})
	if err != nil {
		t.Errorf("View while locked: %v", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping while locked: %v", err)
	}

	// Once the lock is gone, writes resume.
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	createUser(t, s, "resumed@example.com")
	err = s.View(ctx, func(tx gatehouse.Tx) error {
		us, err := tx.Users().FindUsers(ctx, gatehouse.UserFilter{})
		if err != nil {
			return err
		}
		var emails []string
		for _, u := range us {
			emails = append(emails, u.Email)
		}
		if want := []string{"a@example.com", "resumed@example.com"}; !slices.Equal(emails, want) {
			t.Errorf("users = %v, want %v", emails, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
