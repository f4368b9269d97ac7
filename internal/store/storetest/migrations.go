package storetest

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"

	"github.com/gatehouse/gatehouse"
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

// CheckSettings0008 checks app id of s after migration 0008: doc, its
// settings document as stored, has only the store's names, each value of
// its JSON type (a boolean, not 1 or 0), and the app reads back with want.
func CheckSettings0008(t *testing.T, s gatehouse.Store, id, doc string, want gatehouse.AppSettings) {
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
