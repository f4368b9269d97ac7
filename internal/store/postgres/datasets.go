package postgres

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
)

type datasets struct{ tx querier }

func (s datasets) CreateDataset(ctx context.Context, d *gatehouse.Dataset) error {
	err := s.tx.QueryRow(ctx, `INSERT INTO datasets (owner_id, name, classification, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		d.OwnerID, d.Name, string(d.Classification), ts(d.CreatedAt)).Scan(&d.ID)
	return mapErr(err)
}

func (s datasets) FindDatasetByOwnerName(ctx context.Context, ownerID int64, name string) (*gatehouse.Dataset, error) {
	d := gatehouse.Dataset{OwnerID: ownerID, Name: name}
	var class string
	var created time.Time
	err := s.tx.QueryRow(ctx, `SELECT id, classification, created_at FROM datasets WHERE owner_id = $1 AND name = $2`, ownerID, name).
		Scan(&d.ID, &class, &created)
	if err != nil {
		return nil, mapErr(err)
	}
	d.Classification, d.CreatedAt = gatehouse.Classification(class), created.UTC()
	return &d, nil
}

func (s datasets) FindDatasetsForUser(ctx context.Context, userID int64) ([]gatehouse.DatasetAccess, error) {
	rows, err := s.tx.Query(ctx, `
		SELECT d.id, d.owner_id, d.name, d.classification, d.created_at, 'owner'
		  FROM datasets d WHERE d.owner_id = $1
		UNION ALL
		SELECT d.id, d.owner_id, d.name, d.classification, d.created_at, sh.permission
		  FROM dataset_shares sh JOIN datasets d ON d.id = sh.dataset_id WHERE sh.user_id = $1
		ORDER BY 1`, userID)
	return collect(rows, err, func(row sqlrows.Row) (gatehouse.DatasetAccess, error) {
		var a gatehouse.DatasetAccess
		var class, perm string
		var created time.Time
		if err := row.Scan(&a.Dataset.ID, &a.Dataset.OwnerID, &a.Dataset.Name, &class, &created, &perm); err != nil {
			return a, mapErr(err)
		}
		a.Dataset.Classification, a.Dataset.CreatedAt, a.Permission = gatehouse.Classification(class), created.UTC(), gatehouse.Permission(perm)
		return a, nil
	})
}

func (s datasets) DeleteDataset(ctx context.Context, id int64) error {
	// Its shares go with it (ON DELETE CASCADE).
	tag, err := s.tx.Exec(ctx, `DELETE FROM datasets WHERE id = $1`, id)
	if err != nil {
		return mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return gatehouse.CodeErr(gatehouse.ENOTFOUND)
	}
	return nil
}

func (s datasets) UpsertShare(ctx context.Context, sh *gatehouse.Share) error {
	_, err := s.tx.Exec(ctx, `INSERT INTO dataset_shares (dataset_id, user_id, permission, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (dataset_id, user_id) DO UPDATE SET permission = excluded.permission, updated_at = excluded.updated_at`,
		sh.DatasetID, sh.UserID, string(sh.Permission), ts(sh.CreatedAt), ts(sh.UpdatedAt))
	return mapErr(err)
}

func (s datasets) FindShare(ctx context.Context, datasetID, userID int64) (*gatehouse.Share, error) {
	sh := gatehouse.Share{DatasetID: datasetID, UserID: userID}
	var perm string
	var created, updated time.Time
	err := s.tx.QueryRow(ctx, `SELECT permission, created_at, updated_at FROM dataset_shares WHERE dataset_id = $1 AND user_id = $2`, datasetID, userID).
		Scan(&perm, &created, &updated)
	if err != nil {
		return nil, mapErr(err)
	}
	sh.Permission, sh.CreatedAt, sh.UpdatedAt = gatehouse.Permission(perm), created.UTC(), updated.UTC()
	return &sh, nil
}

func (s datasets) DeleteShare(ctx context.Context, datasetID, userID int64) error {
	tag, err := s.tx.Exec(ctx, `DELETE FROM dataset_shares WHERE dataset_id = $1 AND user_id = $2`, datasetID, userID)
	if err != nil {
		return mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return gatehouse.CodeErr(gatehouse.ENOTFOUND)
	}
	return nil
}

func (s datasets) FindSharesByDataset(ctx context.Context, datasetID int64) ([]gatehouse.ShareHolder, error) {
	rows, err := s.tx.Query(ctx, `
		SELECT sh.user_id, u.email, sh.permission, sh.created_at, sh.updated_at
		  FROM dataset_shares sh JOIN users u ON u.id = sh.user_id
		 WHERE sh.dataset_id = $1 ORDER BY sh.user_id`, datasetID)
	return collect(rows, err, func(row sqlrows.Row) (gatehouse.ShareHolder, error) {
		h := gatehouse.ShareHolder{Share: gatehouse.Share{DatasetID: datasetID}}
		var perm string
		var created, updated time.Time
		if err := row.Scan(&h.UserID, &h.Email, &perm, &created, &updated); err != nil {
			return h, mapErr(err)
		}
		h.Permission, h.CreatedAt, h.UpdatedAt = gatehouse.Permission(perm), created.UTC(), updated.UTC()
		return h, nil
	})
}
