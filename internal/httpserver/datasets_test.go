package httpserver_test

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const (
	addDatasetPath     = "/user/add-dataset"
	deleteDatasetPath  = "/user/delete-dataset"
	assignDatasetPath  = "/user/assign-dataset"
	updatePermPath     = "/user/update-permission-dataset"
	deassignPath       = "/user/deassign-dataset"
	datasetsPermsPath  = "/user/get-datasets-with-permissions"
	serverDatasetsPath = "/server/get-datasets"
)

// fullNameRE is a dataset's full name: user_custom_<USERID>_<NAME>_content.
var fullNameRE = regexp.MustCompile(`^user_custom_([1-9][0-9]*)_([A-Za-z0-9-]{4,100})_content$`)

// datasetRow is one entry of get-datasets-with-permissions.
type datasetRow struct {
	Dataset        string `json:"dataset"`
	Classification string `json:"classification"`
	Permissions    string `json:"permissions"`
}

// datasets lists cred's datasets with permissions (the seed's body).
func (e *env) datasets(t *testing.T, cred string) []datasetRow {
	t.Helper()
	r := e.call(t, http.MethodPost, datasetsPermsPath, withToken(cred), `{"check_permissions": "true"}`)
	if r.status != http.StatusOK {
		t.Fatalf("get-datasets-with-permissions: %s", r)
	}
	var rows []datasetRow
	envelopeOf(t, r, &rows)
	if rows == nil {
		t.Fatalf("get-datasets-with-permissions: response is null, want a list: %s", r)
	}
	for _, row := range rows {
		if !fullNameRE.MatchString(row.Dataset) {
			t.Errorf("listed dataset %q is not a full name", row.Dataset)
		}
	}
	return rows
}

// serverDatasets lists cred's datasets through /server/get-datasets, as the
// Python client calls it: POST with no body and no Content-Type.
func (e *env) serverDatasets(t *testing.T, cred string) []string {
	t.Helper()
	r := e.call(t, http.MethodPost, serverDatasetsPath, hdr("x-access-tokens", cred), "")
	if r.status != http.StatusOK {
		t.Fatalf("/server/get-datasets: %s", r)
	}
	var names []string
	envelopeOf(t, r, &names)
	if names == nil {
		t.Fatalf("/server/get-datasets: response is null, want a list: %s", r)
	}
	return names
}

// permOf is full's permission in rows ("" when not listed).
func permOf(rows []datasetRow, full string) string {
	for _, r := range rows {
		if r.Dataset == full {
			return r.Permissions
		}
	}
	return ""
}

func classOf(rows []datasetRow, full string) string {
	for _, r := range rows {
		if r.Dataset == full {
			return r.Classification
		}
	}
	return ""
}

// addDataset adds name for cred, which must succeed, and returns its full
// name as the listing shows it.
func (e *env) addDataset(t *testing.T, cred, name string) string {
	t.Helper()
	r := e.call(t, http.MethodPost, addDatasetPath, withToken(cred), mustJSON(t, map[string]string{"dataset": name}))
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `"response":"OK"`) {
		t.Fatalf("add-dataset %q: %s", name, r)
	}
	for _, row := range e.datasets(t, cred) {
		if m := fullNameRE.FindStringSubmatch(row.Dataset); m != nil && m[2] == name && row.Permissions == "owner" {
			return row.Dataset
		}
	}
	t.Fatalf("add-dataset %q: not listed as owner", name)
	return ""
}

// share calls path (assign-dataset, update-permission-dataset or
// deassign-dataset) with body fields.
func (e *env) share(t *testing.T, cred, path string, fields map[string]string) result {
	t.Helper()
	return e.call(t, http.MethodPost, path, withToken(cred), mustJSON(t, fields))
}

func wantStatus(t *testing.T, what string, r result, status int) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: %s, want %d", what, r, status)
	}
}

