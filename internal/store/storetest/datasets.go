package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

func newDataset(ownerID int64, name string, class gatehouse.Classification) *gatehouse.Dataset {
	return &gatehouse.Dataset{OwnerID: ownerID, Name: name, Classification: class, CreatedAt: t0}
}

func newShare(datasetID, userID int64, perm gatehouse.Permission) *gatehouse.Share {
	return &gatehouse.Share{DatasetID: datasetID, UserID: userID, Permission: perm, CreatedAt: t0, UpdatedAt: t0}
}

func access(d *gatehouse.Dataset, p gatehouse.Permission) gatehouse.DatasetAccess {
	return gatehouse.DatasetAccess{Dataset: *d, Permission: p}
}

func accessID(a gatehouse.DatasetAccess) int64 { return a.Dataset.ID }

func testDatasets(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"CreateSetsIDAndRoundTrips", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("d@example.com", gatehouse.UserActive))
			plain := newDataset(u.ID, "alpha-set", gatehouse.Unclassified)
			cui := newDataset(u.ID, "CUI-beta", gatehouse.CUI)
			cui.CreatedAt = t0.Add(time.Minute)
			mustUpdate(t, s, func(tx gatehouse.Tx) error {
				if err := tx.Datasets().CreateDataset(t.Context(), plain); err != nil {
					return err
				}
				return tx.Datasets().CreateDataset(t.Context(), cui)
			})
			if plain.ID == 0 || cui.ID == 0 || plain.ID == cui.ID {
				t.Fatalf("CreateDataset ids = %d, %d; want distinct non-zero", plain.ID, cui.ID)
			}
			for _, want := range []*gatehouse.Dataset{plain, cui} {
				got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.Dataset, error) {
					return tx.Datasets().FindDatasetByOwnerName(t.Context(), u.ID, want.Name)
				})
				if err != nil {
					t.Fatalf("FindDatasetByOwnerName(%s): %v", want.Name, err)
				}
				wantEqual(t, "FindDatasetByOwnerName("+want.Name+")", got, want)
			}
		}},
		{"DuplicateNameIsConflictPerOwner", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			first := create(t, s, newDataset(a.ID, "same-name", gatehouse.Unclassified))
			dup := newDataset(a.ID, "same-name", gatehouse.CUI)
			err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Datasets().CreateDataset(t.Context(), dup) })
			wantCode(t, "CreateDataset(same owner, same name)", err, gatehouse.ECONFLICT)
			got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.Dataset, error) {
				return tx.Datasets().FindDatasetByOwnerName(t.Context(), a.ID, "same-name")
			})
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "dataset after conflicting CreateDataset", got, first)
			wantEqual(t, "FindDatasetsForUser(a) after conflict", mustFind(t, s, func(tx gatehouse.Tx) ([]gatehouse.DatasetAccess, error) {
				return tx.Datasets().FindDatasetsForUser(t.Context(), a.ID)
			}),
				[]gatehouse.DatasetAccess{access(first, gatehouse.PermOwner)})
			// Another owner may use the name.
			other := create(t, s, newDataset(b.ID, "same-name", gatehouse.Unclassified))
			if other.ID == first.ID {
				t.Errorf("b's dataset got a's id %d", first.ID)
			}
			got, err = find(t, s, func(tx gatehouse.Tx) (*gatehouse.Dataset, error) {
				return tx.Datasets().FindDatasetByOwnerName(t.Context(), b.ID, "same-name")
			})
			if err != nil {
				t.Fatalf("FindDatasetByOwnerName(b): %v", err)
			}
			wantEqual(t, "FindDatasetByOwnerName(b)", got, other)
		}},
		{"FindDatasetByOwnerNameMissing", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			create(t, s, newDataset(a.ID, "mine", gatehouse.Unclassified))
			for _, tt := range []struct {
				owner int64
				name  string
			}{{a.ID, "nope"}, {b.ID, "mine"}, {1 << 40, "mine"}, {a.ID, ""}} {
				_, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.Dataset, error) {
					return tx.Datasets().FindDatasetByOwnerName(t.Context(), tt.owner, tt.name)
				})
				wantCode(t, fmt.Sprintf("FindDatasetByOwnerName(%d, %q)", tt.owner, tt.name), err, gatehouse.ENOTFOUND)
			}
		}},
		{"FindDatasetsForUser", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			c := create(t, s, newUser("c@example.com", gatehouse.UserActive))
			none := create(t, s, newUser("none@example.com", gatehouse.UserActive))
			// Own and shared datasets interleave in id order, and their
			// names are out of alphabetical order, so that only the dataset
			// id explains the result order.
			d1 := create(t, s, newDataset(a.ID, "zulu", gatehouse.Unclassified))
			d2 := create(t, s, newDataset(b.ID, "yankee", gatehouse.Unclassified))
			d3 := create(t, s, newDataset(a.ID, "alpha", gatehouse.Unclassified))
			d4 := create(t, s, newDataset(c.ID, "xray", gatehouse.Unclassified))
			d5 := create(t, s, newDataset(b.ID, "bravo", gatehouse.Unclassified))
			d6 := create(t, s, newDataset(c.ID, "whiskey", gatehouse.Unclassified)) // not shared with a
			// Shares granted out of dataset order.
			create(t, s, newShare(d5.ID, a.ID, gatehouse.PermAdmin))
			create(t, s, newShare(d2.ID, a.ID, gatehouse.PermRead))
			create(t, s, newShare(d4.ID, a.ID, gatehouse.PermEdit))
			create(t, s, newShare(d3.ID, b.ID, gatehouse.PermEdit))

			tests := []struct {
				name string
				user int64
				want []gatehouse.DatasetAccess
			}{
				{"a", a.ID, []gatehouse.DatasetAccess{
					access(d1, gatehouse.PermOwner), access(d2, gatehouse.PermRead), access(d3, gatehouse.PermOwner),
					access(d4, gatehouse.PermEdit), access(d5, gatehouse.PermAdmin),
				}},
				{"b", b.ID, []gatehouse.DatasetAccess{
					access(d2, gatehouse.PermOwner), access(d3, gatehouse.PermEdit), access(d5, gatehouse.PermOwner),
				}},
				{"c", c.ID, []gatehouse.DatasetAccess{access(d4, gatehouse.PermOwner), access(d6, gatehouse.PermOwner)}},
				{"none", none.ID, []gatehouse.DatasetAccess{}},
				{"unknown user", 1 << 40, []gatehouse.DatasetAccess{}},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					t.Parallel()
					got := mustFind(t, s, func(tx gatehouse.Tx) ([]gatehouse.DatasetAccess, error) {
						return tx.Datasets().FindDatasetsForUser(t.Context(), tt.user)
					})
					if got == nil {
						t.Errorf("FindDatasetsForUser(%s) = nil, want a non-nil slice", tt.name)
					}
					if !slices.IsSortedFunc(got, func(x, y gatehouse.DatasetAccess) int { return cmp.Compare(x.Dataset.ID, y.Dataset.ID) }) {
						t.Errorf("FindDatasetsForUser(%s) ids %v not in dataset id order", tt.name, ids(got, accessID))
					}
					wantEqual(t, "FindDatasetsForUser("+tt.name+")", got, tt.want)
				})
			}
		}},
		{"DeleteDatasetCascadesShares", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			gone := create(t, s, newDataset(a.ID, "gone", gatehouse.Unclassified))
			kept := create(t, s, newDataset(a.ID, "kept", gatehouse.Unclassified))
			create(t, s, newShare(gone.ID, b.ID, gatehouse.PermEdit))
			keptShare := create(t, s, newShare(kept.ID, b.ID, gatehouse.PermRead))
			del := func(id int64) error {
				return s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Datasets().DeleteDataset(t.Context(), id) })
			}
			if err := del(gone.ID); err != nil {
				t.Fatalf("DeleteDataset: %v", err)
			}
			_, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.Dataset, error) {
				return tx.Datasets().FindDatasetByOwnerName(t.Context(), a.ID, "gone")
			})
			wantCode(t, "FindDatasetByOwnerName(deleted)", err, gatehouse.ENOTFOUND)
			_, err = find(t, s, func(tx gatehouse.Tx) (*gatehouse.Share, error) {
				return tx.Datasets().FindShare(t.Context(), gone.ID, b.ID)
			})
			wantCode(t, "FindShare(share of deleted dataset)", err, gatehouse.ENOTFOUND)
			wantEqual(t, "FindDatasetsForUser(a) after delete", mustFind(t, s, func(tx gatehouse.Tx) ([]gatehouse.DatasetAccess, error) {
				return tx.Datasets().FindDatasetsForUser(t.Context(), a.ID)
			}),
				[]gatehouse.DatasetAccess{access(kept, gatehouse.PermOwner)})
			wantEqual(t, "FindDatasetsForUser(b) after delete", mustFind(t, s, func(tx gatehouse.Tx) ([]gatehouse.DatasetAccess, error) {
				return tx.Datasets().FindDatasetsForUser(t.Context(), b.ID)
			}),
				[]gatehouse.DatasetAccess{access(kept, gatehouse.PermRead)})
			got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.Share, error) {
				return tx.Datasets().FindShare(t.Context(), kept.ID, b.ID)
			})
			if err != nil {
				t.Fatalf("FindShare(share of other dataset): %v", err)
			}
			wantEqual(t, "share of other dataset", got, keptShare)
			wantCode(t, "DeleteDataset(again)", del(gone.ID), gatehouse.ENOTFOUND)
			wantCode(t, "DeleteDataset(never existed)", del(kept.ID+1000), gatehouse.ENOTFOUND)
			// The name is free again.
			again := create(t, s, newDataset(a.ID, "gone", gatehouse.Unclassified))
			got2, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.Dataset, error) {
				return tx.Datasets().FindDatasetByOwnerName(t.Context(), a.ID, "gone")
			})
			if err != nil {
				t.Fatalf("FindDatasetByOwnerName(recreated): %v", err)
			}
			wantEqual(t, "recreated dataset", got2, again)
			// The recreated dataset does not inherit the old shares.
			_, err = find(t, s, func(tx gatehouse.Tx) (*gatehouse.Share, error) {
				return tx.Datasets().FindShare(t.Context(), again.ID, b.ID)
			})
			wantCode(t, "FindShare(recreated dataset)", err, gatehouse.ENOTFOUND)
		}},
		{"NamesAreCaseSensitive", func(t *testing.T, s gatehouse.Store) {
			u := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			upper := create(t, s, newDataset(u.ID, "CUI-alpha", gatehouse.CUI))
			_, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.Dataset, error) {
				return tx.Datasets().FindDatasetByOwnerName(t.Context(), u.ID, "cui-alpha")
			})
			wantCode(t, "FindDatasetByOwnerName(other case)", err, gatehouse.ENOTFOUND)
			lower := create(t, s, newDataset(u.ID, "cui-alpha", gatehouse.Unclassified))
			for _, want := range []*gatehouse.Dataset{upper, lower} {
				got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.Dataset, error) {
					return tx.Datasets().FindDatasetByOwnerName(t.Context(), u.ID, want.Name)
				})
				if err != nil {
					t.Fatalf("FindDatasetByOwnerName(%s): %v", want.Name, err)
				}
				wantEqual(t, "FindDatasetByOwnerName("+want.Name+")", got, want)
			}
		}},
	})
}

