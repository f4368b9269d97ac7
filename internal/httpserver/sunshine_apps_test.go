package httpserver_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// Sunshine Conversations v2 apps (docs/spec/sunshine.md §3).

// defaultSettings are the settings a new app shows: every boolean
// materialised, card masking on (as Sunshine's examples show).
var defaultSettings = map[string]any{
	"maskCreditCardNumbers":       true,
	"useAnimalNames":              false,
	"echoPostback":                false,
	"ignoreAutoConversationStart": false,
	"multiConvoEnabled":           false,
	"appLocalizationEnabled":      false,
}

// checkAppShape asserts the answer is exactly {"app": {id, displayName,
// settings, metadata}} with a 24-lowercase-hex id.
func checkAppShape(t *testing.T, r result) wireApp {
	t.Helper()
	var top map[string]json.RawMessage
	decodeInto(t, r, &top)
	if len(top) != 1 || top["app"] == nil {
		t.Fatalf("want exactly {\"app\": ...}, got %s", r)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(top["app"], &fields); err != nil {
		t.Fatalf("app is not an object: %s", r)
	}
	for _, k := range []string{"id", "displayName", "settings", "metadata"} {
		if _, ok := fields[k]; !ok {
			t.Errorf("app lacks %q: %s", k, r)
		}
	}
	if len(fields) != 4 {
		t.Errorf("app has fields %v, want id, displayName, settings, metadata", keys(fields))
	}
	a := appOf(t, r)
	if !objectIDRE.MatchString(a.ID) {
		t.Errorf("app id %q is not 24 lowercase hex characters", a.ID)
	}
	return a
}

// settingsWith is defaultSettings with some values changed.
func settingsWith(kv ...any) map[string]any {
	m := make(map[string]any, len(defaultSettings))
	for k, v := range defaultSettings {
		m[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// TestSunshineAppsCreate201 covers POST /v2/apps with Basic and JWT account
// credentials, defaults materialised and given settings and metadata kept.
func TestSunshineAppsCreate201(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acct := e.newSunAccount(t)

	for name, cred := range acct.key.creds(t) {
		t.Run("minimal with "+name, func(t *testing.T) {
			r := e.call(t, http.MethodPost, "/v2/apps", cred, `{"displayName": "My App"}`)
			if r.status != http.StatusCreated {
				t.Fatalf("%s, want 201", r)
			}
			a := checkAppShape(t, r)
			if a.DisplayName != "My App" || a.Metadata != nil {
				t.Errorf("app %+v, want displayName My App and null metadata", a)
			}
			if !reflect.DeepEqual(a.Settings, defaultSettings) {
				t.Errorf("settings %v, want the defaults %v", a.Settings, defaultSettings)
			}
			if !strings.Contains(string(r.body), `"metadata":null`) {
				t.Errorf("metadata must be null when not given: %s", r)
			}
			g := e.call(t, http.MethodGet, "/v2/apps/"+a.ID, cred, "")
			if g.status != http.StatusOK || !reflect.DeepEqual(checkAppShape(t, g), a) {
				t.Errorf("GET after create: %s, want %+v", g, a)
			}
		})
	}

	t.Run("settings and metadata", func(t *testing.T) {
		body := `{"displayName": "Full", "settings": {"useAnimalNames": true, "conversationRetentionSeconds": 3600, "maskCreditCardNumbers": false},
			"metadata": {"tier": "gold", "seats": 12, "ratio": 1.5, "beta": true, "big": 12345678901234567890}}`
		r := e.call(t, http.MethodPost, "/v2/apps", acct.key.basic(), body)
		if r.status != http.StatusCreated {
			t.Fatalf("%s, want 201", r)
		}
		a := checkAppShape(t, r)
		want := settingsWith("useAnimalNames", true, "maskCreditCardNumbers", false, "conversationRetentionSeconds", json.Number("3600"))
		if !reflect.DeepEqual(a.Settings, want) {
			t.Errorf("settings %v, want %v", a.Settings, want)
		}
		wantMD := map[string]any{"tier": "gold", "seats": json.Number("12"), "ratio": json.Number("1.5"), "beta": true, "big": json.Number("12345678901234567890")}
		if !reflect.DeepEqual(a.Metadata, wantMD) {
			t.Errorf("metadata %v, want %v (numbers exact)", a.Metadata, wantMD)
		}
		g := e.call(t, http.MethodGet, "/v2/apps/"+a.ID, acct.key.basic(), "")
		if got := checkAppShape(t, g); !reflect.DeepEqual(got, a) {
			t.Errorf("GET %+v, want what POST returned %+v", got, a)
		}
	})

	t.Run("displayName limits", func(t *testing.T) {
		for _, name := range []string{"x", strings.Repeat("a", 100), strings.Repeat("é", 100), "日本語のアプリ"} {
			a := e.createApp(t, acct.key.basic(), name)
			if a.DisplayName != name {
				t.Errorf("displayName %q, want %q", a.DisplayName, name)
			}
		}
	})

	t.Run("metadata at exactly 4096 bytes", func(t *testing.T) {
		md := map[string]string{"k": strings.Repeat("x", 4096-len(`{"k":""}`))}
		r := e.call(t, http.MethodPost, "/v2/apps", acct.key.basic(), mustJSON(t, map[string]any{"displayName": "edge", "metadata": md}))
		if r.status != http.StatusCreated {
			t.Errorf("%s, want 201", r)
		}
	})

	t.Run("the JS client's headers", func(t *testing.T) {
		h := append(acct.key.basic(), "Accept", ctJSON, "User-Agent", "OpenAPI-Generator/14.1.0/Javascript(Node.js)", "Accept-Encoding", "gzip, deflate")
		r := e.call(t, http.MethodPost, "/v2/apps", h, `{"displayName": "js"}`)
		if r.status != http.StatusCreated {
			t.Errorf("%s, want 201", r)
		}
	})
}

// TestSunshineAppsCreate400 covers invalid create bodies: bad_request, in
// the Sunshine envelope, and nothing created.
func TestSunshineAppsCreate400(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acct := e.newSunAccount(t)
	h := acct.key.basic()
	bad := func(name, body string, title ...string) scenario {
		return scenario{name: name, path: "/v2/apps", headers: h, body: body, wantStatus: http.StatusBadRequest,
			want: []string{`"code":"bad_request"`}, notWant: []string{`"app"`},
			check: func(t *testing.T, r result) {
				if len(title) > 0 {
					wantError(t, name, r, http.StatusBadRequest, "bad_request", title[0])
				}
			}}
	}
	bigMD := mustJSON(t, map[string]any{"displayName": "big", "metadata": map[string]string{"k": strings.Repeat("x", 4097-len(`{"k":""}`))}})
	var many strings.Builder
	many.WriteString(`{"displayName": "many", "metadata": {`)
	for i := range 300 {
		if i > 0 {
			many.WriteString(",")
		}
		fmt.Fprintf(&many, `"key%03d": "value"`, i)
	}
	many.WriteString("}}")
	const required = "should have required property 'displayName'"
	e.run(t, []scenario{
		bad("missing displayName", `{}`, required),
		bad("only settings", `{"settings": {"useAnimalNames": true}}`, required),
		bad("no body", ``, required),
		bad("displayName null", `{"displayName": null}`),
		bad("displayName empty", `{"displayName": ""}`),
		bad("displayName 101 characters", mustJSON(t, map[string]string{"displayName": strings.Repeat("a", 101)})),
		bad("displayName 101 runes", mustJSON(t, map[string]string{"displayName": strings.Repeat("é", 101)})),
		bad("displayName a number", `{"displayName": 5}`),
		bad("displayName an object", `{"displayName": {"a": "b"}}`),
		bad("metadata nested object", `{"displayName": "x", "metadata": {"a": {"b": "c"}}}`),
		bad("metadata array value", `{"displayName": "x", "metadata": {"a": [1, 2]}}`),
		bad("metadata null value", `{"displayName": "x", "metadata": {"a": null}}`),
		bad("metadata an array", `{"displayName": "x", "metadata": [1]}`),
		bad("metadata a string", `{"displayName": "x", "metadata": "flat"}`),
		bad("metadata over 4096 bytes", bigMD, "App metadata is limited to 4096 bytes in size."),
		bad("metadata over 4096 bytes in many keys", many.String(), "App metadata is limited to 4096 bytes in size."),
		bad("settings a string", `{"displayName": "x", "settings": "on"}`),
		bad("negative retention", `{"displayName": "x", "settings": {"conversationRetentionSeconds": -1}}`),
		bad("boolean setting as a string", `{"displayName": "x", "settings": {"useAnimalNames": "yes"}}`),
		bad("not JSON", `displayName=x`),
		bad("a JSON array", `[{"displayName": "x"}]`),
		bad("trailing garbage", `{"displayName": "x"} {}`),
		bad("duplicate key", `{"displayName": "x", "displayName": "y"}`),
	})
	t.Run("nothing was created", func(t *testing.T) {
		r := e.call(t, http.MethodGet, "/v2/apps", h, "")
		if r.status != http.StatusOK || !strings.Contains(string(r.body), `"apps":[]`) {
			t.Errorf("%s, want no apps", r)
		}
	})
}

// TestSunshineAppsGetPatchDelete covers GET, PATCH (merge rules) and DELETE
// of one app, and 404 app_not_found for unknown and malformed ids.
func TestSunshineAppsGetPatchDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acct := e.newSunAccount(t)
	h := acct.key.basic()
	a := e.createApp(t, h, "patched")
	path := "/v2/apps/" + a.ID

	patch := func(t *testing.T, body string) wireApp {
		t.Helper()
		r := e.call(t, http.MethodPatch, path, h, body)
		if r.status != http.StatusOK {
			t.Fatalf("PATCH %s: %s, want 200", body, r)
		}
		got := checkAppShape(t, r)
		if g := checkAppShape(t, e.call(t, http.MethodGet, path, h, "")); !reflect.DeepEqual(g, got) {
			t.Errorf("GET after PATCH %+v, want what PATCH returned %+v", g, got)
		}
		return got
	}
	steps := []struct {
		name, body string
		want       wireApp
	}{
		{"displayName", `{"displayName": "renamed"}`,
			wireApp{ID: a.ID, DisplayName: "renamed", Settings: defaultSettings}},
		{"settings merge", `{"settings": {"useAnimalNames": true}}`,
			wireApp{ID: a.ID, DisplayName: "renamed", Settings: settingsWith("useAnimalNames", true)}},
		{"settings merge again", `{"settings": {"echoPostback": true, "maskCreditCardNumbers": false}}`,
			wireApp{ID: a.ID, DisplayName: "renamed", Settings: settingsWith("useAnimalNames", true, "echoPostback", true, "maskCreditCardNumbers", false)}},
		{"metadata set", `{"metadata": {"a": "1", "b": 2, "c": true}}`,
			wireApp{ID: a.ID, DisplayName: "renamed", Settings: settingsWith("useAnimalNames", true, "echoPostback", true, "maskCreditCardNumbers", false),
				Metadata: map[string]any{"a": "1", "b": json.Number("2"), "c": true}}},
		{"metadata merge, null removes a key", `{"metadata": {"b": null, "d": "new"}}`,
			wireApp{ID: a.ID, DisplayName: "renamed", Settings: settingsWith("useAnimalNames", true, "echoPostback", true, "maskCreditCardNumbers", false),
				Metadata: map[string]any{"a": "1", "c": true, "d": "new"}}},
		{"empty patch changes nothing", `{}`,
			wireApp{ID: a.ID, DisplayName: "renamed", Settings: settingsWith("useAnimalNames", true, "echoPostback", true, "maskCreditCardNumbers", false),
				Metadata: map[string]any{"a": "1", "c": true, "d": "new"}}},
		{"metadata null clears", `{"metadata": null, "displayName": "cleared"}`,
			wireApp{ID: a.ID, DisplayName: "cleared", Settings: settingsWith("useAnimalNames", true, "echoPostback", true, "maskCreditCardNumbers", false)}},
		{"metadata again after clearing", `{"metadata": {"z": "1"}}`,
			wireApp{ID: a.ID, DisplayName: "cleared", Settings: settingsWith("useAnimalNames", true, "echoPostback", true, "maskCreditCardNumbers", false),
				Metadata: map[string]any{"z": "1"}}},
		{"multiConvoEnabled on", `{"settings": {"multiConvoEnabled": true}}`,
			wireApp{ID: a.ID, DisplayName: "cleared", Settings: settingsWith("useAnimalNames", true, "echoPostback", true, "maskCreditCardNumbers", false, "multiConvoEnabled", true),
				Metadata: map[string]any{"z": "1"}}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if got := patch(t, st.body); !reflect.DeepEqual(got, st.want) {
				t.Errorf("PATCH %s:\n got %+v\nwant %+v", st.body, got, st.want)
			}
		})
	}
	last := steps[len(steps)-1].want

	t.Run("invalid patches change nothing", func(t *testing.T) {
		big := mustJSON(t, map[string]any{"metadata": map[string]string{"k2": strings.Repeat("x", 4090)}})
		for _, body := range []string{
			`{"displayName": ""}`,
			mustJSON(t, map[string]string{"displayName": strings.Repeat("a", 101)}),
			`{"displayName": null, "metadata": {"a": {"b": 1}}}`,
			`{"metadata": {"a": [1]}}`,
			`{"metadata": "x"}`,
			// Merged with the existing key, over 4096 bytes.
			big,
			// multiConvoEnabled is irreversible.
			`{"settings": {"multiConvoEnabled": false}}`,
			`{"settings": {"conversationRetentionSeconds": -5}}`,
			`{"displayName": 7}`,
			`not json`,
		} {
			r := e.call(t, http.MethodPatch, path, h, body)
			wantError(t, "PATCH "+body, r, http.StatusBadRequest, "bad_request")
		}
		if got := checkAppShape(t, e.call(t, http.MethodGet, path, h, "")); !reflect.DeepEqual(got, last) {
			t.Errorf("after invalid patches %+v, want %+v unchanged", got, last)
		}
	})

	t.Run("unknown and malformed ids", func(t *testing.T) {
		for _, id := range []string{
			"000000000000000000000000", "ffffffffffffffffffffffff",
			strings.ToUpper(a.ID), a.ID[:23], a.ID + "0", "not-an-app", "a%20b", "app_" + a.ID[4:], "%27%20OR%201%3D1%20--",
		} {
			for _, m := range []string{http.MethodGet, http.MethodPatch, http.MethodDelete} {
				body := ""
				if m == http.MethodPatch {
					body = `{"displayName": "x"}`
				}
				r := e.call(t, m, "/v2/apps/"+id, h, body)
				wantError(t, m+" "+id, r, http.StatusNotFound, "app_not_found", "App not found")
			}
		}
	})

	t.Run("delete", func(t *testing.T) {
		r := e.call(t, http.MethodDelete, path, h, "")
		if r.status != http.StatusOK || strings.TrimSpace(string(r.body)) != `{}` {
			t.Fatalf("DELETE: %s, want 200 {}", r)
		}
		for _, m := range []string{http.MethodGet, http.MethodPatch, http.MethodDelete} {
			r := e.call(t, m, path, h, `{"displayName": "ghost"}`)
			wantError(t, m+" after delete", r, http.StatusNotFound, "app_not_found", "App not found")
		}
		l := e.call(t, http.MethodGet, "/v2/apps", h, "")
		if strings.Contains(string(l.body), a.ID) {
			t.Errorf("deleted app still listed: %s", l)
		}
	})
}

// appPage is the list answer.
type appPage struct {
	Apps []wireApp `json:"apps"`
	Meta struct {
		HasMore      bool    `json:"hasMore"`
		AfterCursor  *string `json:"afterCursor"`
		BeforeCursor *string `json:"beforeCursor"`
	} `json:"meta"`
	Links struct {
		Prev *string `json:"prev"`
		Next *string `json:"next"`
	} `json:"links"`
}

func (p appPage) ids() []string {
	out := make([]string, len(p.Apps))
	for i, a := range p.Apps {
		out[i] = a.ID
	}
	return out
}

// TestSunshineAppsList covers GET /v2/apps pagination over 30 apps: page
// sizes, cursors strictly after and before, meta and links present exactly
// when there is a further or previous page, links that work when followed,
// percent-encoded brackets, and 400 for bad page parameters.
func TestSunshineAppsList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acct := e.newSunAccount(t)
	other := e.newSunAccount(t)
	h := acct.key.basic()
	var all []string
	for i := range 30 {
		all = append(all, e.createApp(t, h, fmt.Sprintf("app %02d", i)).ID)
		if i%10 == 0 { // interleave another account's apps
			e.createApp(t, other.key.basic(), fmt.Sprintf("other %02d", i))
		}
	}
	if !slices.IsSorted(all) {
		t.Fatalf("app ids %v are not in creation order", all)
	}

	// list requests path (relative to the server) and checks the page's
	// cursors and links against its apps.
	list := func(t *testing.T, path string) appPage {
		t.Helper()
		r := e.call(t, http.MethodGet, path, h, "")
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %s", path, r)
		}
		var top map[string]json.RawMessage
		decodeInto(t, r, &top)
		if len(top) != 3 || top["apps"] == nil || top["meta"] == nil || top["links"] == nil {
			t.Errorf("GET %s: want exactly apps, meta and links: %s", path, r)
		}
		var p appPage
		decodeInto(t, r, &p)
		if p.Apps == nil {
			t.Fatalf("GET %s: apps is not an array: %s", path, r)
		}
		for _, a := range p.Apps {
			if !slices.Contains(all, a.ID) {
				t.Errorf("GET %s: app %s is not this account's", path, a.ID)
			}
		}
		if (p.Meta.AfterCursor != nil) != (p.Links.Next != nil) || (p.Meta.BeforeCursor != nil) != (p.Links.Prev != nil) {
			t.Errorf("GET %s: cursors and links disagree: %s", path, r)
		}
		if n := len(p.Apps); n > 0 {
			first, last := slices.Index(all, p.Apps[0].ID), slices.Index(all, p.Apps[n-1].ID)
			if wantAfter := last < len(all)-1; (p.Meta.AfterCursor != nil) != wantAfter {
				t.Errorf("GET %s: afterCursor present %v, want %v (there are further apps: %v): %s", path, p.Meta.AfterCursor != nil, wantAfter, wantAfter, r)
			} else if wantAfter && *p.Meta.AfterCursor != p.Apps[n-1].ID {
				t.Errorf("GET %s: afterCursor %s, want the last app %s", path, *p.Meta.AfterCursor, p.Apps[n-1].ID)
			}
			if wantBefore := first > 0; (p.Meta.BeforeCursor != nil) != wantBefore {
				t.Errorf("GET %s: beforeCursor present %v, want %v: %s", path, p.Meta.BeforeCursor != nil, wantBefore, r)
			} else if wantBefore && *p.Meta.BeforeCursor != p.Apps[0].ID {
				t.Errorf("GET %s: beforeCursor %s, want the first app %s", path, *p.Meta.BeforeCursor, p.Apps[0].ID)
			}
		}
		for _, l := range []*string{p.Links.Next, p.Links.Prev} {
			if l == nil {
				continue
			}
			u, err := url.Parse(*l)
			if err != nil || !u.IsAbs() || u.Scheme+"://"+u.Host != e.srv.URL || u.Path != "/v2/apps" {
				t.Errorf("GET %s: link %q is not an absolute URL of %s/v2/apps", path, *l, e.srv.URL)
			}
		}
		return p
	}
	follow := func(t *testing.T, link *string) appPage {
		t.Helper()
		if link == nil {
			t.Fatalf("no link to follow")
		}
		u, err := url.Parse(*link)
		if err != nil {
			t.Fatalf("link %q: %v", *link, err)
		}
		return list(t, u.RequestURI())
	}

	t.Run("default size 25, then the rest", func(t *testing.T) {
		p := list(t, "/v2/apps")
		if !slices.Equal(p.ids(), all[:25]) || !p.Meta.HasMore {
			t.Fatalf("first page %v hasMore %v, want the first 25 and hasMore", p.ids(), p.Meta.HasMore)
		}
		if p.Links.Prev != nil || p.Meta.BeforeCursor != nil {
			t.Errorf("first page has a previous page link")
		}
		q := follow(t, p.Links.Next)
		if !slices.Equal(q.ids(), all[25:]) || q.Meta.HasMore || q.Links.Next != nil {
			t.Errorf("second page %v hasMore %v next %v, want the last 5, no more", q.ids(), q.Meta.HasMore, q.Links.Next)
		}
		back := follow(t, q.Links.Prev)
		if !slices.Equal(back.ids(), all[:25]) {
			t.Errorf("prev of the second page %v, want the first 25", back.ids())
		}
	})

	t.Run("walk forward and back with page[size]=10", func(t *testing.T) {
		var seen []string
		p := list(t, "/v2/apps?page[size]=10")
		pages := 1
		for {
			if len(p.Apps) != 10 {
				t.Fatalf("page %d has %d apps, want 10", pages, len(p.Apps))
			}
			seen = append(seen, p.ids()...)
			if p.Meta.HasMore != (p.Links.Next != nil) {
				t.Errorf("page %d: hasMore %v but next %v", pages, p.Meta.HasMore, p.Links.Next)
			}
			if p.Links.Next == nil {
				break
			}
			p = follow(t, p.Links.Next)
			if pages++; pages > 5 {
				t.Fatalf("more pages than apps")
			}
		}
		if !slices.Equal(seen, all) || pages != 3 {
			t.Fatalf("walked %d pages %v, want 3 pages of all apps in order", pages, seen)
		}
		// Back from the last page: the nearest 10 before, in the same order.
		p = follow(t, p.Links.Prev)
		if !slices.Equal(p.ids(), all[10:20]) || !p.Meta.HasMore {
			t.Errorf("prev of the last page %v hasMore %v, want apps 10..19 and more before", p.ids(), p.Meta.HasMore)
		}
		p = follow(t, p.Links.Prev)
		if !slices.Equal(p.ids(), all[:10]) || p.Meta.HasMore || p.Links.Prev != nil {
			t.Errorf("first page going back %v hasMore %v prev %v, want apps 0..9, nothing before", p.ids(), p.Meta.HasMore, p.Links.Prev)
		}
	})

	t.Run("cursors are strict", func(t *testing.T) {
		p := list(t, "/v2/apps?page[after]="+all[4]+"&page[size]=3")
		if !slices.Equal(p.ids(), all[5:8]) {
			t.Errorf("after %s: %v, want apps 5..7", all[4], p.ids())
		}
		p = list(t, "/v2/apps?page[before]="+all[4]+"&page[size]=3")
		if !slices.Equal(p.ids(), all[1:4]) {
			t.Errorf("before %s: %v, want apps 1..3", all[4], p.ids())
		}
		p = list(t, "/v2/apps?page[before]="+all[2])
		if !slices.Equal(p.ids(), all[:2]) || p.Meta.BeforeCursor != nil {
			t.Errorf("before app 2: %v, want apps 0..1 and no previous page", p.ids())
		}
		p = list(t, "/v2/apps?page[after]="+all[29])
		if len(p.Apps) != 0 || p.Meta.HasMore || p.Links.Next != nil || p.Meta.AfterCursor != nil {
			t.Errorf("after the last app: %+v, want nothing and no more", p)
		}
		p = list(t, "/v2/apps?page[before]="+all[0])
		if len(p.Apps) != 0 || p.Meta.HasMore || p.Links.Prev != nil {
			t.Errorf("before the first app: %+v, want nothing", p)
		}
		p = list(t, "/v2/apps?page[after]=000000000000000000000000&page[size]=100")
		if !slices.Equal(p.ids(), all) {
			t.Errorf("after the zero id: %d apps, want all 30", len(p.Apps))
		}
	})

	t.Run("sizes 1 and 100", func(t *testing.T) {
		p := list(t, "/v2/apps?page[size]=1")
		if !slices.Equal(p.ids(), all[:1]) || !p.Meta.HasMore {
			t.Errorf("size 1: %v hasMore %v", p.ids(), p.Meta.HasMore)
		}
		q := follow(t, p.Links.Next)
		if !slices.Equal(q.ids(), all[1:2]) {
			t.Errorf("size 1, next: %v, want app 1 (the link keeps the size)", q.ids())
		}
		p = list(t, "/v2/apps?page[size]=100")
		if !slices.Equal(p.ids(), all) || p.Meta.HasMore || p.Links.Next != nil || p.Links.Prev != nil {
			t.Errorf("size 100: %d apps hasMore %v, want all 30 and no links", len(p.Apps), p.Meta.HasMore)
		}
		p = list(t, "/v2/apps?page[size]=30")
		if !slices.Equal(p.ids(), all) || p.Meta.HasMore {
			t.Errorf("size 30: %d apps hasMore %v, want all 30 and no more", len(p.Apps), p.Meta.HasMore)
		}
	})

	t.Run("percent-encoded brackets, as the JS client sends", func(t *testing.T) {
		p := list(t, "/v2/apps?page%5Bsize%5D=10")
		if !slices.Equal(p.ids(), all[:10]) {
			t.Errorf("page%%5Bsize%%5D=10: %v", p.ids())
		}
		p = list(t, "/v2/apps?page%5Bafter%5D="+all[9])
		if !slices.Equal(p.ids(), all[10:30]) {
			t.Errorf("page%%5Bafter%%5D: %v, want apps 10..29", p.ids())
		}
		p = list(t, "/v2/apps?page%5Bbefore%5D="+all[12]+"&page%5Bsize%5D=2")
		if !slices.Equal(p.ids(), all[10:12]) {
			t.Errorf("page%%5Bbefore%%5D: %v, want apps 10..11", p.ids())
		}
		q := follow(t, p.Links.Next)
		if !slices.Equal(q.ids(), all[12:14]) {
			t.Errorf("next of a before page: %v, want apps 12..13", q.ids())
		}
	})

	t.Run("another account sees only its own", func(t *testing.T) {
		r := e.call(t, http.MethodGet, "/v2/apps?page[size]=100", other.key.basic(), "")
		var p appPage
		decodeInto(t, r, &p)
		if len(p.Apps) != 3 {
			t.Errorf("other account lists %d apps, want its 3", len(p.Apps))
		}
		for _, a := range p.Apps {
			if slices.Contains(all, a.ID) {
				t.Errorf("other account lists %s", a.ID)
			}
		}
		// A cursor from the first account pages the other account's own apps.
		r = e.call(t, http.MethodGet, "/v2/apps?page[after]="+all[0], other.key.basic(), "")
		decodeInto(t, r, &p)
		for _, a := range p.Apps {
			if slices.Contains(all, a.ID) {
				t.Errorf("other account, foreign cursor, lists %s", a.ID)
			}
		}
	})

	t.Run("bad page parameters", func(t *testing.T) {
		for _, q := range []string{
			"page[size]=0", "page[size]=101", "page[size]=x", "page[size]=-1", "page[size]=1.5", "page[size]=1e2",
			"page%5Bsize%5D=0", "page%5Bsize%5D=101",
			"page[after]=" + all[1] + "&page[before]=" + all[5],
			"page%5Bafter%5D=" + all[1] + "&page%5Bbefore%5D=" + all[5],
			"page[after]=zzz", "page[after]=" + strings.ToUpper(all[1]), "page[before]=" + all[1][:23],
			"page[after]=%27%20OR%201%3D1%20--",
		} {
			r := e.call(t, http.MethodGet, "/v2/apps?"+q, h, "")
			wantError(t, q, r, http.StatusBadRequest, "bad_request", "Invalid page query parameters")
		}
	})

	t.Run("a service account filter that is not the caller's", func(t *testing.T) {
		// gatehouse has no service accounts (svc_), so no filter matches.
		for _, q := range []string{"filter[serviceAccountId]=svc_5d8cff3cd55b040010928b5b", "filter%5BserviceAccountId%5D=x"} {
			r := e.call(t, http.MethodGet, "/v2/apps?"+q, h, "")
			wantError(t, q, r, http.StatusForbidden, "forbidden", "The serviceAccountId provided does not match supplied credentials")
		}
	})
}

