//go:build !no_console

package httpserver_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds Debian's chromium (installed by .ci/run). Without it
// the browser test skips, or fails where GATEHOUSE_TEST_REQUIRE=1 (CI).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("GATEHOUSE_TEST_CHROMIUM"), "chromium", "chromium-browser"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no chromium on PATH (apt-get install chromium; .ci/run installs it): the console's browser test needs a real browser"
	if os.Getenv("GATEHOUSE_TEST_REQUIRE") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// newChrome starts a headless Chromium with its own empty profile and no
// network but loopback; the flags are those this machine's Chromium needs
// (no sandbox as root, no background requests to hosts it cannot reach).
func newChrome(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel3)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// shot saves a full-page screenshot of the current page at a desktop and
// a phone width as test artifacts (go test -artifacts keeps them).
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := t.ArtifactDir()
	for _, vp := range []struct {
		label string
		w, h  int64
	}{{"desktop", 1280, 800}, {"phone", 375, 740}} {
		opts := []chromedp.EmulateViewportOption{}
		if vp.label == "phone" {
			opts = append(opts, chromedp.EmulateMobile, chromedp.EmulatePortrait)
		}
		err := chromedp.Do(ctx, chromedp.EmulateViewport(vp.w, vp.h, opts...))
		var buf []byte
		if err == nil {
			buf, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
		}
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"-"+vp.label+".png"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.ResetViewport()); err != nil {
		t.Fatal(err)
	}
}

