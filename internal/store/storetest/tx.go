package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

func testTx(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"UpdateRollsBackOnError", func(t *testing.T, s gatehouse.Store) {
			keep := create(t, s, newUser("keep@example.com", gatehouse.UserActive))
			keepKey := create(t, s, newKey(keep.ID, "keep"))
			ctx := t.Context()
			var u *gatehouse.User
			var k *gatehouse.APIKey
			var tok *gatehouse.AccessToken
			err := s.Update(ctx, func(tx gatehouse.Tx) error {
				u = newUser("ghost@example.com", gatehouse.UserActive)
				if err := tx.Users().CreateUser(ctx, u); err != nil {
					return err
				}
				k = newKey(u.ID, "ghost")
				if err := tx.Keys().CreateKey(ctx, k); err != nil {
					return err
				}
				tok = newToken(k, 1, t0.Add(time.Hour))
				if err := tx.Tokens().CreateToken(ctx, tok); err != nil {
					return err
				}
				if err := tx.Logins().CreateLogin(ctx, &gatehouse.Login{UserID: u.ID, At: t0, Kind: gatehouse.LoginToken, Success: true}); err != nil {
					return err
				}
				if err := tx.Revocations().CreateRevocation(ctx, &gatehouse.Revocation{Kind: gatehouse.RevokeUser, SubjectID: u.ID, At: t0}); err != nil {
					return err
				}
				if _, err := tx.Users().UpdateUser(ctx, keep.ID, gatehouse.UserUpdate{Status: new(gatehouse.UserDisabled), UpdatedAt: t0.Add(time.Hour)}); err != nil {
					return err
				}
				if err := tx.Keys().DeleteKey(ctx, keep.ID, keepKey.ID); err != nil {
					return err
				}
				// The transaction sees its own writes.
				if _, err := tx.Users().FindUserByEmail(ctx, "ghost@example.com"); err != nil {
					return fmt.Errorf("own write not visible: %w", err)
				}
				return fmt.Errorf("wrapped: %w", errAbort)
			})
			if !errors.Is(err, errAbort) {
				t.Fatalf("Update returned %v, want the error fn returned", err)
			}
			_, err = find(t, s, func(tx gatehouse.Tx) (*gatehouse.User, error) {
				return tx.Users().FindUserByID(t.Context(), u.ID)
			})
			wantCode(t, "FindUserByID(rolled back)", err, gatehouse.ENOTFOUND)
			wantEqual(t, "FindUsers after rollback", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.User, error) {
				return tx.Users().FindUsers(t.Context(), gatehouse.UserFilter{})
			}), []*gatehouse.User{keep})
			_, err = find(t, s, func(tx gatehouse.Tx) (*gatehouse.APIKey, error) {
				return tx.Keys().FindKeyByHash(t.Context(), k.Hash)
			})
			wantCode(t, "FindKeyByHash(rolled back)", err, gatehouse.ENOTFOUND)
			_, err = find(t, s, func(tx gatehouse.Tx) (*gatehouse.AccessToken, error) {
				return tx.Tokens().FindTokenByHash(t.Context(), tok.Hash)
			})
			wantCode(t, "FindTokenByHash(rolled back)", err, gatehouse.ENOTFOUND)
			if got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.Login, error) {
				return tx.Logins().FindLoginsByUser(t.Context(), u.ID, 10)
			}); len(got) != 0 {
				t.Errorf("logins after rollback = %s, want none", show(got))
			}
			if got := logEvents(t, s); len(got) != 0 {
				t.Errorf("revocation log after rollback = %s, want empty", show(got))
			}
			wantEqual(t, "FindKeysByUser(keep) after rollback", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.APIKey, error) {
				return tx.Keys().FindKeysByUser(t.Context(), keep.ID)
			}), []*gatehouse.APIKey{keepKey})
			// The store still takes writes.
			create(t, s, newUser("after@example.com", gatehouse.UserActive))
		}},
		{"UpdateRollsBackOnPanic", func(t *testing.T, s gatehouse.Store) {
			func() {
				defer func() {
					if r := recover(); r != errAbort {
						t.Errorf("recovered %v, want the panic value of fn", r)
					}
				}()
				_ = s.Update(t.Context(), func(tx gatehouse.Tx) error {
					if err := tx.Users().CreateUser(t.Context(), newUser("panic@example.com", gatehouse.UserActive)); err != nil {
						return err
					}
					panic(errAbort)
				})
			}()
			// The panicking transaction must not hold the database: a later
			// write (under a deadline, so a leak fails instead of hanging)
			// must go through, and the panicking write must be gone.
			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
			defer cancel()
			u := newUser("next@example.com", gatehouse.UserActive)
			if err := s.Update(ctx, func(tx gatehouse.Tx) error { return tx.Users().CreateUser(ctx, u) }); err != nil {
				t.Fatalf("Update after a panicking Update: %v", err)
			}
			wantEqual(t, "FindUsers after panic", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.User, error) {
				return tx.Users().FindUsers(t.Context(), gatehouse.UserFilter{})
			}), []*gatehouse.User{u})
		}},
		{"ViewSeesCommitted", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.User, error) {
				return tx.Users().FindUserByID(t.Context(), u.ID)
			})
			if err != nil {
				t.Fatalf("View after commit: %v", err)
			}
			wantEqual(t, "View after commit", got, u)
			mustUpdate(t, s, func(tx gatehouse.Tx) error {
				_, err := tx.Users().UpdateUser(t.Context(), u.ID, gatehouse.UserUpdate{Status: new(gatehouse.UserDisabled), UpdatedAt: t0})
				return err
			})
			got, err = find(t, s, func(tx gatehouse.Tx) (*gatehouse.User, error) {
				return tx.Users().FindUserByID(t.Context(), u.ID)
			})
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != gatehouse.UserDisabled {
				t.Errorf("View after second commit: status %q, want %q", got.Status, gatehouse.UserDisabled)
			}
		}},
		{"ViewReturnsFnError", func(t *testing.T, s gatehouse.Store) {
			err := s.View(t.Context(), func(tx gatehouse.Tx) error { return errAbort })
			if !errors.Is(err, errAbort) {
				t.Errorf("View returned %v, want the error fn returned", err)
			}
		}},
		{"ViewIsReadOnly", func(t *testing.T, s gatehouse.Store) {
			err := s.View(t.Context(), func(tx gatehouse.Tx) error {
				return tx.Users().CreateUser(t.Context(), newUser("ro@example.com", gatehouse.UserActive))
			})
			if err == nil {
				t.Errorf("CreateUser inside View succeeded, want an error")
			}
			if got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.User, error) {
				return tx.Users().FindUsers(t.Context(), gatehouse.UserFilter{})
			}); len(got) != 0 {
				t.Errorf("users after a write in View = %s, want none", show(got))
			}
		}},
		{"ReadIsReadOnly", func(t *testing.T, s gatehouse.Store) {
			// A plain insert, and an insert in a statement that also reads
			// (the revocation log's). (LockUser, a row lock on PostgreSQL,
			// is a plain read on SQLite.)
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			writes := map[string]func(tx gatehouse.Tx) error{
				"CreateUser": func(tx gatehouse.Tx) error {
					return tx.Users().CreateUser(t.Context(), newUser("ro@example.com", gatehouse.UserActive))
				},
				"CreateRevocation": func(tx gatehouse.Tx) error {
					return tx.Revocations().CreateRevocation(t.Context(), &gatehouse.Revocation{Kind: gatehouse.RevokeUser, SubjectID: u.ID, At: t0})
				},
			}
			for name, write := range writes {
				if err := s.Read(t.Context(), write); err == nil {
					t.Errorf("%s inside Read succeeded, want an error", name)
				}
			}
			if got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.User, error) {
				return tx.Users().FindUsers(t.Context(), gatehouse.UserFilter{})
			}); len(got) != 1 {
				t.Errorf("users after writes in Read = %s, want the one", show(got))
			}
			if got := logEvents(t, s); len(got) != 0 {
				t.Errorf("revocation log after a write in Read = %s, want empty", show(got))
			}
		}},
		{"ReadSeesCommitted", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			var got *gatehouse.User
			err := s.Read(t.Context(), func(tx gatehouse.Tx) error {
				var err error
				got, err = tx.Users().FindUserByID(t.Context(), u.ID)
				return err
			})
			if err != nil || got == nil || got.Email != u.Email {
				t.Fatalf("Read: %+v, %v; want %s", got, err, u.Email)
			}
			// Each statement sees what committed before it, and fn's
			// error is Read's.
			sentinel := errors.New("fn failed")
			err = s.Read(t.Context(), func(tx gatehouse.Tx) error {
				before, err := tx.Users().FindUsers(t.Context(), gatehouse.UserFilter{})
				if err != nil {
					return err
				}
				if _, err := tx.Users().FindUserByEmail(t.Context(), "b@example.com"); gatehouse.ErrorCode(err) != gatehouse.ENOTFOUND {
					t.Errorf("FindUserByEmail(b) before it exists: %v, want ENOTFOUND", err)
				}
				if len(before) != 1 {
					t.Errorf("Read saw %d users, want 1", len(before))
				}
				return sentinel
			})
			if !errors.Is(err, sentinel) {
				t.Errorf("Read returned %v, want the error fn returned", err)
			}
		}},
		{"ConcurrentUpdates", func(t *testing.T, s gatehouse.Store) {
			const writers, each = 8, 10
			var wg sync.WaitGroup
			errs := make(chan error, writers*each)
			for w := range writers {
				wg.Go(func() {
					for i := range each {
						err := s.Update(t.Context(), func(tx gatehouse.Tx) error {
							u := newUser(fmt.Sprintf("w%d-%d@example.com", w, i), gatehouse.UserActive)
							if err := tx.Users().CreateUser(t.Context(), u); err != nil {
								return err
							}
							return tx.Logins().CreateLogin(t.Context(), &gatehouse.Login{UserID: u.ID, At: t0, Kind: gatehouse.LoginConsole, Success: true})
						})
						if err != nil {
							errs <- err
						}
					}
				})
			}
			// Readers run beside the writers.
			for range 4 {
				wg.Go(func() {
					for range each {
						if err := s.View(t.Context(), func(tx gatehouse.Tx) error {
							_, err := tx.Users().FindUsers(t.Context(), gatehouse.UserFilter{})
							return err
						}); err != nil {
							errs <- err
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Errorf("concurrent Update/View: %v", err)
			}
			us := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.User, error) {
				return tx.Users().FindUsers(t.Context(), gatehouse.UserFilter{})
			})
			if len(us) != writers*each {
				t.Errorf("got %d users, want %d", len(us), writers*each)
			}
			if got := ids(us, userID); !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
				t.Errorf("user ids %v are not unique and ordered", got)
			}
		}},
		{"ViewSeesOneSnapshot", func(t *testing.T, s gatehouse.Store) {
			// A write that commits while a View runs is not seen by it,
			// after its first read, however many reads follow.
			create(t, s, newUser("a@example.com", gatehouse.UserActive))
			mustView(t, s, func(tx gatehouse.Tx) error {
				before, err := tx.Users().FindUsers(t.Context(), gatehouse.UserFilter{})
				if err != nil {
					return err
				}
				create(t, s, newUser("b@example.com", gatehouse.UserActive))
				after, err := tx.Users().FindUsers(t.Context(), gatehouse.UserFilter{})
				if err != nil {
					return err
				}
				if len(before) != 1 || len(after) != 1 {
					t.Errorf("View saw %d then %d users, want 1 and 1 (one snapshot)", len(before), len(after))
				}
				return nil
			})
			if got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.User, error) {
				return tx.Users().FindUsers(t.Context(), gatehouse.UserFilter{})
			}); len(got) != 2 {
				t.Errorf("a View after the write sees %d users, want 2", len(got))
			}
		}},
		{"ClosedIsUnavailable", func(t *testing.T, s gatehouse.Store) {
			create(t, s, newUser("a@example.com", gatehouse.UserActive))
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if err := s.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
			defer cancel()
			ran := false
			wantCode(t, "Update after Close", s.Update(ctx, func(tx gatehouse.Tx) error { ran = true; return nil }), gatehouse.EUNAVAILABLE)
			wantCode(t, "View after Close", s.View(ctx, func(tx gatehouse.Tx) error { ran = true; return nil }), gatehouse.EUNAVAILABLE)
			wantCode(t, "Ping after Close", s.Ping(ctx), gatehouse.EUNAVAILABLE)
			// Read may run fn (it begins nothing); its statements fail.
			wantCode(t, "Read after Close", s.Read(ctx, func(tx gatehouse.Tx) error {
				_, err := tx.Users().FindUsers(ctx, gatehouse.UserFilter{})
				return err
			}), gatehouse.EUNAVAILABLE)
			if ran {
				t.Errorf("fn ran on a closed store")
			}
		}},
		{"PingAndClose", func(t *testing.T, s gatehouse.Store) {
			if err := s.Ping(t.Context()); err != nil {
				t.Errorf("Ping: %v", err)
			}
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
			defer cancel()
			if err := s.Ping(ctx); err == nil {
				t.Errorf("Ping after Close succeeded, want an error")
			}
			err := s.Update(ctx, func(tx gatehouse.Tx) error { return nil })
			if err == nil {
				t.Errorf("Update after Close succeeded, want an error")
			}
		}},
	})
}

