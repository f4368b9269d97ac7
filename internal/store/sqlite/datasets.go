package sqlite

import (
	"context"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/sqlrows"
)

type datasets struct{ tx *sqlTx }

func (s datasets) CreateDataset(ctx context.Context, d *gatehouse.Dataset) error {
	res, err := s.tx.ExecContext(ctx, `INSERT INTO datasets (owner_id, name, classification, created_at) VALUES (?, ?, ?, ?)`,
		d.OwnerID, d.Name, string(d.Classification), ms(d.CreatedAt))
	if err != nil {
		return mapErr(err)
	}
	d.ID, err = res.LastInsertId()
	return err
}

func (s datasets) FindDatasetByOwnerName(ctx context.Context, ownerID int64, name string) (*gatehouse.Dataset, error) {
	d := gatehouse.Dataset{OwnerID: ownerID, Name: name}
	var class string
	var created int64
	err := s.tx.QueryRowContext(ctx, `SELECT id, classification, created_at FROM datasets WHERE owner_id = ? AND name = ?`, ownerID, name).
		Scan(&d.ID, &class, &created)
	if err != nil {
		return nil, mapErr(err)
	}
	d.Classification, d.CreatedAt = gatehouse.Classification(class), fromMS(created)
	return &d, nil
}

func (s datasets) FindDatasetsForUser(ctx context.Context, userID int64) ([]gatehouse.DatasetAccess, error) {
	rows, err := s.tx.QueryContext(ctx, `
		SELECT d.id, d.owner_id, d.name, d.classification, d.created_at, 'owner'
		  FROM datasets d WHERE d.owner_id = ?
		UNION ALL
		SELECT d.id, d.owner_id, d.name, d.classification, d.created_at, sh.permission
		  FROM dataset_shares sh JOIN datasets d ON d.id = sh.dataset_id WHERE sh.user_id = ?
		ORDER BY 1`, userID, userID)
	return collect(rows, err, func(row sqlrows.Row) (gatehouse.DatasetAccess, error) {
		var a gatehouse.DatasetAccess
		var class, perm string
		var created int64
		if err := row.Scan(&a.Dataset.ID, &a.Dataset.OwnerID, &a.Dataset.Name, &class, &created, &perm); err != nil {
			return a, mapErr(err)
		}
		a.Dataset.Classification, a.Dataset.CreatedAt, a.Permission = gatehouse.Classification(class), fromMS(created), gatehouse.Permission(perm)
		return a, nil
	})
}

func (s datasets) DeleteDataset(ctx context.Context, id int64) error {
	res, err := s.tx.ExecContext(ctx, `DELETE FROM datasets WHERE id = ?`, id)
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return gatehouse.CodeErr(gatehouse.ENOTFOUND)
	}
	return nil
}

func (s datasets) UpsertShare(ctx context.Context, sh *gatehouse.Share) error {
	_, err := s.tx.ExecContext(ctx, `INSERT INTO dataset_shares (dataset_id, user_id, permission, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (dataset_id, user_id) DO UPDATE SET permission = excluded.permission, updated_at = excluded.updated_at`,
		sh.DatasetID, sh.UserID, string(sh.Permission), ms(sh.CreatedAt), ms(sh.UpdatedAt))
	return mapErr(err)
}

func (s datasets) FindShare(ctx context.Context, datasetID, userID int64) (*gatehouse.Share, error) {
	sh := gatehouse.Share{DatasetID: datasetID, UserID: userID}
	var perm string
	var created, updated int64
	err := s.tx.QueryRowContext(ctx, `SELECT permission, created_at, updated_at FROM dataset_shares WHERE dataset_id = ? AND user_id = ?`, datasetID, userID).
		Scan(&perm, &created, &updated)
	if err != nil {
		return nil, mapErr(err)
	}
	sh.Permission, sh.CreatedAt, sh.UpdatedAt = gatehouse.Permission(perm), fromMS(created), fromMS(updated)
	return &sh, nil
}

func (s datasets) DeleteShare(ctx context.Context, datasetID, userID int64) error {
	res, err := s.tx.ExecContext(ctx, `DELETE FROM dataset_shares WHERE dataset_id = ? AND user_id = ?`, datasetID, userID)
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return gatehouse.CodeErr(gatehouse.ENOTFOUND)
	}
	return nil
}

func (s datasets) FindSharesByDataset(ctx context.Context, datasetID int64) ([]gatehouse.ShareHolder, error) {
	rows, err := s.tx.QueryContext(ctx, `
		SELECT sh.user_id, u.email, sh.permission, sh.created_at, sh.updated_at
		  FROM dataset_shares sh JOIN users u ON u.id = sh.user_id
		 WHERE sh.dataset_id = ? ORDER BY sh.user_id`, datasetID)
	return collect(rows, err, func(row sqlrows.Row) (gatehouse.ShareHolder, error) {
		h := gatehouse.ShareHolder{Share: gatehouse.Share{DatasetID: datasetID}}
		var perm string
		var created, updated int64
		if err := row.Scan(&h.UserID, &h.Email, &perm, &created, &updated); err != nil {
			return h, mapErr(err)
		}
		h.Permission, h.CreatedAt, h.UpdatedAt = gatehouse.Permission(perm), fromMS(created), fromMS(updated)
		return h, nil
	})
}
