package storetest

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/schema"
)

// LegacySettings is an app settings document as a store held it before
// migration 0008 (under the Sunshine wire's camelCase names), and the
// settings the app must read back with once migrated.
type LegacySettings struct {
	Name string
	Doc  string
	Want gatehouse.AppSettings
}

// Settings0007 are the settings documents a store at migration 0007 may
// hold: written by its codec (compact, every boolean, the retention left
// out when unset), or with keys an older codec did not write yet, a null
// retention, or a key no codec wrote (dropped by 0008).
var Settings0007 = []LegacySettings{
	{"defaults, no retention",
		`{"maskCreditCardNumbers":true,"useAnimalNames":false,"echoPostback":false,"ignoreAutoConversationStart":false,"multiConvoEnabled":false,"appLocalizationEnabled":false}`,
		gatehouse.AppSettings{MaskCreditCardNumbers: true}},
	{"retention set, every boolean true",
		`{"conversationRetentionSeconds":3600,"maskCreditCardNumbers":true,"useAnimalNames":true,"echoPostback":true,"ignoreAutoConversationStart":true,"multiConvoEnabled":true,"appLocalizationEnabled":true}`,
		gatehouse.AppSettings{ConversationRetentionSeconds: new(int64(3600)), MaskCreditCardNumbers: true, UseAnimalNames: true, EchoPostback: true,
			IgnoreAutoConversationStart: true, MultiConvoEnabled: true, AppLocalizationEnabled: true}},
	{"retention 0, every boolean false",
		`{"conversationRetentionSeconds":0,"maskCreditCardNumbers":false,"useAnimalNames":false,"echoPostback":false,"ignoreAutoConversationStart":false,"multiConvoEnabled":false,"appLocalizationEnabled":false}`,
		gatehouse.AppSettings{ConversationRetentionSeconds: new(int64(0))}},
	{"largest retention, mixed booleans",
		`{"conversationRetentionSeconds":9223372036854775807,"maskCreditCardNumbers":false,"useAnimalNames":true,"echoPostback":false,"ignoreAutoConversationStart":true,"multiConvoEnabled":false,"appLocalizationEnabled":true}`,
		gatehouse.AppSettings{ConversationRetentionSeconds: new(int64(math.MaxInt64)), UseAnimalNames: true, IgnoreAutoConversationStart: true, AppLocalizationEnabled: true}},
	{"null retention",
		`{"conversationRetentionSeconds":null,"maskCreditCardNumbers":true,"useAnimalNames":false,"echoPostback":true,"ignoreAutoConversationStart":false,"multiConvoEnabled":true,"appLocalizationEnabled":false}`,
		gatehouse.AppSettings{MaskCreditCardNumbers: true, EchoPostback: true, MultiConvoEnabled: true}},
	{"keys left out", `{"useAnimalNames":true}`, gatehouse.AppSettings{UseAnimalNames: true}},
	{"empty", `{}`, gatehouse.AppSettings{}},
	{"unknown key", `{"maskCreditCardNumbers":true,"futureSetting":1}`, gatehouse.AppSettings{MaskCreditCardNumbers: true}},
}

// settingsKeys are the keys a settings document may hold since migration
// 0008 (internal/store/appcodec).
var settingsKeys = map[string]bool{
	"conversation_retention_seconds": true, "mask_credit_card_numbers": true, "use_animal_names": true, "echo_postback": true,
	"ignore_auto_conversation_start": true, "multi_convo_enabled": true, "app_localization_enabled": true,
}

// Fill0008 is what a test of migration 0008 put in a store at 0007: app
// IDs[i] with settings Settings0007[i] and metadata Metadata, and app
// Corrupt with settings CorruptDoc, not a JSON object, and no metadata.
type Fill0008 struct {
	IDs        []string
	Metadata   string
	Corrupt    string
	CorruptDoc string
}

