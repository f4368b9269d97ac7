package config

import (
	"io"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/core"
)

// TestChatQuotaSettings: the chat quotas default to core's, read sizes
// with units from flags and GATEHOUSE_CHAT_* variables (flags win), and a
// value that does not parse, or quotas out of order, fail Validate naming
// the setting.
func TestChatQuotaSettings(t *testing.T) {
	t.Parallel()
	if d := Default(); d.ChatMaxMessage != core.DefaultChatLimits.MaxMessage || d.ChatMaxSession != core.DefaultChatLimits.MaxSession || d.ChatMaxAccount != core.DefaultChatLimits.MaxAccount {
		t.Errorf("defaults %d/%d/%d, core's are %+v", d.ChatMaxMessage, d.ChatMaxSession, d.ChatMaxAccount, core.DefaultChatLimits)
	}
	for _, tc := range []struct {
		name    string
		env     map[string]string
		args    []string
		want    [3]int64 // message, session, account
		wantErr string   // "" when valid
	}{
		{name: "defaults", want: [3]int64{256 << 10, 4 << 20, 32 << 20}},
		{name: "env bytes", env: map[string]string{"GATEHOUSE_CHAT_MAX_MESSAGE": "1000"}, want: [3]int64{1000, 4 << 20, 32 << 20}},
		{name: "env units", env: map[string]string{"GATEHOUSE_CHAT_MAX_SESSION": "8MiB", "GATEHOUSE_CHAT_MAX_ACCOUNT": " 1 gib "}, want: [3]int64{256 << 10, 8 << 20, 1 << 30}},
		{name: "short units", args: []string{"--chat-max-message", "64k", "--chat-max-session", "2M", "--chat-max-account", "1G"}, want: [3]int64{64 << 10, 2 << 20, 1 << 30}},
		{name: "flag over env", env: map[string]string{"GATEHOUSE_CHAT_MAX_ACCOUNT": "64MiB"}, args: []string{"--chat-max-account", "16MiB"}, want: [3]int64{256 << 10, 4 << 20, 16 << 20}},
		{name: "env not a size", env: map[string]string{"GATEHOUSE_CHAT_MAX_SESSION": "abc"}, want: [3]int64{256 << 10, 4 << 20, 32 << 20}, wantErr: "GATEHOUSE_CHAT_MAX_SESSION"},
		{name: "env negative", env: map[string]string{"GATEHOUSE_CHAT_MAX_MESSAGE": "-1"}, want: [3]int64{256 << 10, 4 << 20, 32 << 20}, wantErr: "GATEHOUSE_CHAT_MAX_MESSAGE"},
		{name: "env too large", env: map[string]string{"GATEHOUSE_CHAT_MAX_ACCOUNT": "9999999999GiB"}, want: [3]int64{256 << 10, 4 << 20, 32 << 20}, wantErr: "GATEHOUSE_CHAT_MAX_ACCOUNT"},
		{name: "zero", args: []string{"--chat-max-message", "0"}, want: [3]int64{0, 4 << 20, 32 << 20}, wantErr: "positive"},
		{name: "message over session", args: []string{"--chat-max-message", "8MiB"}, want: [3]int64{8 << 20, 4 << 20, 32 << 20}, wantErr: "chat-max-message (8MiB) <= chat-max-session (4MiB)"},
		{name: "session over account", env: map[string]string{"GATEHOUSE_CHAT_MAX_SESSION": "64MiB"}, want: [3]int64{256 << 10, 64 << 20, 32 << 20}, wantErr: "<= chat-max-account"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := Default()
			fs := FlagSet("serve", &c, func(k string) string { return tc.env[k] }, true)
			fs.SetOutput(io.Discard)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := [3]int64{c.ChatMaxMessage, c.ChatMaxSession, c.ChatMaxAccount}; got != tc.want {
				t.Errorf("quotas %v, want %v", got, tc.want)
			}
			err := c.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("Validate: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("Validate = %v, want an error naming %q", err, tc.wantErr)
			}
		})
	}
	// A bad flag value is a parse error naming the flag.
	c := Default()
	fs := FlagSet("serve", &c, func(string) string { return "" }, true)
	fs.SetOutput(io.Discard)
	if err := fs.Parse([]string{"--chat-max-session", "lots"}); err == nil || !strings.Contains(err.Error(), "chat-max-session") {
		t.Errorf("Parse(--chat-max-session lots) = %v, want an error naming the flag", err)
	}
}
