package core

import (
	"context"
	"strings"

	"github.com/gatehouse/gatehouse"
)

// ParseClassification reads a requested classification: empty (or null) and
// "Unclassified" mean Unclassified, "CUI" means CUI, case-insensitively.
func ParseClassification(s string) (gatehouse.Classification, error) {
	switch {
	case s == "" || strings.EqualFold(s, string(gatehouse.Unclassified)):
		return gatehouse.Unclassified, nil
	case strings.EqualFold(s, string(gatehouse.CUI)):
		return gatehouse.CUI, nil
	}
	return "", gatehouse.Err(gatehouse.ReasonClassification)
}

// ParsePermission reads a share level; empty means read (Ask Sage's default).
func ParsePermission(s string) (gatehouse.Permission, error) {
	p := gatehouse.Permission(strings.ToLower(strings.TrimSpace(s)))
	if p == "" {
		return gatehouse.PermRead, nil
	}
	if !p.Shareable() {
		return "", gatehouse.Err(gatehouse.ReasonPermission)
	}
	return p, nil
}

var (
	errDatasetNotFound = gatehouse.Err(gatehouse.ReasonDatasetNotFound)
	errCACRequired     = gatehouse.Err(gatehouse.ReasonCACRequired)
	errDatasetExists   = gatehouse.Err(gatehouse.ReasonDatasetExists)
	errNoShare         = gatehouse.Err(gatehouse.ReasonNoShare)
)

// AddDataset creates a dataset owned by the caller. A CUI dataset (a name
// starting "CUI-" or classification CUI) needs a CAC-authenticated session:
// EFORBIDDEN (ReasonCACRequired) otherwise. Returns EINVALID for a bad name
// and ECONFLICT (ReasonDatasetExists) for a name the caller already uses.
// Callers: an API key, an access token or a console session (userCallers).
func (s *Service) AddDataset(ctx context.Context, name string, class gatehouse.Classification) (*gatehouse.Dataset, error) {
	p, err := authorize(ctx, userCallers)
	if err != nil {
		return nil, err
	}
	if err := gatehouse.ValidateDatasetName(name); err != nil {
		return nil, err
	}
	if gatehouse.IsCUIName(name) {
		class = gatehouse.CUI
	}
	if class == gatehouse.CUI && !p.CAC {
		return nil, errCACRequired
	}
	d := &gatehouse.Dataset{OwnerID: p.UserID, Name: name, Classification: class, CreatedAt: s.now().UTC()}
	if err := s.store.Update(ctx, func(tx gatehouse.Tx) error { return tx.Datasets().CreateDataset(ctx, d) }); err != nil {
		return nil, recode(err, gatehouse.ECONFLICT, errDatasetExists)
	}
	return d, nil
}

// ListDatasets lists the datasets the caller can use: their own as owner,
// and those shared with them at the share's level.
// Callers: an API key, an access token or a console session (userCallers).
func (s *Service) ListDatasets(ctx context.Context) ([]gatehouse.DatasetAccess, error) {
	p, err := authorize(ctx, userCallers)
	if err != nil {
		return nil, err
	}
	var out []gatehouse.DatasetAccess
	err = s.store.View(ctx, func(tx gatehouse.Tx) error {
		out, err = tx.Datasets().FindDatasetsForUser(ctx, p.UserID)
		return err
	})
	return out, err
}

// resolveDataset finds the dataset a client names, by full name
// (user_custom_<ID>_<NAME>_content) or by the caller's own short name, and
// the caller's permission on it. A dataset the caller has no access to is
// ENOTFOUND, exactly like one that does not exist.
func resolveDataset(ctx context.Context, tx gatehouse.Tx, p gatehouse.Principal, ref string) (*gatehouse.Dataset, gatehouse.Permission, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, "", gatehouse.Err(gatehouse.ReasonDatasetRequired)
	}
	owner, name, ok := gatehouse.ParseDatasetFullName(ref)
	if !ok {
		if gatehouse.ValidateDatasetName(ref) != nil {
			return nil, "", errDatasetNotFound
		}
		owner, name = p.UserID, ref
	}
	d, err := tx.Datasets().FindDatasetByOwnerName(ctx, owner, name)
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND {
		return nil, "", errDatasetNotFound
	}
	if err != nil {
		return nil, "", err
	}
	if d.OwnerID == p.UserID {
		return d, gatehouse.PermOwner, nil
	}
	sh, err := tx.Datasets().FindShare(ctx, d.ID, p.UserID)
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND {
		return nil, "", errDatasetNotFound
	}
	if err != nil {
		return nil, "", err
	}
	return d, sh.Permission, nil
}

// DeleteDataset deletes a dataset and every share of it. Only the owner may:
// a user it is shared with gets EFORBIDDEN; anyone else ENOTFOUND.
// Callers: an API key, an access token or a console session (userCallers).
func (s *Service) DeleteDataset(ctx context.Context, ref string) error {
	p, err := authorize(ctx, userCallers)
	if err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx gatehouse.Tx) error {
		d, perm, err := resolveDataset(ctx, tx, p, ref)
		if err != nil {
			return err
		}
		if perm != gatehouse.PermOwner {
			return gatehouse.Err(gatehouse.ReasonOwnerOnly)
		}
		if err := tx.Datasets().DeleteDataset(ctx, d.ID); err != nil {
			return recode(err, gatehouse.ENOTFOUND, errDatasetNotFound)
		}
		return s.audit(ctx, tx, gatehouse.AuditEvent{Type: gatehouse.AuditDatasetDelete, Actor: p.Email, Subject: d.FullName(), Email: p.Email})
	})
}