// TestDatasetNames: letters, digits and hyphens, 4 to 100 characters; other
// characters or fewer are 400, more are 406; the full name is
// user_custom_<USERID>_<NAME>_content.
func TestDatasetNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.newUser(t)
	h := withToken(u.token)
	ok100 := "n" + strings.Repeat("0123456789", 9) + "abcdefghi"
	long101 := ok100 + "x"
	add := func(name, body string, status int, want ...string) scenario {
		return scenario{name: name, path: addDatasetPath, headers: h, body: body, wantStatus: status, want: want}
	}
	named := func(n string) string { return mustJSON(t, map[string]string{"dataset": n}) }
	e.run(t, []scenario{
		add("seed example", `{"dataset": "dataset-name"}`, 200, `"response":"OK"`),
		add("exactly 4", named("abcd"), 200),
		add("mixed case and digits", named("ABC-123-xyz"), 200),
		add("exactly 100", named(ok100), 200),
		add("is_tabular accepted", `{"dataset": "tabular-set", "is_tabular": true}`, 200),
		add("101 chars", named(long101), 406, `"status":406`, "too long"),
		add("500 chars", named(strings.Repeat("b", 500)), 406),
		add("space", named("has space"), 400),
		add("leading space", named(" lead-name"), 400),
		add("underscore", named("under_score"), 400),
		add("a full name", named("user_custom_1_abcd_content"), 400),
		add("dot", named("dot.name"), 400),
		add("slash", named("slash/name"), 400),
		add("bang", named("excl!aim"), 400),
		add("quote", named(`quo"te`), 400),
		add("tab", named("tab\tname"), 400),
		add("non-ASCII letter", named("naïve-name"), 400),
		add("3 chars", named("abc"), 400, "too short"),
		add("empty", named(""), 400),
		add("missing", `{}`, 400),
		add("null", `{"dataset": null}`, 400),
		add("a number", `{"dataset": 5}`, 400),
		add("an array", `{"dataset": ["abcd"]}`, 400),
		add("duplicate", named("dataset-name"), 409),
	})
	rows := e.datasets(t, u.token)
	var names []string
	var uid string
	for _, r := range rows {
		m := fullNameRE.FindStringSubmatch(r.Dataset)
		if uid == "" {
			uid = m[1]
		}
		if m[1] != uid || r.Permissions != "owner" || r.Classification != "Unclassified" {
			t.Errorf("row %+v: want the same owner id, owner, Unclassified", r)
		}
		names = append(names, m[2])
	}
	slices.Sort(names)
	want := []string{"ABC-123-xyz", "abcd", "dataset-name", ok100, "tabular-set"}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("listed %q, want %q", names, want)
	}
	full := e.serverDatasets(t, u.token)
	slices.Sort(full)
	var wantFull []string
	for _, n := range want {
		wantFull = append(wantFull, "user_custom_"+uid+"_"+n+"_content")
	}
	slices.Sort(wantFull)
	if !slices.Equal(full, wantFull) {
		t.Errorf("/server/get-datasets = %q, want %q", full, wantFull)
	}
}