// TestSunshineAppsDoubledSlash: a base URL ending in "/" makes the JS client
// send //v2/...; POST and PATCH must be served as such, never redirected
// (a followed 301 turns them into a bodiless GET).
func TestSunshineAppsDoubledSlash(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acct := e.newSunAccount(t)
	h := acct.key.basic()
	r := e.call(t, http.MethodPost, "//v2/apps", h, `{"displayName": "slashed"}`)
	if r.status != http.StatusCreated {
		t.Fatalf("POST //v2/apps: %s, want 201", r)
	}
	a := checkAppShape(t, r)
	r = e.call(t, http.MethodPatch, "//v2/apps/"+a.ID, h, `{"displayName": "patched", "metadata": {"k": "v"}}`)
	if r.status != http.StatusOK {
		t.Fatalf("PATCH //v2/apps/id: %s, want 200", r)
	}
	if got := checkAppShape(t, e.call(t, http.MethodGet, "/v2/apps/"+a.ID, h, "")); got.DisplayName != "patched" || got.Metadata["k"] != "v" {
		t.Errorf("after PATCH //v2/apps/id: %+v, want the patch applied", got)
	}
	for _, sc := range []struct{ method, path, body string }{
		{http.MethodGet, "//v2/apps", ""},
		{http.MethodGet, "//v2//apps/" + a.ID, ""},
		{http.MethodPost, "//v2/apps/" + a.ID + "/keys", `{"displayName": "k"}`},
		{http.MethodGet, "//v2/apps/" + a.ID + "/keys", ""},
	} {
		if r := e.call(t, sc.method, sc.path, h, sc.body); r.status/100 != 2 {
			t.Errorf("%s %s: %s", sc.method, sc.path, r)
		} else if strings.HasSuffix(sc.path, "/keys") && sc.method == http.MethodPost {
			keyOf(t, r)
		}
	}
	r = e.call(t, http.MethodDelete, "//v2/apps/"+a.ID, h, "")
	if r.status != http.StatusOK {
		t.Errorf("DELETE //v2/apps/id: %s", r)
	}
}