// ShareDataset grants the account with e-mail email the permission perm on
// a dataset, or changes the level it has. The caller must own the dataset or
// hold admin on it (EFORBIDDEN otherwise; ENOTFOUND without any access).
// No e-mail is EINVALID; an unknown one ENOTFOUND (ReasonNoSuchAccount); the owner and the caller themselves
// cannot be given a share (EINVALID). It takes effect on the next request.
// Callers: an API key, an access token or a console session (userCallers).
func (s *Service) ShareDataset(ctx context.Context, ref, email string, perm gatehouse.Permission) error {
	p, err := authorize(ctx, userCallers)
	if err != nil {
		return err
	}
	if !perm.Shareable() {
		return gatehouse.Err(gatehouse.ReasonPermission)
	}
	if email == "" { // before any lookup; findAccount refuses a blank one too
		return gatehouse.Err(gatehouse.ReasonEmailRequired)
	}
	now := s.now().UTC()
	return s.store.Update(ctx, func(tx gatehouse.Tx) error {
		d, target, err := s.shareTarget(ctx, tx, p, ref, email)
		if err != nil {
			return err
		}
		if err := tx.Datasets().UpsertShare(ctx, &gatehouse.Share{DatasetID: d.ID, UserID: target.ID, Permission: perm, CreatedAt: now, UpdatedAt: now}); err != nil {
			// ECONFLICT: the dataset was deleted after it was read (Updates
			// of different accounts run side by side); as if it came first.
			return recode(err, gatehouse.ECONFLICT, errDatasetNotFound)
		}
		return s.audit(ctx, tx, gatehouse.AuditEvent{Type: gatehouse.AuditShare, Actor: p.Email, Subject: d.FullName(), Email: target.Email, Detail: "permission " + string(perm)})
	})
}

// UnshareDataset removes the share of the account with e-mail email. The
// owner or an admin may remove anyone's share; any user may remove their
// own. ENOTFOUND when that account has no share.
// Callers: an API key, an access token or a console session (userCallers).
func (s *Service) UnshareDataset(ctx context.Context, ref, email string) error {
	p, err := authorize(ctx, userCallers)
	if err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx gatehouse.Tx) error {
		d, perm, err := resolveDataset(ctx, tx, p, ref)
		if err != nil {
			return err
		}
		target, err := findAccount(ctx, tx, email)
		if err != nil {
			return err
		}
		if target.ID != p.UserID && !perm.AtLeast(gatehouse.PermAdmin) {
			return gatehouse.Err(gatehouse.ReasonAdminToUnshare)
		}
		if target.ID == d.OwnerID {
			return gatehouse.Err(gatehouse.ReasonUnshareOwner)
		}
		if err := tx.Datasets().DeleteShare(ctx, d.ID, target.ID); err != nil {
			return recode(err, gatehouse.ENOTFOUND, errNoShare)
		}
		return s.audit(ctx, tx, gatehouse.AuditEvent{Type: gatehouse.AuditUnshare, Actor: p.Email, Subject: d.FullName(), Email: target.Email})
	})
}

// ListShares lists the shares of a dataset, with their accounts' e-mails,
// for its owner or an admin of it (EFORBIDDEN for a lower share, ENOTFOUND
// without any access).
// Callers: an API key, an access token or a console session (userCallers).
func (s *Service) ListShares(ctx context.Context, ref string) ([]gatehouse.ShareHolder, error) {
	p, err := authorize(ctx, userCallers)
	if err != nil {
		return nil, err
	}
	var out []gatehouse.ShareHolder
	err = s.store.View(ctx, func(tx gatehouse.Tx) error {
		d, perm, err := resolveDataset(ctx, tx, p, ref)
		if err != nil {
			return err
		}
		if !perm.AtLeast(gatehouse.PermAdmin) {
			return gatehouse.Err(gatehouse.ReasonAdminToShare)
		}
		out, err = tx.Datasets().FindSharesByDataset(ctx, d.ID)
		return err
	})
	return out, err
}

func (s *Service) shareTarget(ctx context.Context, tx gatehouse.Tx, p gatehouse.Principal, ref, email string) (*gatehouse.Dataset, *gatehouse.User, error) {
	d, perm, err := resolveDataset(ctx, tx, p, ref)
	if err != nil {
		return nil, nil, err
	}
	if !perm.AtLeast(gatehouse.PermAdmin) {
		return nil, nil, gatehouse.Err(gatehouse.ReasonAdminToShare)
	}
	target, err := findAccount(ctx, tx, email)
	if err != nil {
		return nil, nil, err
	}
	if target.ID == d.OwnerID {
		return nil, nil, gatehouse.Err(gatehouse.ReasonShareOwner)
	}
	if target.ID == p.UserID {
		return nil, nil, gatehouse.Err(gatehouse.ReasonShareSelf)
	}
	return d, target, nil
}

func findAccount(ctx context.Context, tx gatehouse.Tx, email string) (*gatehouse.User, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return nil, gatehouse.Err(gatehouse.ReasonEmailRequired)
	}
	u, err := tx.Users().FindUserByEmail(ctx, email)
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND {
		return nil, gatehouse.Err(gatehouse.ReasonNoSuchAccount).WithName(email)
	}
	return u, err
}