// TestDatasetCUI: a CUI dataset ("CUI-" prefix, or classification CUI)
// needs a CAC session: 407 in the envelope until the account's CAC flag is
// set, then 200, from the very next request; the flag's removal applies as
// fast.
func TestDatasetCUI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.newUser(t)
	h := withToken(u.token)
	cls := func(name, class string) string {
		return mustJSON(t, map[string]string{"dataset": name, "classification": class})
	}
	cui := []scenario{
		{name: "CUI- prefix", path: addDatasetPath, headers: h, body: `{"dataset": "CUI-secret"}`},
		{name: "cui- prefix, any case", path: addDatasetPath, headers: h, body: `{"dataset": "cui-lower"}`},
		{name: "classification CUI", path: addDatasetPath, headers: h, body: cls("plain-cui", "CUI")},
		{name: "classification cui", path: addDatasetPath, headers: h, body: cls("lower-cui", "cui")},
		{name: "CUI- prefix, Unclassified asked", path: addDatasetPath, headers: h, body: cls("CUI-mislabel", "Unclassified")},
		{name: "with the API key", path: addDatasetPath, headers: withToken(u.key), body: `{"dataset": "CUI-by-key"}`},
	}
	for i := range cui {
		cui[i].wantStatus = 407
		cui[i].want = []string{`"status":407`, "CAC"}
	}
	e.run(t, cui)
	e.run(t, []scenario{
		{name: "classification null", path: addDatasetPath, headers: h, body: `{"dataset": "null-class", "classification": null}`, wantStatus: 200},
		{name: "classification Unclassified", path: addDatasetPath, headers: h, body: cls("unclass", "Unclassified"), wantStatus: 200},
		{name: "classification Secret", path: addDatasetPath, headers: h, body: cls("bad-class", "Secret"), wantStatus: 400},
		{name: "classification a number", path: addDatasetPath, headers: h, body: `{"dataset": "num-class", "classification": 5}`, wantStatus: 400},
		{name: "classification a list", path: addDatasetPath, headers: h, body: `{"dataset": "arr-class", "classification": ["CUI"]}`, wantStatus: 400},
	})
	rows := e.datasets(t, u.token)
	if len(rows) != 2 {
		t.Fatalf("after refusals the listing is %+v, want null-class and unclass only", rows)
	}
	for _, r := range rows {
		if r.Classification != "Unclassified" {
			t.Errorf("%s classification %q, want Unclassified", r.Dataset, r.Classification)
		}
	}

	// The operator sets the CAC flag (gatehouse users set-cac): the same
	// token may add CUI datasets from its next request.
	if _, err := e.svc.SetCAC(t.Context(), u.email, true); err != nil {
		t.Fatalf("SetCAC: %v", err)
	}
	for i := range cui {
		cui[i].wantStatus, cui[i].want = 200, []string{`"response":"OK"`}
	}
	e.run(t, cui)
	rows = e.datasets(t, u.token)
	for _, name := range []string{"CUI-secret", "cui-lower", "plain-cui", "lower-cui", "CUI-mislabel", "CUI-by-key"} {
		found := false
		for _, r := range rows {
			if strings.HasSuffix(r.Dataset, "_"+name+"_content") {
				found = true
				if r.Classification != "CUI" {
					t.Errorf("%s classification %q, want CUI", r.Dataset, r.Classification)
				}
			}
		}
		if !found {
			t.Errorf("%s not listed after CAC: %+v", name, rows)
		}
	}

	// Another user without the flag is still refused.
	other := e.newUser(t)
	wantStatus(t, "other user CUI", e.call(t, http.MethodPost, addDatasetPath, withToken(other.token), `{"dataset": "CUI-other"}`), 407)

	// Removing the flag applies on the next request too.
	if _, err := e.svc.SetCAC(t.Context(), u.email, false); err != nil {
		t.Fatalf("SetCAC off: %v", err)
	}
	wantStatus(t, "CUI after the flag is removed", e.call(t, http.MethodPost, addDatasetPath, h, `{"dataset": "CUI-again"}`), 407)
	wantStatus(t, "Unclassified after the flag is removed", e.call(t, http.MethodPost, addDatasetPath, h, `{"dataset": "plain-again"}`), 200)
}