func testShares(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	subtests(t, open, []testCase{
		{"FindSharesByDataset", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			c := create(t, s, newUser("C@Example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			d := create(t, s, newDataset(a.ID, "data", gatehouse.Unclassified))
			other := create(t, s, newDataset(a.ID, "other", gatehouse.Unclassified))
			empty := mustFind(t, s, func(tx gatehouse.Tx) ([]gatehouse.ShareHolder, error) {
				return tx.Datasets().FindSharesByDataset(t.Context(), d.ID)
			})
			if empty == nil || len(empty) != 0 {
				t.Fatalf("FindSharesByDataset with no shares = %#v, want an empty non-nil slice", empty)
			}
			shB := create(t, s, newShare(d.ID, b.ID, gatehouse.PermEdit))
			shC := create(t, s, newShare(d.ID, c.ID, gatehouse.PermRead))
			create(t, s, newShare(other.ID, b.ID, gatehouse.PermAdmin))
			got := mustFind(t, s, func(tx gatehouse.Tx) ([]gatehouse.ShareHolder, error) {
				return tx.Datasets().FindSharesByDataset(t.Context(), d.ID)
			})
			// In user id order: c was created before b.
			want := []gatehouse.ShareHolder{{Share: *shC, Email: "C@Example.com"}, {Share: *shB, Email: "b@example.com"}}
			wantEqual(t, "FindSharesByDataset", got, want)
		}},
		{"UpsertInsertsThenUpdates", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			c := create(t, s, newUser("c@example.com", gatehouse.UserActive))
			d := create(t, s, newDataset(a.ID, "data", gatehouse.Unclassified))
			first := create(t, s, newShare(d.ID, b.ID, gatehouse.PermRead))
			bystander := create(t, s, newShare(d.ID, c.ID, gatehouse.PermEdit))
			got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.Share, error) {
				return tx.Datasets().FindShare(t.Context(), d.ID, b.ID)
			})
			if err != nil {
				t.Fatalf("FindShare after insert: %v", err)
			}
			wantEqual(t, "FindShare after insert", got, first)

			// A second upsert changes the permission and updated_at and
			// keeps the original created_at.
			second := &gatehouse.Share{
				DatasetID: d.ID, UserID: b.ID, Permission: gatehouse.PermAdmin,
				CreatedAt: t0.Add(time.Hour), UpdatedAt: t0.Add(2 * time.Hour),
			}
			mustUpdate(t, s, func(tx gatehouse.Tx) error { return tx.Datasets().UpsertShare(t.Context(), second) })
			got, err = find(t, s, func(tx gatehouse.Tx) (*gatehouse.Share, error) {
				return tx.Datasets().FindShare(t.Context(), d.ID, b.ID)
			})
			if err != nil {
				t.Fatalf("FindShare after update: %v", err)
			}
			want := &gatehouse.Share{
				DatasetID: d.ID, UserID: b.ID, Permission: gatehouse.PermAdmin,
				CreatedAt: t0, UpdatedAt: t0.Add(2 * time.Hour),
			}
			wantEqual(t, "FindShare after update", got, want)
			// Downgrading is an update like any other.
			mustUpdate(t, s, func(tx gatehouse.Tx) error {
				return tx.Datasets().UpsertShare(t.Context(), &gatehouse.Share{
					DatasetID: d.ID, UserID: b.ID, Permission: gatehouse.PermRead,
					CreatedAt: t0.Add(3 * time.Hour), UpdatedAt: t0.Add(3 * time.Hour),
				})
			})
			want.Permission, want.UpdatedAt = gatehouse.PermRead, t0.Add(3*time.Hour)
			got, err = find(t, s, func(tx gatehouse.Tx) (*gatehouse.Share, error) {
				return tx.Datasets().FindShare(t.Context(), d.ID, b.ID)
			})
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "FindShare after downgrade", got, want)
			got, err = find(t, s, func(tx gatehouse.Tx) (*gatehouse.Share, error) {
				return tx.Datasets().FindShare(t.Context(), d.ID, c.ID)
			})
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "bystander share", got, bystander)
			wantEqual(t, "FindDatasetsForUser(b)", mustFind(t, s, func(tx gatehouse.Tx) ([]gatehouse.DatasetAccess, error) {
				return tx.Datasets().FindDatasetsForUser(t.Context(), b.ID)
			}),
				[]gatehouse.DatasetAccess{access(d, gatehouse.PermRead)})
		}},
		{"FindShareMissing", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			d := create(t, s, newDataset(a.ID, "data", gatehouse.Unclassified))
			other := create(t, s, newDataset(a.ID, "other", gatehouse.Unclassified))
			create(t, s, newShare(d.ID, b.ID, gatehouse.PermRead))
			for _, tt := range []struct {
				name              string
				datasetID, userID int64
			}{
				{"owner has no share row", d.ID, a.ID},
				{"other dataset", other.ID, b.ID},
				{"unknown dataset", d.ID + 1000, b.ID},
				{"unknown user", d.ID, 1 << 40},
			} {
				_, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.Share, error) {
					return tx.Datasets().FindShare(t.Context(), tt.datasetID, tt.userID)
				})
				wantCode(t, "FindShare("+tt.name+")", err, gatehouse.ENOTFOUND)
			}
		}},
		{"DeleteShare", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			c := create(t, s, newUser("c@example.com", gatehouse.UserActive))
			d := create(t, s, newDataset(a.ID, "data", gatehouse.Unclassified))
			create(t, s, newShare(d.ID, b.ID, gatehouse.PermEdit))
			kept := create(t, s, newShare(d.ID, c.ID, gatehouse.PermRead))
			del := func(datasetID, userID int64) error {
				return s.Update(t.Context(), func(tx gatehouse.Tx) error {
					return tx.Datasets().DeleteShare(t.Context(), datasetID, userID)
				})
			}
			if err := del(d.ID, b.ID); err != nil {
				t.Fatalf("DeleteShare: %v", err)
			}
			_, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.Share, error) {
				return tx.Datasets().FindShare(t.Context(), d.ID, b.ID)
			})
			wantCode(t, "FindShare(deleted)", err, gatehouse.ENOTFOUND)
			if got := mustFind(t, s, func(tx gatehouse.Tx) ([]gatehouse.DatasetAccess, error) {
				return tx.Datasets().FindDatasetsForUser(t.Context(), b.ID)
			}); len(got) != 0 {
				t.Errorf("FindDatasetsForUser(b) after DeleteShare = %s, want none", show(got))
			}
			wantCode(t, "DeleteShare(again)", del(d.ID, b.ID), gatehouse.ENOTFOUND)
			wantCode(t, "DeleteShare(owner)", del(d.ID, a.ID), gatehouse.ENOTFOUND)
			wantCode(t, "DeleteShare(unknown dataset)", del(d.ID+1000, c.ID), gatehouse.ENOTFOUND)
			got, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.Share, error) {
				return tx.Datasets().FindShare(t.Context(), d.ID, c.ID)
			})
			if err != nil {
				t.Fatalf("FindShare(other user's share): %v", err)
			}
			wantEqual(t, "other user's share", got, kept)
			if _, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.Dataset, error) {
				return tx.Datasets().FindDatasetByOwnerName(t.Context(), a.ID, "data")
			}); err != nil {
				t.Errorf("dataset after DeleteShare: %v", err)
			}
		}},
		{"NoSuchDatasetOrUserIsConflict", func(t *testing.T, s gatehouse.Store) {
			a := create(t, s, newUser("a@example.com", gatehouse.UserActive))
			b := create(t, s, newUser("b@example.com", gatehouse.UserActive))
			d := create(t, s, newDataset(a.ID, "data", gatehouse.Unclassified))
			for _, sh := range []*gatehouse.Share{newShare(d.ID+1000, b.ID, gatehouse.PermRead), newShare(d.ID, 1<<40, gatehouse.PermRead)} {
				err := s.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.Datasets().UpsertShare(t.Context(), sh) })
				wantCode(t, fmt.Sprintf("UpsertShare(dataset %d, user %d)", sh.DatasetID, sh.UserID), err, gatehouse.ECONFLICT)
			}
			if got := mustFind(t, s, func(tx gatehouse.Tx) ([]gatehouse.DatasetAccess, error) {
				return tx.Datasets().FindDatasetsForUser(t.Context(), b.ID)
			}); len(got) != 0 {
				t.Errorf("FindDatasetsForUser(b) after refused shares = %s, want none", show(got))
			}
		}},
	})
}