// testContentTx checks that the dataset, chat and prompt-log stores take
// part in the transaction like the others: an aborted Update leaves none of
// their writes behind.
func testContentTx(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"UpdateRollsBackOnError", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			keptDS := create(t, s, newDataset(a.ID, "kept", gatehouse.Unclassified))
			keptShare := create(t, s, newShare(keptDS.ID, b.ID, gatehouse.PermRead))
			keptChat := create(t, s, newChat("c-kept", a.ID, t0))
			ctx := t.Context()
			err := s.Update(ctx, func(tx gatehouse.Tx) error {
				d := newDataset(a.ID, "ghost", gatehouse.CUI)
				if err := tx.Datasets().CreateDataset(ctx, d); err != nil {
					return err
				}
				if err := tx.Datasets().UpsertShare(ctx, &gatehouse.Share{DatasetID: d.ID, UserID: b.ID, Permission: gatehouse.PermEdit, CreatedAt: t0, UpdatedAt: t0}); err != nil {
					return err
				}
				if err := tx.Datasets().UpsertShare(ctx, &gatehouse.Share{DatasetID: keptDS.ID, UserID: b.ID, Permission: gatehouse.PermAdmin, CreatedAt: t0, UpdatedAt: t0.Add(time.Hour)}); err != nil {
					return err
				}
				if err := tx.Chats().CreateChat(ctx, newChat("c-ghost", a.ID, t0)); err != nil {
					return err
				}
				if err := tx.Chats().AppendChatMessages(ctx, "c-kept", messages("c-kept", t0, "q", "a"), t0.Add(time.Hour)); err != nil {
					return err
				}
				if err := tx.PromptLogs().CreatePromptLog(ctx, &gatehouse.PromptLog{UserID: a.ID, At: t0, Prompt: "p", Model: "m"}); err != nil {
					return err
				}
				// The transaction sees its own writes.
				if _, err := tx.Datasets().FindDatasetByOwnerName(ctx, a.ID, "ghost"); err != nil {
					return fmt.Errorf("own write not visible: %w", err)
				}
				return fmt.Errorf("wrapped: %w", errAbort)
			})
			if !errors.Is(err, errAbort) {
				t.Fatalf("Update returned %v, want the error fn returned", err)
			}
			wantEqual(t, "FindDatasetsForUser(a) after rollback", mustFind(t, s, func(tx gatehouse.Tx) ([]gatehouse.DatasetAccess, error) {
				return tx.Datasets().FindDatasetsForUser(t.Context(), a.ID)
			}),
				[]gatehouse.DatasetAccess{access(keptDS, gatehouse.PermOwner)})
			wantEqual(t, "FindDatasetsForUser(b) after rollback", mustFind(t, s, func(tx gatehouse.Tx) ([]gatehouse.DatasetAccess, error) {
				return tx.Datasets().FindDatasetsForUser(t.Context(), b.ID)
			}),
				[]gatehouse.DatasetAccess{access(keptDS, gatehouse.PermRead)})
			got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.Share, error) {
				return tx.Datasets().FindShare(t.Context(), keptDS.ID, b.ID)
			})
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "share after rollback", got, keptShare)
			wantEqual(t, "sessions of(a) after rollback", findChats(t, s, a.ID), []*gatehouse.ChatSession{keptChat})
			if got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.ChatMessage, error) {
				return tx.Chats().FindChatMessages(t.Context(), "c-kept")
			}); len(got) != 0 {
				t.Errorf("messages after rollback = %s, want none", show(got))
			}
			if got := mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.PromptLog, error) {
				return tx.PromptLogs().FindPromptLogsByUser(t.Context(), a.ID, 0, 10)
			}); len(got) != 0 {
				t.Errorf("prompt logs after rollback = %s, want none", show(got))
			}
		}},
	})
}

