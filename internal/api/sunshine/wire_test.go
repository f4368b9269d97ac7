package sunshine

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/gatehouse/gatehouse"
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