// TestSunshineAppsMethodsAndPaths: unknown methods answer 405 and unknown
// /v2 paths 404, in the Sunshine envelope (checked by checkSunshine).
func TestSunshineAppsMethodsAndPaths(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acct := e.newSunAccount(t)
	h := acct.key.basic()
	a := e.createApp(t, h, "m")
	for _, sc := range []struct {
		method, path string
		status       int
	}{
		{http.MethodPut, "/v2/apps", http.StatusMethodNotAllowed},
		{http.MethodDelete, "/v2/apps", http.StatusMethodNotAllowed},
		{http.MethodPost, "/v2/apps/" + a.ID, http.StatusMethodNotAllowed},
		{http.MethodPut, "/v2/apps/" + a.ID, http.StatusMethodNotAllowed},
		{http.MethodPatch, "/v2/apps/" + a.ID + "/keys", http.StatusMethodNotAllowed},
		{http.MethodPatch, "/v2/apps/" + a.ID + "/keys/app_000000000000000000000000", http.StatusMethodNotAllowed},
		{http.MethodGet, "/v2", http.StatusNotFound},
		{http.MethodGet, "/v2/", http.StatusNotFound},
		{http.MethodGet, "/v2/unknown", http.StatusNotFound},
		{http.MethodGet, "/v2/apps/" + a.ID + "/keys/app_000000000000000000000000/jwt", http.StatusNotFound},
	} {
		r := e.call(t, sc.method, sc.path, h, "")
		if r.status != sc.status {
			t.Errorf("%s %s: %s, want %d", sc.method, sc.path, r, sc.status)
		}
	}
	// A browser origin gets no CORS headers (checkSunshine asserts it).
	withOrigin := append(h, "Origin", "https://evil.example")
	if r := e.call(t, http.MethodGet, "/v2/apps/"+a.ID, withOrigin, ""); r.status != http.StatusOK {
		t.Errorf("GET with an Origin: %s", r)
	}
	if r := e.call(t, http.MethodOptions, "/v2/apps", hdr("Origin", "https://evil.example", "Access-Control-Request-Method", "POST"), ""); r.status != http.StatusMethodNotAllowed {
		t.Errorf("OPTIONS preflight: %s, want 405", r)
	}
}
