package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"porthole/config"
	"porthole/remote"
	"porthole/runbooks"
)

// logFixture journals three windows (ok, failed, declined) under a fresh
// state dir and points PORTHOLE_CONFIG at a config using it.
func logFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	cfgPath := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfgPath, []byte("state_dir: "+state+"\n"), 0o600)
	t.Setenv(config.ConfigEnv, cfgPath)
	cfg, err := config.LoadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	env := &runbooks.Env{Config: cfg, User: "alice", Hosts: config.NewHosts(cfg, nil)}
	run := func(id, title string, steps []*runbooks.Step) {
		p := &runbooks.Plan{ID: id, Kind: "backport", Title: title, Steps: steps}
		j, err := runbooks.OpenJournal(state, p)
		if err != nil {
			t.Fatal(err)
		}
		r := runbooks.NewRunner(env, p, j, runbooks.RunOptions{})
		r.Start(context.Background())
		for e := range r.Events() {
			if g, ok := e.(runbooks.GateRequest); ok {
				g.Answer(runbooks.Decision{}) // enter: the default
			}
		}
		j.Close()
	}
	step := func(id, cmd string) *runbooks.Step {
		return &runbooks.Step{ID: id, Title: "Step " + id, Role: config.RoleLocal, Command: cmd}
	}
	run("20260101-090000-backport", "Backport 111: first", []*runbooks.Step{step("fetch", "echo fetched")})
	run("20260101-100000-backport", "Backport 222: second", []*runbooks.Step{step("fetch", "echo nope; exit 4")})
	run("20260101-110000-backport", "Backport 333: third", []*runbooks.Step{
		step("fetch", "true"),
		{ID: "sync", Title: "Sync", Role: config.RoleLocal, Command: "echo " + remote.Quote("synced"), Irreversible: true}})
	return state
}

func runLogArgs(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var buf bytes.Buffer
	old := logOut
	logOut = &buf
	defer func() { logOut = old }()
	err := runLog(context.Background(), args)
	return buf.String(), err
}

func TestLogListsWindowsNewestFirst(t *testing.T) {
	logFixture(t)
	out, err := runLogArgs(t)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "ID") {
		t.Fatalf("list:\n%s", out)
	}
	// all three started within the same second: ties break by id, newest first
	for i, want := range []string{"20260101-110000-backport", "20260101-100000-backport", "20260101-090000-backport"} {
		if !strings.HasPrefix(lines[i+1], want) {
			t.Fatalf("line %d is %q, want window %s first", i+1, lines[i+1], want)
		}
	}
	for _, want := range []string{"declined at sync", "failed at fetch", "ok (1/1 steps)", "alice", "Backport 333: third"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	out, _ = runLogArgs(t, "-n", "1")
	if !strings.Contains(out, "2 older windows not shown") {
		t.Errorf("-n 1:\n%s", out)
	}
}

func TestLogShowAndExport(t *testing.T) {
	logFixture(t)
	out, err := runLogArgs(t, "show", "20260101-10")
	if err != nil {
		t.Fatal(err)
	}
	// laid out for reading: no table markup, no HTML
	if !strings.Contains(out, "Backport 222: second\n") || !strings.Contains(out, "Status: failed at Step fetch") ||
		!strings.Contains(out, "→ exit 4") || strings.Contains(out, "|---|") || strings.Contains(out, "<details>") {
		t.Fatalf("show:\n%s", out)
	}
	out, err = runLogArgs(t, "show", "-markdown", "20260101-10")
	if err != nil || !strings.HasPrefix(out, "# Backport 222: second\n") || !strings.Contains(out, "- **Status:** failed at Step fetch") {
		t.Fatalf("show -markdown: %v\n%s", err, out)
	}
	out, err = runLogArgs(t, "show")
	if err != nil || !strings.Contains(out, "Backport 333: third") {
		t.Fatalf("show with no id (the newest): %v\n%s", err, out)
	}
	file := filepath.Join(t.TempDir(), "window.md")
	if _, err := runLogArgs(t, "export", "20260101-09", "-o", file); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(file)
	if !strings.HasPrefix(string(b), "# Backport 111: first") {
		t.Fatalf("exported:\n%s", b)
	}
	if _, err := runLogArgs(t, "export", "20260101-09", "-o", file); err == nil || !strings.Contains(err.Error(), "-force") {
		t.Fatalf("overwrite without -force: %v", err)
	}
	if _, err := runLogArgs(t, "export", "-force", "-o", file, "20260101-10"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(file); !strings.HasPrefix(string(b), "# Backport 222") {
		t.Fatalf("-force did not overwrite:\n%s", b)
	}
}

func TestLogUsageErrors(t *testing.T) {
	logFixture(t)
	var ue usageError
	for _, args := range [][]string{{"frob"}, {"export", "20260101-09"}, {"show", "a", "b"}, {"-bogus"}, {"list", "x"}} {
		if _, err := runLogArgs(t, args...); !errors.As(err, &ue) {
			t.Errorf("porthole log %v: %v, want a usage error", args, err)
		}
	}
	if _, err := runLogArgs(t, "show", "2026"); err == nil || !strings.Contains(err.Error(), "matches 3 windows") {
		t.Errorf("ambiguous id: %v", err)
	}
	if _, err := runLogArgs(t, "show", "nope"); err == nil || !strings.Contains(err.Error(), "porthole log") {
		t.Errorf("unknown id: %v", err)
	}
}