// testAppsTx checks that the app, app-key and account-key stores take part
// in the transaction: an aborted Update leaves none of their writes behind.
func testAppsTx(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"UpdateRollsBackOnError", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			id := appIDs(3)
			kept := newApp(u.ID, id[0], "kept")
			kept.Metadata = map[string]any{"k": "v"}
			create(t, s, kept)
			doomed := create(t, s, newApp(u.ID, id[1], "doomed"))
			kid := keyIDs("app_", 3)
			keptKey := create(t, s, newAppKey(kept.ID, kid[0], "kept", t0))
			doomedKey := create(t, s, newAppKey(doomed.ID, kid[1], "doomed", t0))
			aid := keyIDs("act_", 2)
			keptAcct := create(t, s, newAccountKey(u.ID, aid[0], "kept", t0))
			ctx := t.Context()
			err := s.Update(ctx, func(tx gatehouse.Tx) error {
				if err := tx.Apps().CreateApp(ctx, newApp(u.ID, id[2], "ghost")); err != nil {
					return err
				}
				if err := tx.AppKeys().CreateAppKey(ctx, newAppKey(id[2], kid[2], "ghost", t0)); err != nil {
					return err
				}
				if err := tx.AccountKeys().CreateAccountKey(ctx, newAccountKey(u.ID, aid[1], "ghost", t0)); err != nil {
					return err
				}
				changed := *kept
				changed.DisplayName, changed.Metadata, changed.UpdatedAt = "changed", nil, t0.Add(time.Hour)
				if err := tx.Apps().UpdateApp(ctx, &changed); err != nil {
					return err
				}
				if _, err := tx.Apps().DeleteApp(ctx, doomed.ID); err != nil {
					return err
				}
				if err := tx.AppKeys().DeleteAppKey(ctx, kept.ID, keptKey.ID); err != nil {
					return err
				}
				if _, err := tx.AccountKeys().DeleteAccountKeysByUser(ctx, u.ID); err != nil {
					return err
				}
				if err := tx.Revocations().CreateRevocation(ctx, &gatehouse.Revocation{Kind: gatehouse.RevokeApp, Subject: doomed.ID, At: t0}); err != nil {
					return err
				}
				// The transaction sees its own writes.
				if _, err := tx.Apps().FindAppByID(ctx, id[2]); err != nil {
					return fmt.Errorf("own write not visible: %w", err)
				}
				if _, err := tx.Apps().FindAppByID(ctx, doomed.ID); gatehouse.ErrorCode(err) != gatehouse.ENOTFOUND {
					return fmt.Errorf("own delete not visible: %v", err)
				}
				return fmt.Errorf("wrapped: %w", errAbort)
			})
			if !errors.Is(err, errAbort) {
				t.Fatalf("Update returned %v, want the error fn returned", err)
			}
			list, _ := findApps(t, s, u.ID, gatehouse.AppPage{Size: 10})
			wantEqual(t, "FindAppsByAccount after rollback", list, []*gatehouse.App{kept, doomed})
			wantMetadataNil(t, "kept app after rollback", list[0], false)
			wantEqual(t, "keys of kept after rollback", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AppKey, error) {
				return tx.AppKeys().FindAppKeysByApp(t.Context(), kept.ID)
			}), []*gatehouse.AppKey{keptKey})
			wantEqual(t, "keys of doomed after rollback", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AppKey, error) {
				return tx.AppKeys().FindAppKeysByApp(t.Context(), doomed.ID)
			}), []*gatehouse.AppKey{doomedKey})
			_, err = find(t, s, func(tx gatehouse.Tx) (*gatehouse.AppKey, error) {
				return tx.AppKeys().FindAppKeyByID(t.Context(), kid[2])
			})
			wantCode(t, "FindAppKeyByID(rolled back)", err, gatehouse.ENOTFOUND)
			wantEqual(t, "account keys after rollback", mustFind(t, s, func(tx gatehouse.Tx) ([]*gatehouse.AccountKey, error) {
				return tx.AccountKeys().FindAccountKeysByUser(t.Context(), u.ID)
			}), []*gatehouse.AccountKey{keptAcct})
			if got := logEvents(t, s); len(got) != 0 {
				t.Errorf("revocation log after rollback = %s, want empty", show(got))
			}
		}},
	})
}
