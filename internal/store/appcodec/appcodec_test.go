package appcodec_test

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store/appcodec"
)

// everySetting is one AppSettings per field with only that field set (a
// boolean true, the retention 7), so that a setting the codec drops shows.
func everySetting(t *testing.T) map[string]gatehouse.AppSettings {
	t.Helper()
	out := map[string]gatehouse.AppSettings{}
	typ := reflect.TypeFor[gatehouse.AppSettings]()
	for i := range typ.NumField() {
		var s gatehouse.AppSettings
		f := reflect.ValueOf(&s).Elem().Field(i)
		switch f.Interface().(type) {
		case bool:
			f.SetBool(true)
		case *int64:
			f.Set(reflect.ValueOf(new(int64(7))))
		default:
			t.Fatalf("AppSettings.%s is a %v: teach this test its values", typ.Field(i).Name, f.Type())
		}
		out[typ.Field(i).Name] = s
	}
	return out
}

// TestRoundTrip: what Encode writes, Decode reads back as it was: every
// setting, a retention of 0 apart from none, metadata nil apart from {},
// numbers with their digits.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	apps := map[string]*gatehouse.App{
		"zero":      {ID: "a1"},
		"defaults":  {ID: "a2", Settings: gatehouse.AppSettings{MaskCreditCardNumbers: true}, Metadata: map[string]any{}},
		"retention": {ID: "a3", Settings: gatehouse.AppSettings{ConversationRetentionSeconds: new(int64(0))}},
		"max":       {ID: "a4", Settings: gatehouse.AppSettings{ConversationRetentionSeconds: new(int64(math.MaxInt64))}},
		"metadata": {ID: "a5", Metadata: map[string]any{"big": json.Number("12345678901234567890"), "f": json.Number("1.50"),
			"e": json.Number("1e3"), "s": "<é>\u2028", "t": true, "n": false}},
	}
	for name, s := range everySetting(t) {
		apps[name] = &gatehouse.App{ID: "b", Settings: s}
	}
	for name, a := range apps {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			settings, metadata, err := appcodec.Encode(a)
			if err != nil {
				t.Fatal(err)
			}
			if (metadata == nil) != (a.Metadata == nil) {
				t.Errorf("metadata document %q for metadata %#v: nil and {} must differ", metadata, a.Metadata)
			}
			got := gatehouse.App{ID: a.ID, Metadata: map[string]any{"stale": "x"}}
			if err := appcodec.Decode(&got, settings, metadata); err != nil {
				t.Fatalf("Decode(%s, %s): %v", settings, metadata, err)
			}
			if !reflect.DeepEqual(got.Settings, a.Settings) {
				t.Errorf("settings %s read back as %+v, want %+v", settings, got.Settings, a.Settings)
			}
			if !reflect.DeepEqual(got.Metadata, a.Metadata) {
				t.Errorf("metadata %s read back as %#v, want %#v", metadata, got.Metadata, a.Metadata)
			}
		})
	}
}

// TestSettingsNames: the stored document uses the store's own snake_case
// names, each setting once, and no wire's camelCase (migration 0008 writes
// exactly these keys).
func TestSettingsNames(t *testing.T) {
	t.Parallel()
	want := []string{"conversation_retention_seconds", "mask_credit_card_numbers", "use_animal_names", "echo_postback",
		"ignore_auto_conversation_start", "multi_convo_enabled", "app_localization_enabled"}
	all := gatehouse.AppSettings{ConversationRetentionSeconds: new(int64(1))}
	for _, s := range everySetting(t) {
		v, w := reflect.ValueOf(&all).Elem(), reflect.ValueOf(s)
		for i := range v.NumField() {
			if !w.Field(i).IsZero() {
				v.Field(i).Set(w.Field(i))
			}
		}
	}
	settings, _, err := appcodec.Encode(&gatehouse.App{Settings: all})
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(settings, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc) != len(want) || len(want) != reflect.TypeFor[gatehouse.AppSettings]().NumField() {
		t.Errorf("document %s has %d keys; want the %d settings %v", settings, len(doc), len(want), want)
	}
	for _, k := range want {
		if _, ok := doc[k]; !ok {
			t.Errorf("document %s lacks %q", settings, k)
		}
	}
	if none, _, _ := appcodec.Encode(&gatehouse.App{}); strings.Contains(string(none), "retention") {
		t.Errorf("settings without a retention stored as %s: a nil retention is left out", none)
	}
}

