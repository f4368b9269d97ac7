package main

import (
	"flag"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
)

// withoutFooter drops the explanation of variables, whose examples name
// flags of other commands.
func withoutFooter(s string) string {
	before, _, _ := strings.Cut(s, footer)
	return before
}

var flagRE = regexp.MustCompile(`--([a-z][a-z0-9-]*)`)

// The usage texts cannot drift from the flags: every flag registered in
// each command's FlagSet is in that command's --help and in the overview,
// and every flag either names exists.
func TestUsageListsEveryFlag(t *testing.T) {
	t.Parallel()
	main := mainUsage()
	allFlags := map[string]bool{}
	for _, d := range docs {
		t.Run(d.name, func(t *testing.T) {
			cfg := config.Default()
			fs := flagsFor(d.name, &cfg, &opts{}, noEnv)
			usage := commandUsage(d.name)
			if !strings.Contains(main, "  "+d.name) {
				t.Errorf("the overview does not list %q", d.name)
			}
			fs.VisitAll(func(f *flag.Flag) {
				allFlags[f.Name] = true
				if !regexp.MustCompile(`--` + regexp.QuoteMeta(f.Name) + `\b`).MatchString(withoutFooter(usage)) {
					t.Errorf("gatehouse %s --help does not list --%s:\n%s", d.name, f.Name, usage)
				}
				if !regexp.MustCompile(`--` + regexp.QuoteMeta(f.Name) + `\b`).MatchString(withoutFooter(main)) {
					t.Errorf("gatehouse --help does not list --%s of %s", f.Name, d.name)
				}
				if _, explained := flag.UnquoteUsage(f); !strings.Contains(usage, explained) {
					t.Errorf("gatehouse %s --help does not explain --%s", d.name, f.Name)
				}
			})
			for _, m := range flagRE.FindAllStringSubmatch(withoutFooter(usage), -1) {
				if fs.Lookup(m[1]) == nil {
					t.Errorf("gatehouse %s --help names --%s, which it does not take", d.name, m[1])
				}
			}
		})
	}
	for _, m := range flagRE.FindAllStringSubmatch(withoutFooter(main), -1) {
		if !allFlags[m[1]] {
			t.Errorf("gatehouse --help names --%s, which no command takes", m[1])
		}
	}
	// The serve flags the issue found missing are there.
	for _, f := range []string{"--jwt-require-exp", "--log-format", "list [--json]"} {
		if !strings.Contains(main, f) {
			t.Errorf("gatehouse --help lacks %s", f)
		}
	}
}

// Every subcommand is in its group's usage, and every documented command
// is in the --help test's table (so a new one is tested).
func TestUsageListsEverySubcommand(t *testing.T) {
	t.Parallel()
	var tested []string
	for _, c := range helpCommands {
		tested = append(tested, strings.Join(c, " "))
	}
	for _, d := range docs {
		if !slices.Contains(tested, d.name) {
			t.Errorf("helpCommands lacks %q", d.name)
		}
		group, sub, ok := strings.Cut(d.name, " ")
		if !ok {
			continue
		}
		if !strings.Contains(groupUsage(group), "  "+group+" "+sub) {
			t.Errorf("gatehouse %s --help does not list %s", group, sub)
		}
		if !slices.Contains(subcommandNames(group), sub) {
			t.Errorf("subcommandNames(%q) lacks %s", group, sub)
		}
	}
}

// --help shows built-in defaults, never a value from the environment (which
// may be a secret).
func TestHelpShowsNoEnvironmentValues(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"GATEHOUSE_LLM_KEY": "sk-secret-from-env",
		"GATEHOUSE_DB":      "postgres://u:pw-from-env@h/db",
		"GATEHOUSE_ADDR":    "10.9.8.7:1",
	}
	for _, args := range [][]string{{"serve", "--help"}, {"--help"}, {"users", "list", "-h"}} {
		r := runCLI(t, env, "", args...)
		if r.err != nil {
			t.Fatalf("%v: %v", args, r.err)
		}
		for _, v := range []string{"sk-secret", "pw-from-env", "10.9.8.7"} {
			if strings.Contains(r.stdout, v) {
				t.Errorf("gatehouse %s shows %q from the environment", strings.Join(args, " "), v)
			}
		}
	}
}
