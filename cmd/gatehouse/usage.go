package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/gatehouse/gatehouse/internal/config"
)

// A doc is one command or subcommand: its help, its positional arguments
// and, through flagsFor, its flags. The usage texts are made from these, so
// they list every command and every flag there is.
type doc struct {
	name  string // as typed: "users create"
	args  string // what follows the name: "EMAIL [--admin] [--active]"
	nargs int    // how many positional arguments it takes
	about string
}

var docs = []doc{
	{"serve", "", 0, "serve the sumtyme, Ask Sage and Sunshine Conversations APIs until SIGINT or SIGTERM"},
	{"migrate", "", 0, "apply pending database migrations (serve and every command apply them too)"},
	{"backup", "FILE", 1, "write a consistent copy of the SQLite database, online (for PostgreSQL use pg_dump)"},
	{"users create", "EMAIL [--admin] [--active]", 1, "create an account; the password is the first line of standard input; prints its first API key once"},
	{"users activate", "EMAIL", 1, "let a pending or disabled account use its credentials"},
	{"users deactivate", "EMAIL", 1, "disable an account and revoke its API keys, tokens, account keys and app keys"},
	{"users list", "[--json]", 0, "list the accounts (--json: one JSON object a line)"},
	{"users set-cac", "EMAIL on|off", 2, "mark an account as CAC-verified, or not"},
	{"keys create", "EMAIL [--name NAME]", 1, "issue an API key for an account; prints it once"},
	{"account-keys create", "EMAIL [--name NAME] [--json]", 1, `issue a Sunshine account key (act_...); prints its id and secret once (--json: one line {"id":"act_...","secret":"..."})`},
	{"account-keys list", "EMAIL [--json]", 1, "list an account's account keys, without secrets"},
	{"account-keys delete", "EMAIL ID", 2, "delete an account key"},
	{"audit", "[--email E] [--since T] [--until T] [--type T] [--json]", 0, "print the audit trail, oldest first (times RFC 3339 or a date; --json: one JSON object a line)"},
	{"healthcheck", "[--url URL]", 0, "exit 0 if a running server answers 200 at URL (its /healthz), else 1; for a container's HEALTHCHECK"},
	{"version", "", 0, "print the version"},
	{"help", "[COMMAND]", 0, "print this help, or a command's"},
}

func findDoc(name string) *doc {
	for i := range docs {
		if docs[i].name == name {
			return &docs[i]
		}
	}
	return nil
}

func subcommandNames(group string) []string {
	var out []string
	for _, d := range docs {
		if sub, ok := strings.CutPrefix(d.name, group+" "); ok {
			out = append(out, sub)
		}
	}
	return out
}

// opts are the flags of a command beyond the settings.
type opts struct {
	admin, active, json bool
	name                string
	url                 string // healthcheck --url
	email, since, until string // audit
	typ                 string // audit --type
}

// flagsFor returns command's flag set: the settings (config) it uses, then
// its own flags, which fill o.
func flagsFor(command string, cfg *config.Config, o *opts, getenv func(string) string) *flag.FlagSet {
	if command == "version" || command == "help" {
		return flag.NewFlagSet(command, flag.ContinueOnError)
	}
	if command == "healthcheck" {
		return healthcheckFlags(o)
	}
	fs := config.FlagSet(command, cfg, getenv, command == "serve")
	switch command {
	case "users create":
		fs.BoolVar(&o.admin, "admin", false, "make the account an administrator")
		fs.BoolVar(&o.active, "active", false, "activate the account at once (else it is pending)")
	case "users list", "account-keys list":
		fs.BoolVar(&o.json, "json", false, "print one JSON object a line")
	case "audit":
		fs.StringVar(&o.email, "email", "", "only the events of the account with this `EMAIL`, or by it")
		fs.StringVar(&o.since, "since", "", "only events at or after `TIME` (RFC 3339, or YYYY-MM-DD)")
		fs.StringVar(&o.until, "until", "", "only events before `TIME` (RFC 3339, or YYYY-MM-DD)")
		fs.StringVar(&o.typ, "type", "", "only events of this `TYPE` (e.g. key.delete, console.login)")
		fs.BoolVar(&o.json, "json", false, "print one JSON object a line")
	case "keys create":
		fs.StringVar(&o.name, "name", "cli", "the key's `NAME`")
	case "account-keys create":
		fs.StringVar(&o.name, "name", "default", "the key's `NAME`")
		fs.BoolVar(&o.json, "json", false, `print one line {"id":"act_...","secret":"..."}`)
	}
	return fs
}

// parse parses command's flags and settings, allowing flags after
// positional arguments ("users activate a@b.c --data DIR"), checks the
// number of arguments and validates the settings. --help or -h anywhere
// answers helpShown with the command's usage.
func parse(command string, args []string, getenv func(string) string) (config.Config, opts, []string, error) {
	cfg := config.Default()
	var o opts
	d := findDoc(command)
	fs := flagsFor(command, &cfg, &o, getenv)
	fs.SetOutput(io.Discard) // run reports the error once, with the usage
	fs.Usage = func() {}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return cfg, o, nil, helpShown{commandUsage(command)}
			}
			return cfg, o, nil, usageError{fmt.Sprintf("%s: %v", command, err), commandUsage(command)}
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if len(pos) != d.nargs {
		want := "no arguments"
		if d.nargs > 0 {
			want = fmt.Sprintf("%d argument(s), %s", d.nargs, positional(d.args))
		}
		return cfg, o, nil, usageError{fmt.Sprintf("%s: want %s; got %d", command, want, len(pos)), commandUsage(command)}
	}
	if err := cfg.Validate(); err != nil {
		return cfg, o, nil, usageError{err.Error(), fmt.Sprintf("(\"gatehouse %s --help\" lists the settings)\n", command)}
	}
	return cfg, o, pos, nil
}

