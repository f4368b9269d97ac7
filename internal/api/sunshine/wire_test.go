package sunshine

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpio"
)

// TestSettingsBothWays: an answer shows every setting of the app (each
// boolean, true or false; the retention when set, 0 included), and the
// same bytes read back as a request give a patch that sets each one to
// what it was. A setting added to the domain but not to toSettings fails
// here.
func TestSettingsBothWays(t *testing.T) {
	t.Parallel()
	typ := reflect.TypeFor[gatehouse.AppSettings]()
	cases := map[string]gatehouse.AppSettings{"zero": {}, "retention 0": {ConversationRetentionSeconds: new(int64(0))}}
	for i := range typ.NumField() {
		var s gatehouse.AppSettings
		f := reflect.ValueOf(&s).Elem().Field(i)
		switch f.Kind() {
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Pointer:
			f.Set(reflect.New(f.Type().Elem()))
			f.Elem().SetInt(86400)
		default:
			t.Fatalf("AppSettings.%s is a %v: teach this test its values", typ.Field(i).Name, f.Type())
		}
		cases[typ.Field(i).Name] = s
	}
	for name, s := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(toSettings(s))
			if err != nil {
				t.Fatal(err)
			}
			var shown map[string]any
			if err := json.Unmarshal(b, &shown); err != nil {
				t.Fatal(err)
			}
			want := typ.NumField()
			if s.ConversationRetentionSeconds == nil {
				want-- // an unset retention is left out, not null
			}
			if len(shown) != want {
				t.Errorf("answer %s shows %d settings, want %d", b, len(shown), want)
			}
			var back *appSettings
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			p := reflect.ValueOf(back.patch())
			v := reflect.ValueOf(s)
			for i := range typ.NumField() {
				pf, sf := p.Field(i), v.Field(i)
				if sf.Kind() != reflect.Pointer {
					if pf.IsNil() || pf.Elem().Interface() != sf.Interface() {
						t.Errorf("%s: answer %s read back as %v, want %v", typ.Field(i).Name, b, pf, sf)
					}
				} else if pf.IsNil() != sf.IsNil() || !sf.IsNil() && pf.Elem().Interface() != sf.Elem().Interface() {
					t.Errorf("%s: answer %s read back as %v, want %v", typ.Field(i).Name, b, pf, sf)
				}
			}
		})
	}
	if p := (*appSettings)(nil).patch(); p != (gatehouse.AppSettingsPatch{}) {
		t.Errorf("no settings in a request: patch %+v, want none", p)
	}
}

// TestWireListNeverNull: a list with no items, nil or empty, is [] on the
// wire, never null; items keep their order.
func TestWireListNeverNull(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		in   []*gatehouse.App
		want string
	}{
		"nil":   {nil, `[]`},
		"empty": {[]*gatehouse.App{}, `[]`},
		"two":   {[]*gatehouse.App{{ID: "b"}, {ID: "a"}}, `["b","a"]`},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(wireList(tc.in, func(a *gatehouse.App) string { return toApp(a).ID }))
			if err != nil || string(b) != tc.want {
				t.Errorf("wireList = %s (%v), want %s", b, err, tc.want)
			}
		})
	}
}

// TestAppJSON: an app's answer writes its own JSON exactly as encoding/json
// writes it, for every combination of settings set and unset, and does so
// whenever its metadata is null or {} and its strings are plain; any other
// app is left to encoding/json.
func TestAppJSON(t *testing.T) {
	t.Parallel()
	t1, f := true, false
	ret := int64(-3600)
	n := 0
	for mask := range 1 << 7 {
		// Each field of the settings set (alternately true and false) or
		// not, by the bits of mask.
		var s appSettings
		bools := [...]**bool{&s.MaskCreditCardNumbers, &s.UseAnimalNames, &s.EchoPostback, &s.IgnoreAutoConversationStart, &s.MultiConvoEnabled, &s.AppLocalizationEnabled}
		for i, p := range bools {
			if mask&(1<<i) != 0 {
				*p = &f
				if i%2 == 0 {
					*p = &t1
				}
			}
		}
		if mask&(1<<6) != 0 {
			s.ConversationRetentionSeconds = &ret
		}
		for _, c := range []struct {
			app   app
			plain bool
		}{
			{app{ID: "5f1b2c3d4e5f6a7b8c9d0e1f", DisplayName: "My <app> & co", Settings: s}, true},
			{app{ID: "x", DisplayName: "", Settings: s, Metadata: map[string]any{}}, true},
			{app{ID: "x", DisplayName: "n", Settings: s, Metadata: map[string]any{"k": "v"}}, false},
			{app{ID: "x", DisplayName: `"quoted"`, Settings: s}, false},
			{app{ID: "x", DisplayName: "café", Settings: s}, false},
		} {
			v := appResponse{App: c.app}
			got, ok := v.AppendJSON(nil)
			if ok != c.plain {
				t.Errorf("%+v: ok = %v, want %v", c.app, ok, c.plain)
			}
			if want, _ := httpio.Marshal(v); ok && !bytes.Equal(got, want) { // encoding/json's bytes
				t.Errorf("AppendJSON:\n got %s\nwant %s", got, want)
			}
			n++
		}
	}
	if n != 5<<7 {
		t.Fatalf("%d apps checked", n)
	}
}