// text is the text of the element sel (CSS) on the current page.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// TestConsoleInBrowser drives the console in headless Chromium: sign up →
// the admin activates in the browser → log in → create a key → the
// revealed key works against /user/get-user-logins → delete it in the
// browser (confirming) → it is refused at once.
func TestConsoleInBrowser(t *testing.T) {
	e := newEnv(t)
	admEmail, admPw := consoleAdmin(t, e)
	user := newChrome(t)
	email, pw := newEmail(), newPassword()
	var signupKey string
	run := func(ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	run(user, "sign up",
		chromedp.Navigate(e.url+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#email`)), // / → /console/ → the login page
		chromedp.Click(chromedp.CSS(`a[href="/console/signup"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#confirm_password`)),
	)
	shot(t, user, "signup")
	run(user, "sign up",
		chromedp.SendKeys(chromedp.CSS(`#email`), email),
		chromedp.SendKeys(chromedp.CSS(`#password`), pw),
		chromedp.SendKeys(chromedp.CSS(`#confirm_password`), pw),
		chromedp.Submit(chromedp.CSS(`#confirm_password`)),
		chromedp.WaitVisible(chromedp.CSS(`#secret`)),
	)
	signupKey = text(t, user, `#secret`)
	shot(t, user, "signed-up")
	if !strings.HasPrefix(signupKey, "stai-") {
		t.Fatalf("revealed sign-up key %q", signupKey)
	}

	admin := newChrome(t)
	run(admin, "admin logs in and activates",
		chromedp.Navigate(e.url+"/console/login"),
		chromedp.WaitVisible(chromedp.CSS(`#email`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), admEmail),
		chromedp.SendKeys(chromedp.CSS(`#password`), admPw),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/console/admin"]`)),
		chromedp.Navigate(e.url+"/console/admin"),
		chromedp.WaitVisible(chromedp.CSS(`li[data-email="`+email+`"] button`)),
	)
	shot(t, admin, "admin")
	run(admin, "activate",
		chromedp.Click(chromedp.CSS(`li[data-email="`+email+`"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
	)

	var key, flash string
	run(user, "log in and create a key",
		chromedp.Navigate(e.url+"/console/login"),
		chromedp.WaitVisible(chromedp.CSS(`#email`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), email),
		chromedp.SendKeys(chromedp.CSS(`#password`), pw),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/console/keys"]`)),
	)
	shot(t, user, "home")
	run(user, "create a key",
		chromedp.Click(chromedp.CSS(`nav a[href="/console/keys"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#name`)),
		chromedp.SendKeys(chromedp.CSS(`#name`), "from the browser"),
		chromedp.Submit(chromedp.CSS(`#name`)),
		chromedp.WaitVisible(chromedp.CSS(`#secret`)),
	)
	key, flash = text(t, user, `#secret`), text(t, user, `.flash`)
	shot(t, user, "key-revealed")
	if !strings.Contains(flash, "was created") {
		t.Errorf("flash after creating a key: %q", flash)
	}
	if !strings.HasPrefix(key, "stai-") || key == signupKey {
		t.Fatalf("revealed key %q (sign-up key %q)", key, signupKey)
	}
	if r := e.call(t, "POST", "/user/get-user-logins", hdr("x-access-tokens", key, "Content-Type", ctJSON), `{}`); r.status != 200 {
		t.Fatalf("the revealed key: %s", r)
	}

	run(user, "delete the key",
		chromedp.Navigate(e.url+"/console/keys"),
		chromedp.WaitVisible(chromedp.CSS(`tbody tr:last-child a.danger`)),
		chromedp.Click(chromedp.CSS(`tbody tr:last-child a.danger`)),
		chromedp.WaitVisible(chromedp.CSS(`button.danger`)),
	)
	shot(t, user, "delete-confirm")
	run(user, "confirm",
		chromedp.Click(chromedp.CSS(`button.danger`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
	)
	if r := e.call(t, "POST", "/user/get-user-logins", hdr("x-access-tokens", key, "Content-Type", ctJSON), `{}`); r.status != 401 {
		t.Fatalf("the deleted key: %s", r)
	}
	run(user, "activity", chromedp.Navigate(e.url+"/console/activity"), chromedp.WaitVisible(chromedp.CSS(`table`)))
	shot(t, user, "activity")

	// A dataset, shared with a second account, which sees it in its own
	// console.
	run(user, "create a dataset",
		chromedp.Click(chromedp.CSS(`nav a[href="/console/datasets"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#name`)),
		chromedp.SendKeys(chromedp.CSS(`#name`), "team-notes"),
		chromedp.Submit(chromedp.CSS(`#name`)),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-dataset$="_team-notes_content"] a.button`)),
	)
	shot(t, user, "datasets")
	run(user, "share it",
		chromedp.Click(chromedp.CSS(`tr[data-dataset$="_team-notes_content"] a.button`)),
		chromedp.WaitVisible(chromedp.CSS(`#email`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), admEmail),
		chromedp.SetValue(chromedp.CSS(`#permission`), "edit"),
		chromedp.Submit(chromedp.CSS(`#email`)),
		chromedp.WaitVisible(chromedp.CSS(`li[data-email="`+admEmail+`"]`)),
	)
	shot(t, user, "dataset-sharing")
	run(admin, "the other account sees it",
		chromedp.Navigate(e.url+"/console/datasets"),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-dataset$="_team-notes_content"]`)),
	)
	if got := text(t, admin, `tr[data-dataset$="_team-notes_content"] td[data-label="Your access"]`); got != "edit" {
		t.Errorf("the other account's access: %q, want edit", got)
	}

	run(user, "an app",
		chromedp.Navigate(e.url+"/console/apps"),
		chromedp.WaitVisible(chromedp.CSS(`#name`)),
		chromedp.SendKeys(chromedp.CSS(`#name`), "Support"),
		chromedp.Submit(chromedp.CSS(`#name`)),
		chromedp.WaitVisible(chromedp.CSS(`#key_name`)),
		chromedp.SendKeys(chromedp.CSS(`#key_name`), "bot"),
		chromedp.Submit(chromedp.CSS(`#key_name`)),
		chromedp.WaitVisible(chromedp.CSS(`#secret`)),
	)
	shot(t, user, "app")
}
