package core

import (
	"context"
	"crypto/subtle"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/objectid"
)

var (
	// errAppNotFound is an unknown app, or one of another account.
	errAppNotFound = gatehouse.Err(gatehouse.ReasonAppNotFound)
	// errKeyNotFound is an unknown key of a known app.
	errKeyNotFound  = gatehouse.Err(gatehouse.ReasonAppKeyNotFound)
	errAccountScope = gatehouse.Err(gatehouse.ReasonAccountScope)
	errOtherApp     = gatehouse.Err(gatehouse.ReasonOtherApp)
)

// applySettings applies p to s, keeping the rules on settings: a retention
// of at least 0, and multiConvoEnabled, once on, never off again.
func applySettings(s *gatehouse.AppSettings, p gatehouse.AppSettingsPatch) error {
	if p.ConversationRetentionSeconds != nil {
		if *p.ConversationRetentionSeconds < 0 {
			return gatehouse.Err(gatehouse.ReasonRetentionNegative)
		}
		v := *p.ConversationRetentionSeconds
		s.ConversationRetentionSeconds = &v
	}
	set := func(dst *bool, v *bool) {
		if v != nil {
			*dst = *v
		}
	}
	set(&s.MaskCreditCardNumbers, p.MaskCreditCardNumbers)
	set(&s.UseAnimalNames, p.UseAnimalNames)
	set(&s.EchoPostback, p.EchoPostback)
	set(&s.IgnoreAutoConversationStart, p.IgnoreAutoConversationStart)
	set(&s.AppLocalizationEnabled, p.AppLocalizationEnabled)
	if p.MultiConvoEnabled != nil {
		// "multiConvoEnabled ... cannot be disabled once enabled."
		if s.MultiConvoEnabled && !*p.MultiConvoEnabled {
			return gatehouse.Err(gatehouse.ReasonMultiConvoLocked)
		}
		s.MultiConvoEnabled = *p.MultiConvoEnabled
	}
	return nil
}

// MetadataPatch changes an app's metadata: Clear sets it to null; otherwise
// Set is merged in, a nil value removing that key.
type MetadataPatch struct {
	Given bool
	Clear bool
	Set   map[string]any
}

// AppPatch is an app update; zero fields are left alone.
type AppPatch struct {
	DisplayName *string
	Settings    gatehouse.AppSettingsPatch
	Metadata    MetadataPatch
}

// defaultSettings are a new app's settings (Sunshine masks card numbers by
// default).
func defaultSettings() gatehouse.AppSettings {
	return gatehouse.AppSettings{MaskCreditCardNumbers: true}
}

