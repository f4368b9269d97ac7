package gatehouse_test

import (
	"reflect"
	"testing"

	"github.com/gatehouse/gatehouse"
)

// TestAppSettingsPatchHasEverySetting: the patch names every setting, in the
// same order, each as a pointer to the setting's type (a nil one leaves it
// alone), and nothing else, so a setting added to AppSettings alone fails
// here rather than being impossible to change.
func TestAppSettingsPatchHasEverySetting(t *testing.T) {
	t.Parallel()
	s := reflect.TypeFor[gatehouse.AppSettings]()
	p := reflect.TypeFor[gatehouse.AppSettingsPatch]()
	if s.NumField() != p.NumField() {
		t.Fatalf("AppSettings has %d fields, AppSettingsPatch %d", s.NumField(), p.NumField())
	}
	for i := range s.NumField() {
		sf, pf := s.Field(i), p.Field(i)
		want := sf.Type
		if want.Kind() != reflect.Pointer {
			want = reflect.PointerTo(want)
		}
		if sf.Name != pf.Name || pf.Type != want {
			t.Errorf("field %d: AppSettings.%s %v, AppSettingsPatch.%s %v; want AppSettingsPatch.%s %v", i, sf.Name, sf.Type, pf.Name, pf.Type, sf.Name, want)
		}
		if sf.Tag != "" || pf.Tag != "" {
			t.Errorf("field %s carries a tag: domain types have none", sf.Name)
		}
	}
}
