package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"porthole/internal/testreq"
	"porthole/remote"
	"porthole/remote/sshtest"
	"porthole/runbooks"
	"porthole/runbooks/journal"
)

// runFixture is a maintenance host and a deployment host behind real sshd,
// a staging dir with dblists, the sandbox's mwscript stand-in, and a config
// file naming them all.
type runFixture struct {
	dir, config, state string
	cluster            *sshtest.Cluster
}

// newRunFixture is newRunHosts for running porthole in-process: the
// process's environment names no other config, XDG dir or agent (so it
// must not run in a parallel test).
func newRunFixture(t *testing.T) *runFixture {
	t.Helper()
	f := newRunHosts(t)
	t.Setenv("PORTHOLE_CONFIG", "")
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(f.dir, "xdg"))
	t.Setenv("SSH_AUTH_SOCK", "")
	return f
}

// newRunHosts starts a maintenance and a deploy host (real sshd) with the
// mwscript stand-in, and writes a config for them; the built porthole runs
// against it with portholeEnv.
func newRunHosts(t *testing.T) *runFixture {
	t.Helper()
	testreq.Tmux(t) // the config's maintenance runs use a tmux socket
	dir := t.TempDir()
	// YAML runbooks call mwscript by name: it is on the hosts' PATH.
	c := sshtest.Start(t, 2, sshtest.Names("mwmaint1002", "deploy1002"),
		sshtest.Env("PATH", filepath.Join(dir, "bin")+":/usr/local/bin:/usr/bin:/bin"))
	f := &runFixture{dir: dir, config: filepath.Join(dir, "config.yaml"), state: filepath.Join(dir, "mwstate"), cluster: c}
	staging := filepath.Join(dir, "staging")
	write := func(p, content string, mode os.FileMode) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(staging, "dblists", "all.dblist"), "enwiki\nfrwiki\nhewiki\n", 0o644)
	write(filepath.Join(staging, "wmf-config", "InitialiseSettings.php"),
		"<?php\nreturn [\n'wgExtraNamespaces' => [\n\t'frwiki' => [\n\t\t100 => 'Portail',\n\t],\n],\n];\n", 0o644)
	standin, err := filepath.Abs("../../sandbox/standins/mwscript")
	if err != nil {
		t.Fatal(err)
	}
	mw := filepath.Join(dir, "bin", "mwscript")
	write(mw, "#!/bin/sh\nexport MWSCRIPT_DBLIST="+remote.Quote(filepath.Join(staging, "dblists", "all.dblist"))+
		" MWSCRIPT_SETTINGS="+remote.Quote(filepath.Join(staging, "wmf-config", "InitialiseSettings.php"))+
		" MWSCRIPT_STATE="+remote.Quote(f.state)+"\nexec /bin/sh "+remote.Quote(standin)+" \"$@\"\n", 0o755)
	sock := "porthole-runtest-" + fmt.Sprint(os.Getpid()) + "-" + filepath.Base(dir)
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", sock, "kill-server").Run() })
	write(f.config, fmt.Sprintf(`state_dir: %s
ssh_config: %s
known_hosts: [%s]
staging_dir: %s
hosts:
  maintenance: [mwmaint1002]
  deploy: [deploy1002]
commands:
  mwscript: %s
maintenance:
  tmux_socket: %s
  transcript_dir: %s
  poll_interval: 50ms
`, filepath.Join(dir, "state"), c.SSHConfigPath, c.KnownHostsPath, staging, mw, sock, filepath.Join(dir, "transcripts")), 0o600)
	return f
}

// porthole runs `porthole run ARGS` in-process with stdin and returns stdout and stderr.
func (f *runFixture) porthole(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	runOut, runErr, runIn = &out, &errb, strings.NewReader(stdin)
	defer func() { runOut, runErr, runIn = os.Stdout, os.Stderr, os.Stdin }()
	err := runRunbook(context.Background(), append(args, "-config", f.config))
	return out.String(), errb.String(), err
}