// TestDecodeAccepts: documents the store has written at any version since
// 0008 read back, including ones written before a setting existed (a key
// left out) and null values, with JSONB's spacing.
func TestDecodeAccepts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, doc string
		want      gatehouse.AppSettings
	}{
		{"empty", `{}`, gatehouse.AppSettings{}},
		{"some keys", `{"mask_credit_card_numbers": true}`, gatehouse.AppSettings{MaskCreditCardNumbers: true}},
		{"nulls", `{"conversation_retention_seconds": null, "use_animal_names": null}`, gatehouse.AppSettings{}},
		{"spaced", " \n{\"echo_postback\": true, \"conversation_retention_seconds\": 0}\n ", gatehouse.AppSettings{EchoPostback: true, ConversationRetentionSeconds: new(int64(0))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var a gatehouse.App
			if err := appcodec.Decode(&a, []byte(tc.doc), nil); err != nil {
				t.Fatalf("Decode(%s): %v", tc.doc, err)
			}
			if !reflect.DeepEqual(a.Settings, tc.want) {
				t.Errorf("Decode(%s) = %+v, want %+v", tc.doc, a.Settings, tc.want)
			}
		})
	}
}

// TestDecodeRefusesCorrupt: a document the store cannot have written is an
// error naming the app and what is wrong, never defaults read in silence.
func TestDecodeRefusesCorrupt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, settings, metadata, want string
	}{
		{"not JSON", `{"mask_credit_card_numbers": tru`, ``, "unexpected EOF"},
		{"empty", ``, ``, "not a JSON object"},
		{"null", `null`, ``, "not a JSON object"},
		{"array", `[true]`, ``, "not a JSON object"},
		{"camelCase", `{"maskCreditCardNumbers": true}`, ``, `unknown field "maskCreditCardNumbers"`},
		{"unknown key", `{"mask_credit_card_numbers": true, "extra": 1}`, ``, `unknown field "extra"`},
		{"wrong type", `{"use_animal_names": 1}`, ``, "use_animal_names"},
		{"fractional retention", `{"conversation_retention_seconds": 1.5}`, ``, "conversation_retention_seconds"},
		{"trailing data", `{} {}`, ``, "data after the object"},
		{"metadata not JSON", `{}`, `{"a":`, "metadata"},
		{"metadata not an object", `{}`, `[1]`, "metadata"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := gatehouse.App{ID: "0123456789abcdef01234567"}
			var md []byte
			if tc.metadata != "" {
				md = []byte(tc.metadata)
			}
			err := appcodec.Decode(&a, []byte(tc.settings), md)
			if err == nil {
				t.Fatalf("Decode(%q, %q) = nil error, settings %+v", tc.settings, tc.metadata, a.Settings)
			}
			for _, w := range []string{tc.want, a.ID} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Decode(%q, %q) = %q, want it to say %q", tc.settings, tc.metadata, err, w)
				}
			}
		})
	}
}

// TestDecodeRemembered: decoding a document again (the memo answers) gives
// the same settings as the first time, each app its own retention, and a
// refused document stays refused however often it is read.
func TestDecodeRemembered(t *testing.T) {
	t.Parallel()
	doc := []byte(`{"conversation_retention_seconds": 86400, "mask_credit_card_numbers": true, "echo_postback": true}`)
	want := gatehouse.AppSettings{ConversationRetentionSeconds: new(int64(86400)), MaskCreditCardNumbers: true, EchoPostback: true}
	var apps [3]gatehouse.App
	for i := range apps {
		if err := appcodec.Decode(&apps[i], doc, nil); err != nil {
			t.Fatalf("Decode #%d: %v", i, err)
		}
		if !reflect.DeepEqual(apps[i].Settings, want) {
			t.Fatalf("Decode #%d = %+v, want %+v", i, apps[i].Settings, want)
		}
	}
	*apps[0].Settings.ConversationRetentionSeconds = 1
	for i := 1; i < len(apps); i++ {
		if got := *apps[i].Settings.ConversationRetentionSeconds; got != 86400 {
			t.Fatalf("app #%d's retention became %d when app #0's changed: the two share it", i, got)
		}
	}
	var again gatehouse.App
	if err := appcodec.Decode(&again, doc, nil); err != nil || *again.Settings.ConversationRetentionSeconds != 86400 {
		t.Fatalf("Decode after a caller changed its copy: %+v, %v; want retention 86400", again.Settings, err)
	}
	bad := []byte(`{"maskCreditCardNumbers": true}`)
	for i := range 3 {
		if err := appcodec.Decode(&gatehouse.App{}, bad, nil); err == nil {
			t.Fatalf("Decode #%d of a camelCase document: nil error", i)
		}
	}
	// Many distinct documents, each read twice, read back right.
	for n := range 3000 {
		d := []byte(fmt.Sprintf(`{"conversation_retention_seconds": %d}`, n))
		for range 2 {
			var a gatehouse.App
			if err := appcodec.Decode(&a, d, nil); err != nil || *a.Settings.ConversationRetentionSeconds != int64(n) {
				t.Fatalf("Decode(%s) = %+v, %v", d, a.Settings, err)
			}
		}
	}
}
