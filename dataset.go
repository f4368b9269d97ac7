package gatehouse

import (
	"strconv"
	"strings"
	"time"
)

// Classification is a dataset's marking.
type Classification string

// Classifications. CUI (Controlled Unclassified Information) datasets need a
// CAC-authenticated session to create.
const (
	Unclassified Classification = "Unclassified"
	CUI          Classification = "CUI"
)

// Permission is a user's level on a dataset. Owner is implied by owning the
// dataset and is never stored as a share.
type Permission string

// Permission levels, weakest first: read (select it for queries), edit (add
// content), admin (edit + share with others), owner (admin + delete).
const (
	PermRead  Permission = "read"
	PermEdit  Permission = "edit"
	PermAdmin Permission = "admin"
	PermOwner Permission = "owner"
)

// Shareable reports whether p may be granted through a share.
func (p Permission) Shareable() bool { return p == PermRead || p == PermEdit || p == PermAdmin }

// AtLeast reports whether p includes q.
func (p Permission) AtLeast(q Permission) bool { return p.rank() >= q.rank() }

func (p Permission) rank() int {
	switch p {
	case PermRead:
		return 1
	case PermEdit:
		return 2
	case PermAdmin:
		return 3
	case PermOwner:
		return 4
	}
	return 0
}

// Dataset is a named collection of content owned by one account.
type Dataset struct {
	ID             int64
	OwnerID        int64
	Name           string // the short name, e.g. "dataset-name"
	Classification Classification
	CreatedAt      time.Time
}

// FullName is the name clients use: user_custom_<OWNERID>_<NAME>_content.
func (d *Dataset) FullName() string { return DatasetFullName(d.OwnerID, d.Name) }

// Dataset name bounds (Ask Sage: 4..100; longer is its own error, 406).
const (
	DatasetNameMinLen = 4
	DatasetNameMaxLen = 100
)

const (
	datasetPrefix = "user_custom_"
	datasetSuffix = "_content"
)

// DatasetFullName builds the full name of owner's dataset name.
func DatasetFullName(ownerID int64, name string) string {
	return datasetPrefix + strconv.FormatInt(ownerID, 10) + "_" + name + datasetSuffix
}

// ParseDatasetFullName splits a full name into its owner id and short name.
// Short names cannot contain "_", which keeps this unambiguous.
func ParseDatasetFullName(s string) (ownerID int64, name string, ok bool) {
	rest, ok1 := strings.CutPrefix(s, datasetPrefix)
	rest, ok2 := strings.CutSuffix(rest, datasetSuffix)
	if !ok1 || !ok2 {
		return 0, "", false
	}
	idStr, name, ok3 := strings.Cut(rest, "_")
	if !ok3 || idStr == "" || len(idStr) > 18 {
		return 0, "", false
	}
	id, err := strconv.ParseInt(idStr, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != idStr {
		return 0, "", false
	}
	if ValidateDatasetName(name) != nil {
		return 0, "", false
	}
	return id, name, true
}

// ValidateDatasetName checks a short name: letters, digits and hyphens,
// 4 to 100 characters. Returns EINVALID, with ReasonNameTooLong over 100.
// Underscores are refused because they would make full names ambiguous.
func ValidateDatasetName(name string) error {
	if name == "" {
		return Err(ReasonDatasetRequired)
	}
	if len(name) > DatasetNameMaxLen {
		return Err(ReasonNameTooLong).WithLimit(DatasetNameMaxLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return Err(ReasonDatasetNameChars)
		}
	}
	if len(name) < DatasetNameMinLen {
		return Err(ReasonDatasetNameTooShort).WithLimit(DatasetNameMinLen)
	}
	return nil
}

// IsCUIName reports whether a short name marks CUI content ("CUI-" prefix).
func IsCUIName(name string) bool {
	return len(name) >= 4 && strings.EqualFold(name[:4], "CUI-")
}

// Share grants a user a permission on a dataset.
type Share struct {
	DatasetID  int64
	UserID     int64
	Permission Permission
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ShareHolder is a share with the e-mail of the account it is granted to,
// as a dataset's owner and admins see it.
type ShareHolder struct {
	Share
	Email string
}

// DatasetAccess is a dataset as one user sees it: with their permission
// (owner for their own).
type DatasetAccess struct {
	Dataset    Dataset
	Permission Permission
}