// CreateApp creates an app in the caller's account. Account keys only.
// A nil name is a missing displayName. A metadata value that is not a
// string, number or boolean is EINVALID whoever asks.
// Callers: an account key or a console session (accountCallers).
func (s *Service) CreateApp(ctx context.Context, name *string, settings gatehouse.AppSettingsPatch, metadata map[string]any) (*gatehouse.App, error) {
	if err := gatehouse.ValidateAppMetadataValues(metadata, false); err != nil {
		return nil, err
	}
	p, err := authorize(ctx, accountCallers)
	if err != nil {
		return nil, err
	}
	if name == nil {
		return nil, gatehouse.Err(gatehouse.ReasonDisplayNameRequired)
	}
	if err := gatehouse.ValidateAppName(*name); err != nil {
		return nil, err
	}
	if err := gatehouse.ValidateAppMetadata(metadata); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	a := &gatehouse.App{ID: s.ids.New(now), AccountID: p.UserID, DisplayName: *name, Settings: defaultSettings(), Metadata: metadata, CreatedAt: now, UpdatedAt: now}
	if err := applySettings(&a.Settings, settings); err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx gatehouse.Tx) error {
		if err := tx.Apps().CreateApp(ctx, a); err != nil {
			return err
		}
		return s.audit(ctx, tx, gatehouse.AuditEvent{Type: gatehouse.AuditAppCreate, Actor: p.Email, Subject: "app " + a.ID, Email: p.Email})
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// AppList is a page of apps with what lies on either side of it.
type AppList struct {
	Apps      []*gatehouse.App
	HasMore   bool // more records after this page (or before it, when paging backwards)
	HasAfter  bool // records after the last one of this page
	HasBefore bool // records before the first one of this page
}

// App page sizes (Sunshine: default 25, 1..100).
const (
	AppPageDefault = 25
	AppPageMax     = 100
)

// ListApps lists a page of the caller's apps in id order. Account keys only.
// A page naming a service account is EFORBIDDEN, and a negative size
// EINVALID, whoever asks; bad cursors or a size over AppPageMax are EINVALID.
// Callers: an account key or a console session (accountCallers).
func (s *Service) ListApps(ctx context.Context, page gatehouse.AppPage) (*AppList, error) {
	if page.ServiceAccountID != "" {
		return nil, gatehouse.Err(gatehouse.ReasonServiceAccountMismatch)
	}
	if page.Size < 0 {
		return nil, gatehouse.Err(gatehouse.ReasonBadPage)
	}
	p, err := authorize(ctx, accountCallers)
	if err != nil {
		return nil, err
	}
	if page.After != "" && page.Before != "" {
		return nil, gatehouse.Err(gatehouse.ReasonBadPage)
	}
	if page.Size == 0 {
		page.Size = AppPageDefault
	}
	if page.Size < 1 || page.Size > AppPageMax ||
		page.After != "" && !objectid.Valid(page.After) || page.Before != "" && !objectid.Valid(page.Before) {
		return nil, gatehouse.Err(gatehouse.ReasonBadPage)
	}
	out := &AppList{}
	err = s.store.View(ctx, func(tx gatehouse.Tx) error {
		apps, more, err := tx.Apps().FindAppsByAccount(ctx, p.UserID, page)
		if err != nil {
			return err
		}
		out.Apps, out.HasMore = apps, more
		if page.Before != "" {
			out.HasBefore = more
			if len(apps) > 0 {
				out.HasAfter, err = tx.Apps().HasAppsBeyond(ctx, p.UserID, apps[len(apps)-1].ID, false)
			}
			return err
		}
		out.HasAfter = more
		if len(apps) > 0 {
			out.HasBefore, err = tx.Apps().HasAppsBeyond(ctx, p.UserID, apps[0].ID, true)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// appAccess loads app id for the caller. accountOnly operations refuse app
// keys (EFORBIDDEN); an app key may only reach its own app (EFORBIDDEN for
// any other, whether it exists or not, so nothing is learnt); an account key
// sees only its account's apps (errAppNotFound for the rest).
// lockAccount makes the account's row the Update's (LockUser) before a rule
// about its apps reads anything: the key count of an app, the app a patch
// starts from. Apps belong to one account, so its writes take turns and
// other accounts' do not wait.
func lockAccount(ctx context.Context, tx gatehouse.Tx, id int64) error {
	_, err := tx.Users().LockUser(ctx, id)
	return err
}

func appAccess(ctx context.Context, tx gatehouse.Tx, p gatehouse.Principal, id string, accountOnly bool) (*gatehouse.App, error) {
	switch p.Kind {
	case gatehouse.CredAppKey:
		if accountOnly {
			return nil, errAccountScope
		}
		if p.AppID != id {
			return nil, errOtherApp
		}
	case gatehouse.CredAccountKey, gatehouse.CredSession:
	default:
		return nil, errAccountScope
	}
	if !objectid.Valid(id) {
		return nil, errAppNotFound
	}
	a, err := tx.Apps().FindAppByID(ctx, id)
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND || err == nil && a.AccountID != p.UserID {
		return nil, errAppNotFound
	}
	return a, err
}

// GetApp returns an app: account keys of its account, or its own app keys.
// Callers: an account key, a console session, or an app key of that app (appCallers).
func (s *Service) GetApp(ctx context.Context, id string) (*gatehouse.App, error) {
	p, err := authorize(ctx, appCallers)
	if err != nil {
		return nil, err
	}
	var a *gatehouse.App
	err = s.store.Read(ctx, func(tx gatehouse.Tx) error {
		a, err = appAccess(ctx, tx, p, id, false)
		return err
	})
	return a, err
}

// UpdateApp changes an app: account keys of its account, or its own app
// keys. Metadata merges, a null value removing a key; null metadata clears;
// any other value that is not a string, number or boolean is EINVALID
// whoever asks.
// Callers: an account key, a console session, or an app key of that app (appCallers).
func (s *Service) UpdateApp(ctx context.Context, id string, patch AppPatch) (*gatehouse.App, error) {
	if err := gatehouse.ValidateAppMetadataValues(patch.Metadata.Set, true); err != nil {
		return nil, err
	}
	p, err := authorize(ctx, appCallers)
	if err != nil {
		return nil, err
	}
	if patch.DisplayName != nil {
		if err := gatehouse.ValidateAppName(*patch.DisplayName); err != nil {
			return nil, err
		}
	}
	var a *gatehouse.App
	err = s.store.Update(ctx, func(tx gatehouse.Tx) error {
		if err := lockAccount(ctx, tx, p.UserID); err != nil {
			return err
		}
		if a, err = appAccess(ctx, tx, p, id, false); err != nil {
			return err
		}
		if patch.DisplayName != nil {
			a.DisplayName = *patch.DisplayName
		}
		if err := applySettings(&a.Settings, patch.Settings); err != nil {
			return err
		}
		if patch.Metadata.Given {
			if patch.Metadata.Clear {
				a.Metadata = nil
			} else {
				m := make(map[string]any, len(a.Metadata)+len(patch.Metadata.Set))
				for k, v := range a.Metadata {
					m[k] = v
				}
				for k, v := range patch.Metadata.Set {
					if v == nil {
						delete(m, k)
					} else {
						m[k] = v
					}
				}
				a.Metadata = m
			}
			if err := gatehouse.ValidateAppMetadata(a.Metadata); err != nil {
				return err
			}
		}
		a.UpdatedAt = s.now().UTC()
		return recode(tx.Apps().UpdateApp(ctx, a), gatehouse.ENOTFOUND, errAppNotFound)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// DeleteApp deletes an app and its keys, which stop working at once here
// and within a second on every node. Account keys only.
// Callers: an account key or a console session (accountCallers).
func (s *Service) DeleteApp(ctx context.Context, id string) error {
	p, err := authorize(ctx, accountCallers)
	if err != nil {
		return err
	}
	err = s.store.Update(ctx, func(tx gatehouse.Tx) error {
		if err := lockAccount(ctx, tx, p.UserID); err != nil {
			return err
		}
		if _, err := appAccess(ctx, tx, p, id, true); err != nil {
			return err
		}
		if _, err := tx.Apps().DeleteApp(ctx, id); err != nil {
			return recode(err, gatehouse.ENOTFOUND, errAppNotFound)
		}
		if err := s.audit(ctx, tx, gatehouse.AuditEvent{Type: gatehouse.AuditAppDelete, Actor: p.Email, Subject: "app " + id, Email: p.Email}); err != nil {
			return err
		}
		return tx.Revocations().CreateRevocation(ctx, &gatehouse.Revocation{Kind: gatehouse.RevokeApp, Subject: id, At: s.now().UTC()})
	})
	if err != nil {
		return err
	}
	s.cache.revoke(subjectApp(id))
	return nil
}

// AppKeyView is an app key with its secret opened (Sunshine returns it on
// create, list and get).
type AppKeyView struct {
	Key    *gatehouse.AppKey
	Secret string
}

// CreateAppKey makes a key for an app (at most 10 per app). Account keys
// only.
// Callers: an account key or a console session (accountCallers).
func (s *Service) CreateAppKey(ctx context.Context, appID, name string) (*AppKeyView, error) {
	p, err := authorize(ctx, accountCallers)
	if err != nil {
		return nil, err
	}
	if err := validateKeyDisplayName(name); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	sec := credential.NewKeySecret()
	k := &gatehouse.AppKey{ID: credential.AppKeyPrefix + s.ids.New(now), AppID: appID, DisplayName: name, CreatedAt: now}
	k.SecretSealed = s.box.Seal(k.ID, []byte(sec))
	err = s.store.Update(ctx, func(tx gatehouse.Tx) error {
		if err := lockAccount(ctx, tx, p.UserID); err != nil {
			return err
		}
		if _, err := appAccess(ctx, tx, p, appID, true); err != nil {
			return err
		}
		n, err := tx.AppKeys().CountAppKeysByApp(ctx, appID)
		if err != nil {
			return err
		}
		if n >= gatehouse.AppKeysMax {
			return gatehouse.Err(gatehouse.ReasonAppKeysMax).WithLimit(gatehouse.AppKeysMax)
		}
		if err := tx.AppKeys().CreateAppKey(ctx, k); err != nil {
			return err
		}
		return s.audit(ctx, tx, gatehouse.AuditEvent{Type: gatehouse.AuditAppKeyCreate, Actor: p.Email, Subject: k.ID, Email: p.Email, Detail: "app " + appID})
	})
	if err != nil {
		return nil, err
	}
	s.neg.forget(basicHash(k.ID, sec))
	return &AppKeyView{Key: k, Secret: sec}, nil
}

// ListAppKeys lists an app's keys with their secrets. Account keys only.
// Callers: an account key or a console session (accountCallers).
func (s *Service) ListAppKeys(ctx context.Context, appID string) ([]AppKeyView, error) {
	p, err := authorize(ctx, accountCallers)
	if err != nil {
		return nil, err
	}
	var keys []*gatehouse.AppKey
	err = s.store.View(ctx, func(tx gatehouse.Tx) error {
		if _, err := appAccess(ctx, tx, p, appID, true); err != nil {
			return err
		}
		keys, err = tx.AppKeys().FindAppKeysByApp(ctx, appID)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]AppKeyView, 0, len(keys))
	for _, k := range keys {
		sec, err := s.box.Open(k.ID, k.SecretSealed)
		if err != nil {
			return nil, err
		}
		out = append(out, AppKeyView{Key: k, Secret: string(sec)})
	}
	return out, nil
}

// GetAppKey returns one key of an app with its secret. Account keys only.
// Callers: an account key or a console session (accountCallers).
func (s *Service) GetAppKey(ctx context.Context, appID, keyID string) (*AppKeyView, error) {
	p, err := authorize(ctx, accountCallers)
	if err != nil {
		return nil, err
	}
	var k *gatehouse.AppKey
	err = s.store.View(ctx, func(tx gatehouse.Tx) error {
		if _, err := appAccess(ctx, tx, p, appID, true); err != nil {
			return err
		}
		k, err = tx.AppKeys().FindAppKeyByID(ctx, keyID)
		if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND || err == nil && k.AppID != appID {
			return errKeyNotFound
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	sec, err := s.box.Open(k.ID, k.SecretSealed)
	if err != nil {
		return nil, err
	}
	return &AppKeyView{Key: k, Secret: string(sec)}, nil
}

// DeleteAppKey deletes an app key; it stops working at once here and within
// a second on every node. Account keys only.
// Callers: an account key or a console session (accountCallers).
func (s *Service) DeleteAppKey(ctx context.Context, appID, keyID string) error {
	p, err := authorize(ctx, accountCallers)
	if err != nil {
		return err
	}
	err = s.store.Update(ctx, func(tx gatehouse.Tx) error {
		if err := lockAccount(ctx, tx, p.UserID); err != nil {
			return err
		}
		if _, err := appAccess(ctx, tx, p, appID, true); err != nil {
			return err
		}
		if err := tx.AppKeys().DeleteAppKey(ctx, appID, keyID); err != nil {
			if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND {
				return errKeyNotFound
			}
			return err
		}
		if err := s.audit(ctx, tx, gatehouse.AuditEvent{Type: gatehouse.AuditAppKeyDelete, Actor: p.Email, Subject: keyID, Email: p.Email, Detail: "app " + appID}); err != nil {
			return err
		}
		return tx.Revocations().CreateRevocation(ctx, &gatehouse.Revocation{Kind: gatehouse.RevokeAppKey, Subject: keyID, At: s.now().UTC()})
	})
	if err != nil {
		return err
	}
	s.cache.revoke(subjectCred(keyID))
	return nil
}

func validateKeyDisplayName(name string) error {
	if strings.TrimSpace(name) == "" {
		return gatehouse.Err(gatehouse.ReasonDisplayNameRequired)
	}
	if len([]rune(name)) > gatehouse.AppKeyNameMaxLen {
		return gatehouse.Err(gatehouse.ReasonKeyDisplayNameTooLong).WithLimit(gatehouse.AppKeyNameMaxLen)
	}
	return nil
}

// constantTimeEqual compares secrets without leaking where they differ.
func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