func TestRunNamespaceDupesOverSSH(t *testing.T) {
	f := newRunFixture(t)
	out, errOut, err := f.porthole(t, "y\n", "namespaceDupes", "--param", "wiki=frwiki")
	if err != nil {
		t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", err, out, errOut)
	}
	for _, want := range []string{
		"porthole run namespaceDupes: namespaceDupes on frwiki (window ",
		"1. Dry run: namespaceDupes.php on frwiki — on mwmaint1002 (maintenance)  [dry run]",
		"2. namespaceDupes.php --fix on frwiki — on mwmaint1002 (maintenance)  [irreversible: asks, default No]",
		"==> [1/2] Dry run: namespaceDupes.php on frwiki",
		"mwmaint1002: [sandbox] mwscript stand-in: mwscript namespaceDupes.php frwiki",
		"mwmaint1002: id=10001 ns=0 dbk=Portail:Sandbox_example -> Portail:Sandbox_example (no conflict) DRY RUN ONLY",
		"-- frwiki: 1 pages to fix, 1 were resolvable; 1 links to fix, 1 were resolvable, 0 were deleted — Looks good!",
		"?? Run namespaceDupes.php --fix on frwiki? It moves pages and rewrites links.",
		"namespaceDupes.php frwiki --fix\n",
		"[y/N]",
		"<== namespaceDupes.php --fix on frwiki: done",
		"porthole run namespaceDupes: all 2 steps done (porthole log show ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("stdout:\n%s", out)
	}
	b, _ := os.ReadFile(filepath.Join(f.state, "frwiki", "fixed"))
	if string(b) != "Portail\n" {
		t.Fatalf("frwiki not fixed: %q", b)
	}
	// The window is journaled like any other.
	ws, err := journal.ListWindows(filepath.Join(f.dir, "state"))
	if err != nil || len(ws) != 1 || ws[0].Kind != "namespaceDupes" {
		t.Fatalf("windows %+v %v", ws, err)
	}
}

func TestRunWithoutAnAnswerDoesNotFix(t *testing.T) {
	f := newRunFixture(t)
	out, _, err := f.porthole(t, "", "namespaceDupes", "--param", "wiki=frwiki", "--param", "tmux=false")
	if !errors.Is(err, runbooks.ErrDeclined) {
		t.Fatalf("err %v\n%s", err, out)
	}
	if !strings.Contains(out, "[y/N] n (no answer)") || !strings.Contains(out, "porthole run namespaceDupes stopped") {
		t.Fatalf("stdout:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(f.state, "frwiki", "fixed")); err == nil {
		t.Fatal("--fix ran without a yes")
	}
}

func TestRunBadInput(t *testing.T) {
	f := newRunFixture(t)
	_, _, err := f.porthole(t, "", "namespaceDupes", "--param", "wiki=enwikii")
	if err == nil || err.Error() != "namespaceDupes: enwikii is not in all.dblist and is not a dblist; did you mean enwiki?" {
		t.Fatalf("err %v", err)
	}
	_, _, err = f.porthole(t, "", "namespacedupes")
	var ue usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), `no runbook named "namespacedupes": porthole run --list lists them; did you mean namespaceDupes?`) {
		t.Fatalf("err %v", err)
	}
	_, _, err = f.porthole(t, "", "namespaceDupes", "--param", "wiki")
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "write NAME=VALUE") {
		t.Fatalf("err %v", err)
	}
	_, _, err = f.porthole(t, "", "purgeList", "--param", "urls=https://fr.wikipedia.org/static/x.png")
	if err == nil || !strings.Contains(err.Error(), "use https://en.wikipedia.org/static/x.png") {
		t.Fatalf("err %v", err)
	}
}