// TestDatasetSharing walks two and three users through sharing: read
// shares are listed, read cannot share, admin can, deassign removes, only
// the owner deletes, and every change applies on the next request.
func TestDatasetSharing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, b, c := e.newUser(t), e.newUser(t), e.newUser(t)
	full := e.addDataset(t, a.token, "shared-set")
	private := e.addDataset(t, a.token, "private-set")
	ownB := e.addDataset(t, b.token, "b-own-set")
	body := func(ds, email, perm string) map[string]string {
		m := map[string]string{"dataset": ds, "email": email}
		if perm != "" {
			m["permission"] = perm
		}
		return m
	}

	// Before any share B sees only its own dataset, and A's look unknown.
	if rows := e.datasets(t, b.token); len(rows) != 1 || rows[0].Dataset != ownB {
		t.Fatalf("B's listing before sharing = %+v", rows)
	}
	notFound := e.call(t, http.MethodPost, deleteDatasetPath, withToken(b.token), mustJSON(t, map[string]string{"dataset": full}))
	unknown := e.call(t, http.MethodPost, deleteDatasetPath, withToken(b.token), mustJSON(t, map[string]string{"dataset": strings.Replace(full, "shared-set", "no-such-set", 1)}))
	wantStatus(t, "B deletes A's unshared dataset", notFound, 404)
	if string(notFound.body) != string(unknown.body) || strings.Contains(string(notFound.body), "shared-set") {
		t.Errorf("A's dataset is revealed: %s vs unknown %s", notFound, unknown)
	}

	// A shares read with B (assign-dataset, the Python client's body).
	wantStatus(t, "A assigns B", e.share(t, a.token, assignDatasetPath, body(full, b.email, "")), 200)
	rows := e.datasets(t, b.token)
	if permOf(rows, full) != "read" || classOf(rows, full) != "Unclassified" || permOf(rows, private) != "" {
		t.Errorf("B's listing after a read share = %+v", rows)
	}
	if names := e.serverDatasets(t, b.token); !slices.Contains(names, full) || slices.Contains(names, private) {
		t.Errorf("B's /server/get-datasets = %q, want %s and not %s", names, full, private)
	}
	if permOf(e.datasets(t, a.token), full) != "owner" {
		t.Errorf("A no longer owns %s", full)
	}

	// B (read) cannot share onward, change levels, or delete.
	wantStatus(t, "B(read) assigns C", e.share(t, b.token, assignDatasetPath, body(full, c.email, "")), 403)
	wantStatus(t, "B(read) raises itself", e.share(t, b.token, updatePermPath, body(full, b.email, "admin")), 403)
	wantStatus(t, "B(read) shares to C via update", e.share(t, b.token, updatePermPath, body(full, c.email, "read")), 403)
	wantStatus(t, "B(read) deassigns A", e.share(t, b.token, deassignPath, body(full, a.email, "")), 403)
	wantStatus(t, "B(read) deletes", e.call(t, http.MethodPost, deleteDatasetPath, withToken(b.token), mustJSON(t, map[string]string{"dataset": full})), 403)
	if permOf(e.datasets(t, c.token), full) != "" {
		t.Errorf("C got the dataset through B's refused share")
	}

	// A raises B to edit (the OpenAPI "permissions"), then admin (the seed's
	// "permission"); the listing follows on the next request.
	wantStatus(t, "A raises B to edit", e.share(t, a.token, updatePermPath, map[string]string{"dataset": full, "email": b.email, "permissions": "edit"}), 200)
	if got := permOf(e.datasets(t, b.token), full); got != "edit" {
		t.Errorf("B's level after edit = %q", got)
	}
	wantStatus(t, "B(edit) assigns C", e.share(t, b.token, assignDatasetPath, body(full, c.email, "")), 403)
	wantStatus(t, "A raises B to admin", e.share(t, a.token, updatePermPath, body(full, b.email, "ADMIN")), 200)
	if got := permOf(e.datasets(t, b.token), full); got != "admin" {
		t.Errorf("B's level after admin = %q", got)
	}

	// B (admin) shares onward to C; still cannot delete.
	wantStatus(t, "B(admin) assigns C", e.share(t, b.token, assignDatasetPath, body(full, c.email, "read")), 200)
	if got := permOf(e.datasets(t, c.token), full); got != "read" {
		t.Errorf("C's level = %q, want read", got)
	}
	wantStatus(t, "B(admin) deletes", e.call(t, http.MethodPost, deleteDatasetPath, withToken(b.token), mustJSON(t, map[string]string{"dataset": full})), 403)
	wantStatus(t, "B(admin) changes the owner", e.share(t, b.token, updatePermPath, body(full, a.email, "read")), 400)

	// Refusals that change nothing.
	wantStatus(t, "unknown email", e.share(t, a.token, assignDatasetPath, body(full, "nobody@example.com", "")), 410)
	if r := e.share(t, a.token, assignDatasetPath, body(full, "nobody@example.com", "")); !strings.Contains(string(r.body), `"response":"No account."`) {
		t.Errorf("unknown email: %s, want \"No account.\"", r)
	}
	wantStatus(t, "update: unknown email", e.share(t, a.token, updatePermPath, body(full, "nobody@example.com", "read")), 410)
	wantStatus(t, "deassign: unknown email", e.share(t, a.token, deassignPath, body(full, "nobody@example.com", "")), 410)
	wantStatus(t, "unknown dataset", e.share(t, a.token, assignDatasetPath, body(strings.Replace(full, "shared-set", "no-such-set", 1), b.email, "")), 404)
	wantStatus(t, "unknown short name", e.share(t, a.token, assignDatasetPath, body("no-such-set", b.email, "")), 404)
	wantStatus(t, "level owner", e.share(t, a.token, updatePermPath, body(full, b.email, "owner")), 400)
	wantStatus(t, "level write", e.share(t, a.token, updatePermPath, body(full, b.email, "write")), 400)
	wantStatus(t, "permission and permissions differ", e.share(t, a.token, updatePermPath,
		map[string]string{"dataset": full, "email": b.email, "permission": "read", "permissions": "admin"}), 400)
	wantStatus(t, "share with the owner", e.share(t, a.token, assignDatasetPath, body(full, a.email, "")), 400)
	wantStatus(t, "no email", e.share(t, a.token, assignDatasetPath, map[string]string{"dataset": full}), 400)
	wantStatus(t, "no dataset", e.share(t, a.token, assignDatasetPath, map[string]string{"email": b.email}), 400)
	if got := permOf(e.datasets(t, b.token), full); got != "admin" {
		t.Errorf("refused requests changed B's level to %q", got)
	}

	// A deassigns B: gone for B at once; B's onward share to C stays.
	wantStatus(t, "A deassigns B", e.share(t, a.token, deassignPath, body(full, b.email, "")), 200)
	if rows := e.datasets(t, b.token); permOf(rows, full) != "" || len(rows) != 1 {
		t.Errorf("B's listing after deassign = %+v", rows)
	}
	if names := e.serverDatasets(t, b.token); slices.Contains(names, full) {
		t.Errorf("B's /server/get-datasets after deassign = %q", names)
	}
	wantStatus(t, "B deletes after deassign", e.call(t, http.MethodPost, deleteDatasetPath, withToken(b.token), mustJSON(t, map[string]string{"dataset": full})), 404)
	wantStatus(t, "B assigns after deassign", e.share(t, b.token, assignDatasetPath, body(full, b.email, "")), 404)
	wantStatus(t, "deassign B again", e.share(t, a.token, deassignPath, body(full, b.email, "")), 404)
	if got := permOf(e.datasets(t, c.token), full); got != "read" {
		t.Errorf("C's level after B's deassign = %q, want read", got)
	}

	// C removes its own share; A shares again with B; A deletes: gone for
	// everyone, and a second delete is 404.
	wantStatus(t, "C leaves", e.share(t, c.token, deassignPath, body(full, c.email, "")), 200)
	if got := permOf(e.datasets(t, c.token), full); got != "" {
		t.Errorf("C still lists %s at %q", full, got)
	}
	wantStatus(t, "A shares with B again", e.share(t, a.token, updatePermPath, body(full, b.email, "read")), 200)
	if got := permOf(e.datasets(t, b.token), full); got != "read" {
		t.Errorf("update-permission as a first grant: B's level = %q, want read", got)
	}
	wantStatus(t, "A deletes", e.call(t, http.MethodPost, deleteDatasetPath, withToken(a.token), mustJSON(t, map[string]string{"dataset": full})), 200)
	for who, cred := range map[string]string{"A": a.token, "B": b.token, "C": c.token} {
		if got := permOf(e.datasets(t, cred), full); got != "" {
			t.Errorf("%s still lists the deleted dataset at %q", who, got)
		}
		if slices.Contains(e.serverDatasets(t, cred), full) {
			t.Errorf("%s's /server/get-datasets still lists the deleted dataset", who)
		}
	}
	wantStatus(t, "A deletes again", e.call(t, http.MethodPost, deleteDatasetPath, withToken(a.token), mustJSON(t, map[string]string{"dataset": full})), 404)
	// A dataset made again under the same name starts unshared: the old
	// shares died with the old dataset.
	if again := e.addDataset(t, a.token, "shared-set"); again != full {
		t.Errorf("recreated full name %s, want %s", again, full)
	}
	if got := permOf(e.datasets(t, b.token), full); got != "" {
		t.Errorf("B can use the recreated dataset at %q through the deleted one's share", got)
	}
	wantStatus(t, "A deletes the recreated dataset", e.call(t, http.MethodPost, deleteDatasetPath, withToken(a.token), mustJSON(t, map[string]string{"dataset": full})), 200)
	// A's other dataset and B's own are untouched.
	if permOf(e.datasets(t, a.token), private) != "owner" || permOf(e.datasets(t, b.token), ownB) != "owner" {
		t.Errorf("deleting one dataset touched another")
	}
	// The owner may also delete by short name.
	wantStatus(t, "A deletes by short name", e.call(t, http.MethodPost, deleteDatasetPath, withToken(a.token), `{"dataset": "private-set"}`), 200)
	if rows := e.datasets(t, a.token); len(rows) != 0 {
		t.Errorf("A's listing after deleting everything = %+v", rows)
	}
}

