package main

// Hardening found while trying porthole as a new deployer would (issue 10):
// each case runs the porthole binary against the sandbox.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// lineOf is the 1-based line of the first line of file holding s.
func lineOf(t *testing.T, file, s string) int {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range bytes.Split(data, []byte("\n")) {
		if bytes.Contains(l, []byte(s)) {
			return i + 1
		}
	}
	t.Fatalf("%s has no line with %q", file, s)
	return 0
}

func TestHardeningQuotedPlaceholderInConfigIsRefused(t *testing.T) {
	t.Parallel() // runs the built porthole against a sandbox of its own
	b := startBadSandbox(t)
	for _, q := range []string{`"{message}"`, `'{message}'`} {
		cfg := b.configWith(t, "sync_file: scap sync-file {path} {message}", "sync_file: scap sync-file {path} "+q)
		o := b.run(t, "", "plan", "--config", cfg, fmt.Sprint(b.Changes["core"]))
		line := lineOf(t, cfg, "sync_file:")
		oneLineError(t, "quoted "+q, o, 1, fmt.Sprintf("%s:%d: commands.sync_file: {message} is inside quotes", cfg, line), "write it bare")
		if strings.Contains(o.stdout, "scap sync-file") {
			t.Errorf("quoted %s: a plan was shown:\n%s", q, o.stdout)
		}
	}
	// a shell ${VAR} and quotes around plain words stay allowed
	cfg := b.configWith(t, "sync_file: scap sync-file {path} {message}", `sync_file: "scap sync-file --note \"${USER:-x}\" {path} {message}"`)
	if o := b.run(t, "", "plan", "--config", cfg, fmt.Sprint(b.Changes["core"])); o.code != 0 {
		t.Errorf("a quoted ${USER} was refused:\n%s", o)
	}
}

func TestHardeningRevertCommitParamIsNotAnOption(t *testing.T) {
	t.Parallel() // runs the built porthole against a sandbox of its own
	b := startBadSandbox(t)
	n := fmt.Sprint(b.Changes["core"])
	out := filepath.Join(t.TempDir(), "written")
	core := filepath.Join(b.StagingDir(), "php-"+b.Version)
	o := b.run(t, "y\ny\ny\ny\n", "revert", "--config", b.ConfigPath, n,
		"--param", "merged:"+n+"=--output="+out, "--param", "repo:"+n+"="+core,
		"--param", "syncpath:"+n+"=php-"+b.Version+"/includes/Title.php", "--param", "subject:"+n+"=x",
		"--param", "project:"+n+"=mediawiki/core", "--param", "branch:"+n+"=wmf/"+b.Version)
	oneLineError(t, "merged:N=--output=F", o, exitUsage, "parameter merged:"+n, "is not a commit id")
	matches, _ := filepath.Glob(out + "*")
	if len(matches) > 0 {
		t.Fatalf("git wrote %v on the deployment host", matches)
	}
}

func TestHardeningBadParameterIsAUsageError(t *testing.T) {
	t.Parallel() // runs the built porthole against a sandbox of its own
	b := startBadSandbox(t)
	unknown := b.run(t, "", "run", "--config", b.ConfigPath, "namespaceDupez", "--param", "wiki=enwiki")
	oneLineError(t, "unknown runbook", unknown, exitUsage, `no runbook named "namespaceDupez"`)
	for _, p := range []string{"wiki=Not A Wiki", "nosuch=1", "wiki=enwikii"} {
		o := b.run(t, "", "run", "--config", b.ConfigPath, "namespaceDupes", "--param", p)
		oneLineError(t, p, o, unknown.code)
	}
}

// TestHardeningRunOutputIsRedacted: what a host prints reaches the terminal
// with secrets blanked, as in the journal (a secret environment variable's
// value, a password in a URL).
func TestHardeningRunOutputIsRedacted(t *testing.T) {
	f := newRunFixture(t)
	const token = "tok3n-0f-the-deployer"
	t.Setenv("PORTHOLE_TEST_API_TOKEN", token)
	dir := filepath.Join(f.dir, "xdg", "porthole", "runbooks")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	book := `name: leaky
description: a script that prints credentials
params:
  - {name: wiki, type: wiki, required: true}
steps:
  - title: Leak
    role: deploy
    command: echo ` + token + ` https://bot:hunter2pass@example.org/x {wiki}
`
	if err := os.WriteFile(filepath.Join(dir, "leaky.yaml"), []byte(book), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := f.porthole(t, "y\n", "leaky", "--param", "wiki=enwiki")
	if err != nil {
		t.Fatalf("%v\n%s\n%s", err, out, errOut)
	}
	if !strings.Contains(out, "[redacted] https://bot:[redacted]@example.org/x enwiki") {
		t.Errorf("the host's line is not shown redacted:\n%s", out)
	}
	for _, secret := range []string{token, "hunter2pass"} {
		if strings.Contains(out+errOut, secret) {
			t.Errorf("the terminal shows %q:\n%s\n%s", secret, out, errOut)
		}
	}
}

func TestHardeningPlanOfADangerousChangeExitsNonZero(t *testing.T) {
	t.Parallel() // runs the built porthole against a sandbox of its own
	b := startBadSandbox(t)
	schema := b.Changes["schema"]
	o := b.run(t, "", "plan", "--config", b.ConfigPath, fmt.Sprint(schema))
	oneLineError(t, "plan of a schema change", o, exitDanger, fmt.Sprintf("schema (change %d)", schema))
	if !strings.Contains(o.stdout, "DANGER") || !strings.Contains(o.stdout, "Steps") {
		t.Errorf("the plan was not shown in full:\n%s", o.stdout)
	}
	if o := b.run(t, "", "plan", "--config", b.ConfigPath, fmt.Sprint(b.Changes["core"])); o.code != 0 {
		t.Errorf("plan of a plain change:\n%s", o)
	}
}

// TestDangerGateNeedsTheTypedNumber: porthole backport of the schema change
// answered y to everything leaves it unmerged and unvoted; typing its number
// is what +2s it.
func TestDangerGateNeedsTheTypedNumber(t *testing.T) {
	t.Parallel() // runs the built porthole against a sandbox of its own
	b := startBadSandbox(t)
	schema := b.Changes["schema"]
	o := b.run(t, strings.Repeat("y\n", 20), "backport", "--config", b.ConfigPath, fmt.Sprint(schema))
	if o.code == 0 {
		t.Fatalf("a y answered the danger gate:\n%s", o)
	}
	for _, want := range []string{fmt.Sprintf("[type %d to go on; anything else stops]", schema), fmt.Sprintf(`"y" is not %d: not going on`, schema)} {
		if !strings.Contains(o.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, o.stdout)
		}
	}
	st := b.Gerrit.Change(schema)
	if st.Status != "NEW" || st.Votes["Code-Review"][b.User] != 0 {
		t.Fatalf("after y: change %d is %s with votes %v", schema, st.Status, st.Votes)
	}
	time.Sleep(1100 * time.Millisecond) // a new window id (they are per second)
	o = b.run(t, fmt.Sprintf("%d\n", schema)+strings.Repeat("n\n", 20), "backport", "--config", b.ConfigPath, fmt.Sprint(schema))
	if v := b.Gerrit.Change(schema).Votes["Code-Review"][b.User]; v != 2 {
		t.Fatalf("typing %d did not +2 it (Code-Review %+d):\n%s", schema, v, o)
	}
}