func TestRunListAndYAMLRunbookWithYesDryRuns(t *testing.T) {
	f := newRunFixture(t)
	dir := filepath.Join(f.dir, "xdg", "porthole", "runbooks")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	book := `name: versionCheck
description: print MediaWiki's version, then pretend to act on it
params:
  - {name: wiki, type: wiki, required: true, help: the wiki}
steps:
  - title: Dry version
    command: mwscript Version.php --wiki={wiki}
    dry_run: true
    confirm: Look at {wiki}'s version?
    success: 'MediaWiki version: \S+'
  - title: Act
    command: mwscript showJobs.php --wiki={wiki}
    irreversible: true
`
	if err := os.WriteFile(filepath.Join(dir, "version.yaml"), []byte(book), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte("name: broken\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := f.porthole(t, "", "--list")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"namespaceDupes  (built-in)\n    --param wiki=…  wikilist, required: wiki database names",
		"    --param on_failure=…  enum stop|continue, default stop",
		"versionCheck  (" + filepath.Join(dir, "version.yaml") + ")\n    --param wiki=…  wiki, required: the wiki",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "skipped a YAML runbook: "+filepath.Join(dir, "broken.yaml")+":1: steps: a runbook needs a list of steps") {
		t.Errorf("stderr:\n%s", errOut)
	}
	// The dry run's gate is answered by --yes-dry-runs; the irreversible one still asks ("y" here).
	out, errOut, err = f.porthole(t, "y\n", "versionCheck", "--param", "wiki=hewiki", "--yes-dry-runs")
	if err != nil {
		t.Fatalf("%v\n%s\n%s", err, out, errOut)
	}
	// The bad file is reported once, on the terminal: not again in the log.
	if n := strings.Count(errOut, "skipped a YAML runbook"); n != 1 {
		t.Errorf("the bad YAML runbook is reported %d times on stderr:\n%s", n, errOut)
	}
	if log, err := os.ReadFile(filepath.Join(f.dir, "state", journal.LogFile)); err != nil || bytes.Contains(log, []byte("broken.yaml")) {
		t.Errorf("the log (%v) reports the bad YAML runbook porthole run reported:\n%s", err, log)
	}
	for _, want := range []string{
		"?? Look at hewiki's version?\n   y (--yes-dry-runs: a dry run changes nothing)",
		"-- all: MediaWiki version: 1.44.0-wmf.5",
		"?? Act?",
		"[y/N]",
		"all 2 steps done",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
}

// TestRunResumeReattachesAfterTheHostDied: the maintenance host's sshd dies
// while a script runs in tmux and stays down longer than reconnect_for; the
// run stops; once the host is back, `porthole run --resume` reattaches to
// the script (it is not run twice) and finishes the window.
func TestRunResumeReattachesAfterTheHostDied(t *testing.T) {
	f := newRunFixture(t)
	cfg, err := os.ReadFile(f.config)
	if err != nil {
		t.Fatal(err)
	}
	// A slower script, and a short patience for the lost host.
	cfg = bytes.Replace(cfg, []byte("  mwscript: "), []byte("  mwscript: MWSCRIPT_DELAY=0.4 "), 1)
	cfg = append(cfg, []byte("  reconnect_for: 300ms\n")...)
	if err := os.WriteFile(f.config, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	// Kill the host's sshd as soon as the script has started.
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			logs, _ := filepath.Glob(filepath.Join(f.dir, "transcripts", "*.log"))
			for _, l := range logs {
				if b, _ := os.ReadFile(l); bytes.Contains(b, []byte("[sandbox] mwscript stand-in")) {
					_ = f.cluster.Stop(0)
					return
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	out1, _, err := f.porthole(t, "", "namespaceDupes", "--param", "wiki=frwiki")
	out := out1
	<-stopped
	if !errors.Is(err, remote.ErrHostLost) {
		t.Fatalf("first run: %v\n%s", err, out)
	}
	// The note says it in a few words; the error, in full, once.
	// (connection lost, or refused when the next read comes first).
	if !strings.Contains(out, "!! lost the connection to mwmaint1002 (connection ") ||
		strings.Contains(out, "is the host up") || !strings.Contains(err.Error(), "is the host up") {
		t.Fatalf("err %v\nstdout:\n%s", err, out)
	}
	if err := f.cluster.Restart(0); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := f.porthole(t, "y\n", "--resume")
	if err != nil {
		t.Fatalf("resume: %v\n%s\n%s", err, out, errOut)
	}
	for _, want := range []string{
		"resuming:\nporthole run namespaceDupes: namespaceDupes on frwiki",
		"!! reattaching to tmux session porthole-",
		"mwmaint1002: Looks good!",
		"all 2 steps done",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	// The dry run ran once: one transcript, and the resumed run showed only
	// what came after what the first run had shown.
	if dry, _ := filepath.Glob(filepath.Join(f.dir, "transcripts", "*-dry-run-frwiki-*.log")); len(dry) != 1 {
		t.Errorf("dry-run transcripts: %v", dry)
	}
	header := "[sandbox] mwscript stand-in: mwscript namespaceDupes.php frwiki ("
	if n := strings.Count(out1+out, header); n != 1 {
		t.Errorf("the dry run's first line was shown %d times over the two runs:\n%s\n----\n%s", n, out1, out)
	}
	if b, _ := os.ReadFile(filepath.Join(f.state, "frwiki", "fixed")); string(b) != "Portail\n" {
		t.Errorf("frwiki not fixed: %q", b)
	}
	if t.Failed() {
		t.Logf("stdout:\n%s", out)
	}
}