// CheckMigration0008 checks s, migrated from the store f describes.
// stored reads an app's settings and metadata columns as the database
// holds them ("" for NULL). Each document of Settings0007 must now hold
// only the store's names, each value of its JSON type (a boolean, not 1 or
// 0), and read back with the settings it had; metadata is untouched; the
// corrupt document is left as it was and reading its app is an error that
// names it.
func CheckMigration0008(t *testing.T, s gatehouse.Store, f Fill0008, stored func(t *testing.T, id string) (settings, metadata string)) {
	t.Helper()
	for i, c := range Settings0007 {
		t.Run(c.Name, func(t *testing.T) {
			doc, md := stored(t, f.IDs[i])
			checkSettings0008(t, s, f.IDs[i], doc, c.Want)
			if md != f.Metadata {
				t.Errorf("app %s: metadata %s became %s", f.IDs[i], f.Metadata, md)
			}
		})
	}
	if doc, _ := stored(t, f.Corrupt); doc != f.CorruptDoc {
		t.Errorf("corrupt settings %s became %s, want them left as they were", f.CorruptDoc, doc)
	}
	_, err := find(t, s, func(tx gatehouse.Tx) (*gatehouse.App, error) { return tx.Apps().FindAppByID(t.Context(), f.Corrupt) })
	if err == nil || !strings.Contains(err.Error(), f.Corrupt) {
		t.Errorf("reading the app with settings %s: %v, want an error naming it", f.CorruptDoc, err)
	}
}

func checkSettings0008(t *testing.T, s gatehouse.Store, id, doc string, want gatehouse.AppSettings) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatalf("app %s: settings %s: %v", id, doc, err)
	}
	for k, v := range m {
		if !settingsKeys[k] {
			t.Errorf("app %s: settings %s hold %q, not a store name", id, doc, k)
		}
		_, isNum := v.(float64)
		_, isBool := v.(bool)
		if k == "conversation_retention_seconds" && !isNum || k != "conversation_retention_seconds" && !isBool {
			t.Errorf("app %s: settings %s: %q is %#v", id, doc, k, v)
		}
	}
	a := mustFind(t, s, func(tx gatehouse.Tx) (*gatehouse.App, error) { return tx.Apps().FindAppByID(t.Context(), id) })
	if !reflect.DeepEqual(a.Settings, want) {
		t.Errorf("app %s (stored %s) reads back with settings %+v, want %+v", id, doc, a.Settings, want)
	}
}

// FutureMigration is the name a test records in a store's migrations table
// as a newer gatehouse would have recorded a migration of its own.
const FutureMigration = "9999_from_the_future.sql"

// NewerSchemaMessage is the error a store opened by a build whose last
// migration is latest gives for a database that also records unknown:
// backend is the message's prefix ("sqlite", "postgres").
func NewerSchemaMessage(backend, latest string, unknown ...string) string {
	verb := "is"
	if len(unknown) > 1 {
		verb = "are"
	}
	return backend + ": this database was migrated by a newer gatehouse (" + strings.Join(unknown, ", ") + " " + verb +
		" not known to this build, which knows up to " + latest + "); run that version or newer"
}

// CheckRefusesNewerSchema checks a database a newer gatehouse migrated:
// open (Open on it) must fail with a *schema.NewerError whose text is want
// (see NewerSchemaMessage), twice, and change nothing: state, which reads
// the migrations record, the schema and any rows the test put there, reads
// the same before and after. An older build must neither use such a
// database nor apply its own pending migrations to it.
func CheckRefusesNewerSchema(t *testing.T, open func() (gatehouse.Store, error), state func(t *testing.T) string, want string) {
	t.Helper()
	before := state(t)
	for i := range 2 {
		s, err := open()
		if err == nil {
			s.Close()
			t.Fatalf("open #%d: succeeded, want %q", i+1, want)
		}
		if _, ok := errors.AsType[*schema.NewerError](err); !ok || err.Error() != want {
			t.Fatalf("open #%d: %v (%T), want *schema.NewerError %q", i+1, err, err, want)
		}
	}
	if after := state(t); after != before {
		t.Errorf("a refused open changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}