// TestDatasetListingBodies: get-datasets-with-permissions takes
// check_permissions as a boolean or the seed's string, or no body at all,
// by POST or GET; /server/get-datasets by POST or GET, with or without a
// body.
func TestDatasetListingBodies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.newUser(t)
	full := e.addDataset(t, u.token, "listing-set")
	listed := func(t *testing.T, r result) {
		var rows []datasetRow
		envelopeOf(t, r, &rows)
		if len(rows) != 1 || rows[0] != (datasetRow{full, "Unclassified", "owner"}) {
			t.Errorf("listing = %+v", rows)
		}
	}
	names := func(t *testing.T, r result) {
		var ns []string
		envelopeOf(t, r, &ns)
		if !slices.Equal(ns, []string{full}) {
			t.Errorf("names = %q", ns)
		}
	}
	h := withToken(u.token)
	e.run(t, []scenario{
		{name: "seed string true", path: datasetsPermsPath, headers: h, body: `{"check_permissions": "true"}`, wantStatus: 200, check: listed},
		{name: "boolean true", path: datasetsPermsPath, headers: h, body: `{"check_permissions": true}`, wantStatus: 200, check: listed},
		{name: "boolean false", path: datasetsPermsPath, headers: h, body: `{"check_permissions": false}`, wantStatus: 200, check: listed},
		{name: "string false", path: datasetsPermsPath, headers: h, body: `{"check_permissions": "false"}`, wantStatus: 200, check: listed},
		{name: "empty object", path: datasetsPermsPath, headers: h, body: `{}`, wantStatus: 200, check: listed},
		{name: "no body, no content type", path: datasetsPermsPath, headers: hdr("x-access-tokens", u.token), wantStatus: 200, check: listed},
		{name: "GET", method: http.MethodGet, path: datasetsPermsPath, headers: hdr("x-access-tokens", u.token), wantStatus: 200, check: listed},
		{name: "maybe", path: datasetsPermsPath, headers: h, body: `{"check_permissions": "maybe"}`, wantStatus: 400},
		{name: "a list", path: datasetsPermsPath, headers: h, body: `{"check_permissions": [true]}`, wantStatus: 400},
		{name: "an object", path: datasetsPermsPath, headers: h, body: `{"check_permissions": {}}`, wantStatus: 400},
		{name: "the number 2", path: datasetsPermsPath, headers: h, body: `{"check_permissions": 2}`, wantStatus: 400},
		{name: "server POST no body", path: serverDatasetsPath, headers: hdr("x-access-tokens", u.key), wantStatus: 200, check: names},
		{name: "server POST {}", path: serverDatasetsPath, headers: withToken(u.key), body: `{}`, wantStatus: 200, check: names},
		{name: "server GET", method: http.MethodGet, path: serverDatasetsPath, headers: hdr("x-access-tokens", u.token), wantStatus: 200, check: names},
		{name: "server malformed", path: serverDatasetsPath, headers: h, body: `{"x": `, wantStatus: 400},
	})
}
