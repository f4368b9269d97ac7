package gatehouse

import (
	"encoding/json"
	"time"
	"unicode/utf8"
)

// App is a Sunshine Conversations app, owned by one account.
type App struct {
	ID          string // 24 lowercase hex characters
	AccountID   int64  // the owning user
	DisplayName string
	Settings    AppSettings
	// Metadata is a flat object of strings, numbers and booleans, or nil.
	Metadata  map[string]any
	CreatedAt time.Time
	UpdatedAt time.Time
}

// AppSettings are an app's settings; the zero value is the defaults.
type AppSettings struct {
	ConversationRetentionSeconds *int64
	MaskCreditCardNumbers        bool
	UseAnimalNames               bool
	EchoPostback                 bool
	IgnoreAutoConversationStart  bool
	MultiConvoEnabled            bool
	AppLocalizationEnabled       bool
}

// AppSettingsPatch changes some of an app's settings: a nil field leaves
// that setting alone. It has AppSettings' fields, each behind a pointer (a
// setting added to one is added to the other); the rules a change must keep
// (a retention of at least 0, multiConvoEnabled never turned off again) are
// core's.
type AppSettingsPatch struct {
	ConversationRetentionSeconds *int64
	MaskCreditCardNumbers        *bool
	UseAnimalNames               *bool
	EchoPostback                 *bool
	IgnoreAutoConversationStart  *bool
	MultiConvoEnabled            *bool
	AppLocalizationEnabled       *bool
}

// App limits (Sunshine: displayName 1..100, metadata at most 4 KB, at most
// 10 keys per app).
const (
	AppNameMaxLen    = 100
	AppMetadataMax   = 4096
	AppKeysMax       = 10
	AppKeyNameMaxLen = 100
)

// ValidateAppName checks a displayName.
func ValidateAppName(name string) error {
	n := utf8.RuneCountInString(name)
	if !utf8.ValidString(name) || n < 1 || n > AppNameMaxLen {
		return Err(ReasonAppNameLength).WithLimit(AppNameMaxLen)
	}
	return nil
}

// ValidateAppMetadata checks that metadata is flat (strings, numbers and
// booleans only) and at most 4096 bytes as JSON.
func ValidateAppMetadata(m map[string]any) error {
	if err := ValidateAppMetadataValues(m, false); err != nil {
		return err
	}
	if m == nil {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil || len(b) > AppMetadataMax {
		return Err(ReasonMetadataTooLarge).WithLimit(AppMetadataMax)
	}
	return nil
}

// ValidateAppMetadataValues checks that every value of m is a string, a
// number or a boolean, or, in a patch (removals), nil: a key to remove.
func ValidateAppMetadataValues(m map[string]any, removals bool) error {
	for _, v := range m {
		switch v.(type) {
		case string, float64, bool, json.Number, int, int64:
		case nil:
			if !removals {
				return Err(ReasonMetadataValue)
			}
		default:
			return Err(ReasonMetadataValue)
		}
	}
	return nil
}

// AppKey is an app-scoped API key (app_...). Its secret verifies HS256 JWTs
// and the Sunshine API returns it on create, list and get, so it is stored
// sealed (AES-GCM under the master key), never in clear.
type AppKey struct {
	ID           string // "app_" + 24 hex
	AppID        string
	DisplayName  string
	SecretSealed []byte
	CreatedAt    time.Time
}

// AccountKey is an account-scoped API key (act_...) with the same secret
// handling; it may manage every app of its account. Its secret is shown once.
type AccountKey struct {
	ID           string // "act_" + 24 hex
	UserID       int64
	Name         string
	SecretSealed []byte
	CreatedAt    time.Time
}

// AppPage selects a page of apps (Sunshine cursor pagination): records
// strictly after After, or strictly before Before, at most Size (0: the
// default size).
type AppPage struct {
	After  string
	Before string
	Size   int
	// ServiceAccountID asks for the apps of a service account; gatehouse
	// has none, so a page that names one is refused.
	ServiceAccountID string
}