// positional is the arguments part of a synopsis, without its flags.
func positional(args string) string {
	var out []string
	for _, w := range strings.Fields(args) {
		if !strings.HasPrefix(w, "[") && !strings.HasSuffix(w, "]") {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

func synopsis(d doc) string {
	s := "gatehouse " + d.name
	if d.args != "" {
		s += " " + d.args
	}
	return s
}

const footer = `Each setting --NAME also reads the environment variable GATEHOUSE_NAME
(--data reads GATEHOUSE_DATA, --llm-timeout GATEHOUSE_LLM_TIMEOUT); flags
override variables and an empty variable counts as unset. GATEHOUSE_MASTER_KEY (64 hex characters) is
the master key; without it the key is DATA/master.key, made on first start.
`

// mainUsage is "gatehouse --help": every command, and every flag.
func mainUsage() string {
	var b strings.Builder
	b.WriteString("gatehouse — accounts and API keys for API platforms\n\n")
	b.WriteString("usage: gatehouse COMMAND [ARGUMENTS] [FLAGS]\n\ncommands:\n")
	for _, d := range docs {
		fmt.Fprintf(&b, "  %s\n      %s\n", strings.TrimPrefix(synopsis(d), "gatehouse "), d.about)
	}
	cfg := config.Default()
	common := config.FlagSet("", &cfg, noEnv, false)
	b.WriteString("\nsettings of every command but healthcheck, version and help:\n")
	writeFlags(&b, common, nil)
	b.WriteString("\nsettings of serve:\n")
	writeFlags(&b, flagsFor("serve", &cfg, &opts{}, noEnv), func(name string) bool { return common.Lookup(name) == nil })
	b.WriteString("\n" + footer)
	b.WriteString("\n\"gatehouse COMMAND --help\" shows one command with all its flags.\n")
	return b.String()
}

// groupUsage is "gatehouse users --help": the group's subcommands.
func groupUsage(group string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: gatehouse %s SUBCOMMAND [ARGUMENTS] [FLAGS]\n\nsubcommands:\n", group)
	for _, d := range docs {
		if strings.HasPrefix(d.name, group+" ") {
			fmt.Fprintf(&b, "  %s\n      %s\n", strings.TrimPrefix(synopsis(d), "gatehouse "), d.about)
		}
	}
	fmt.Fprintf(&b, "\n\"gatehouse %s SUBCOMMAND --help\" shows one with all its flags.\n", group)
	return b.String()
}

// commandUsage is "gatehouse users create --help".
func commandUsage(command string) string {
	d := findDoc(command)
	var b strings.Builder
	fmt.Fprintf(&b, "usage: %s", synopsis(*d))
	cfg := config.Default()
	fs := flagsFor(command, &cfg, &opts{}, noEnv)
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		b.WriteString(" [FLAGS]")
	}
	fmt.Fprintf(&b, "\n\n%s\n", d.about)
	if n > 0 {
		b.WriteString("\nflags:\n")
		writeFlags(&b, fs, nil)
		if fs.Lookup("data") != nil { // the footer is about settings; healthcheck has none
			b.WriteString("\n" + footer)
		}
	}
	return b.String()
}

func noEnv(string) string { return "" }

// writeFlags lists the flags of fs that keep accepts (nil: all), with
// their built-in defaults (never a value from the environment, which may
// be a secret) and, for settings, their variables.
func writeFlags(w io.Writer, fs *flag.FlagSet, keep func(string) bool) {
	settings := config.Default()
	setting := config.FlagSet("", &settings, noEnv, true)
	var lines [][2]string
	fs.VisitAll(func(f *flag.Flag) {
		if keep != nil && !keep(f.Name) {
			return
		}
		arg, usage := flag.UnquoteUsage(f)
		if t, ok := f.Value.(interface{ Type() string }); ok && arg == "value" {
			arg = t.Type()
		}
		left := "--" + f.Name
		if arg != "" {
			left += " " + arg
		}
		var notes []string
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" {
			notes = append(notes, "default "+f.DefValue)
		}
		if setting.Lookup(f.Name) != nil {
			notes = append(notes, "env "+config.EnvName(f.Name))
		}
		if len(notes) > 0 {
			usage += " (" + strings.Join(notes, "; ") + ")"
		}
		lines = append(lines, [2]string{left, usage})
	})
	const width = 24
	for _, l := range lines {
		if len(l[0]) > width {
			fmt.Fprintf(w, "  %s\n  %*s  %s\n", l[0], width, "", l[1])
			continue
		}
		fmt.Fprintf(w, "  %-*s  %s\n", width, l[0], l[1])
	}
}
