package main

// End-to-end bad input: the porthole binary, built once, run as a deployer
// would against a sandbox (in-process Gerrit emulator and SSH hosts) or real
// sshd hosts. Every failure must exit non-zero with one line that names the
// thing and says what to do next, leak no password, and lose nothing.

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"porthole/gerrit/gerrittest"
	"porthole/internal/testmain"
	"porthole/internal/testreq"
	"porthole/remote"
	"porthole/sandbox"
)

var (
	badBinOnce sync.Once
	badBinDir  string
	badBinPath string
	badBinErr  error
)

// TestMain keeps the tests' temporary files on a RAM file system, runs up
// to four parallel tests at once (see testmain: they mostly wait on
// porthole and the sandbox's hosts) and removes the binary the tests built
// (if any).
func TestMain(m *testing.M) {
	testmain.Parallel(4)
	done := testmain.Setup()
	code := m.Run()
	if badBinDir != "" {
		_ = os.RemoveAll(badBinDir)
	}
	done()
	os.Exit(code)
}

// portholeBin builds the porthole binary once for every test that needs it.
func portholeBin(t *testing.T) string {
	t.Helper()
	badBinOnce.Do(func() {
		badBinDir, badBinErr = os.MkdirTemp("", "porthole-badinput-")
		if badBinErr != nil {
			return
		}
		badBinPath = filepath.Join(badBinDir, "porthole")
		if out, err := exec.Command("go", "build", "-o", badBinPath, ".").CombinedOutput(); err != nil {
			badBinErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if badBinErr != nil {
		t.Fatal(badBinErr)
	}
	return badBinPath
}

// outcome is what one porthole invocation did.
type outcome struct {
	code           int
	stdout, stderr string
}

func (o outcome) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", o.code, o.stdout, o.stderr)
}

// portholeEnv is the environment a test's porthole runs in: no config but
// the one given with --config, no agent, its own XDG dirs, stdin not a TTY.
func portholeEnv(xdg string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "PORTHOLE_CONFIG", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "SSH_AUTH_SOCK":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "XDG_CONFIG_HOME="+filepath.Join(xdg, "config"), "XDG_STATE_HOME="+filepath.Join(xdg, "state"))
}

// runPorthole runs the binary to completion (at most a minute) with stdin.
func runPorthole(t *testing.T, xdg, stdin string, args ...string) outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, portholeBin(t), args...)
	cmd.Env = portholeEnv(xdg)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	o := outcome{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("porthole %s hung (killed after a minute)\n%s", strings.Join(args, " "), o)
	case errors.As(err, &ee):
		o.code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return o
}

// oneLineError checks that porthole failed with exit code want and that its
// stderr is exactly one line, "porthole CMD: …" (or "porthole: …" for
// plain porthole), holding every part.
func oneLineError(t *testing.T, what string, o outcome, want int, parts ...string) {
	t.Helper()
	if o.code != want {
		t.Errorf("%s: exit %d, want %d\n%s", what, o.code, want, o)
	}
	msg := strings.TrimSuffix(o.stderr, "\n")
	if msg == "" || strings.Contains(msg, "\n") {
		t.Errorf("%s: stderr is not one line:\n%s", what, o.stderr)
	}
	if !strings.HasPrefix(msg, "porthole ") && !strings.HasPrefix(msg, "porthole: ") {
		t.Errorf("%s: stderr does not start with porthole: %q", what, msg)
	}
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("%s: the message lacks %q:\n%s", what, p, msg)
		}
	}
	if strings.Contains(msg, "panic") || strings.Contains(msg, "goroutine ") {
		t.Errorf("%s: crashed:\n%s", what, o)
	}
}

// badSandbox is a sandbox with a few extra changes for the bad cases.
type badSandbox struct {
	*sandbox.Sandbox
	xdg                  string
	master, wip, abandon int    // changes on core master, WIP, abandoned
	twinA, twinB         int    // one Change-Id on wmf/<version> and master
	twinID               string // their Change-Id
}

func startBadSandbox(t *testing.T) *badSandbox {
	t.Helper()
	testreq.Tmux(t) // a window runs scap detached in tmux
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Dir: t.TempDir(), AppServers: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	b := &badSandbox{Sandbox: sb, xdg: t.TempDir(), twinID: "I0123456789abcdef0123456789abcdef0badc0de"}
	wmf := "wmf/" + sb.Version
	create := func(branch, subject string, wip bool, changeID string) int {
		t.Helper()
		n, err := sb.Gerrit.CreateChange(gerrittest.ChangeSpec{
			Project: sandbox.ProjectCore, Branch: branch, Subject: subject, Owner: sb.User, WIP: wip, ChangeID: changeID,
			Files: map[string]string{"includes/BadInput.php": "<?php\n// " + subject + "\n"},
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	b.master = create("master", "Only on master", false, "")
	b.wip = create(wmf, "Half done", true, "")
	b.abandon = create(wmf, "Given up", false, "")
	if err := sb.Gerrit.Abandon(b.abandon); err != nil {
		t.Fatal(err)
	}
	b.twinA = create(wmf, "Backported fix", false, b.twinID)
	b.twinB = create("master", "Backported fix", false, b.twinID)
	return b
}

// configWith writes a copy of the sandbox config with one line replaced.
func (b *badSandbox) configWith(t *testing.T, old, new string) string {
	t.Helper()
	data, err := os.ReadFile(b.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("the sandbox config has no %q:\n%s", old, data)
	}
	p := filepath.Join(t.TempDir(), "porthole.yaml")
	if err := os.WriteFile(p, bytes.Replace(data, []byte(old), []byte(new), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func (b *badSandbox) run(t *testing.T, stdin string, args ...string) outcome {
	t.Helper()
	return runPorthole(t, b.xdg, stdin, args...)
}

func TestBadInputPlanChanges(t *testing.T) {
	t.Parallel() // runs the built porthole against a sandbox of its own
	b := startBadSandbox(t)
	cfg := b.ConfigPath
	host := strings.TrimSuffix(strings.TrimPrefix(b.Gerrit.URL(), "http://"), "/r/")

	o := b.run(t, "", "plan", "--config", cfg, "987654")
	oneLineError(t, "unknown change", o, 1, "change 987654 not found on "+host, "check the number or URL")

	for _, ref := range []string{"refs/changes/12/34", "Ixyz", "https://gerrit.wikimedia.org/r/c/mediawiki/core/+/", "0"} {
		o = b.run(t, "", "plan", "--config", cfg, ref)
		oneLineError(t, "malformed "+ref, o, 1, fmt.Sprintf("cannot read %q as a Gerrit change", ref), "paste a change number (12345)")
	}

	o = b.run(t, "", "plan", "--config", cfg, b.twinID)
	oneLineError(t, "ambiguous Change-Id", o, 1, "Change-Id "+b.twinID+" matches 2 changes",
		fmt.Sprintf("%d (mediawiki/core wmf/%s, NEW)", b.twinA, b.Version),
		fmt.Sprintf("%d (mediawiki/core master, NEW)", b.twinB),
		"paste the change number or URL of the one to deploy")

	o = b.run(t, "", "plan", "--config", cfg, strconv.Itoa(b.master))
	oneLineError(t, "master branch", o, 1, fmt.Sprintf("change %d is on mediawiki/core branch master", b.master),
		"backports deploy from wmf/<version> branches (live: php-"+b.Version+")", "cherry-pick it to a deployed branch first")

	o = b.run(t, "", "plan", "--config", cfg, strconv.Itoa(b.wip))
	oneLineError(t, "WIP change", o, 1, fmt.Sprintf("change %d is marked work in progress", b.wip), "mark it ready for review first")

	o = b.run(t, "", "plan", "--config", cfg, strconv.Itoa(b.abandon))
	oneLineError(t, "abandoned change", o, 1, fmt.Sprintf("change %d is abandoned", b.abandon), "restore it in Gerrit")

	// A wmf branch that exists in Gerrit but is not staged on the deployment
	// host: an error that says how it would be; once staged but not in
	// wikiversions.json, the plan shows it with a DANGER warning.
	old := "1.44.0-wmf.4"
	if b.Version == old {
		t.Fatalf("the sandbox deploys %s already", old)
	}
	if out, err := exec.Command("git", "-C", b.Gerrit.RepoPath(sandbox.ProjectCore), "branch", "wmf/"+old, "wmf/"+b.Version).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if err := b.Gerrit.CreateProject(sandbox.ProjectCore, map[string]map[string]string{"wmf/" + old: nil}); err != nil {
		t.Fatal(err)
	}
	stale, err := b.Gerrit.CreateChange(gerrittest.ChangeSpec{Project: sandbox.ProjectCore, Branch: "wmf/" + old,
		Subject: "Fix on an old branch", Owner: b.User, Files: map[string]string{"includes/Old.php": "<?php\n"}})
	if err != nil {
		t.Fatal(err)
	}
	phpOld := filepath.Join(b.StagingDir(), "php-"+old)
	o = b.run(t, "", "plan", "--config", cfg, strconv.Itoa(stale))
	oneLineError(t, "unstaged branch", o, 1, fmt.Sprintf("change %d is on wmf/%s but %s does not exist on the deployment host", stale, old, phpOld),
		"scap prep "+old)
	if err := os.Mkdir(phpOld, 0o755); err != nil {
		t.Fatal(err)
	}
	o = b.run(t, "", "plan", "--config", cfg, strconv.Itoa(stale))
	if o.code != exitDanger || !strings.Contains(o.stdout, fmt.Sprintf("DANGER not-deployed  change %d is on wmf/%s but php-%s is not in wikiversions.json", stale, old, old)) {
		t.Errorf("plan of a change on an undeployed branch:\n%s", o)
	}

	// porthole run backport resolves the same way.
	o = b.run(t, "", "run", "backport", "--config", cfg, "--param", "changes=987654")
	oneLineError(t, "run: unknown change", o, 1, "porthole run: change 987654 not found on "+host)
	o = b.run(t, "", "run", "backport", "--config", cfg, "--param", "changes="+strconv.Itoa(b.wip))
	oneLineError(t, "run: WIP change", o, 1, fmt.Sprintf("porthole run: change %d is marked work in progress", b.wip))

	// porthole without a terminal says what to use instead.
	o = b.run(t, "", "--config", cfg)
	oneLineError(t, "no TTY", o, 1, "porthole: the TUI needs a terminal", "porthole plan CHANGE...")
}

func TestBadInputGerritAndHosts(t *testing.T) {
	t.Parallel() // runs the built porthole against a sandbox of its own
	b := startBadSandbox(t)
	core := strconv.Itoa(b.Changes["core"])

	// A wrong HTTP password: 401, the account named, the password nowhere.
	const wrong = "not-the-password-4711"
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte(wrong+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	real, err := os.ReadFile(filepath.Join(b.Root, "etc", "gerrit-password"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := b.configWith(t, "password_file: "+filepath.Join(b.Root, "etc", "gerrit-password"), "password_file: "+pw)
	o := b.run(t, "", "plan", "--config", cfg, core)
	oneLineError(t, "401", o, 1, "rejected the credentials of user "+b.User+" (401)", "check gerrit.user and the HTTP password in gerrit.password_file")
	logs, err := os.ReadFile(filepath.Join(b.Root, "state", "porthole.log"))
	if err != nil || len(logs) == 0 {
		t.Fatalf("no log to check for passwords: %v", err)
	}
	for _, secret := range []string{wrong, strings.TrimSpace(string(real))} {
		if strings.Contains(o.stdout+o.stderr, secret) {
			t.Errorf("the output shows a password:\n%s", o)
		}
		if bytes.Contains(logs, []byte(secret)) {
			t.Errorf("the log holds a password")
		}
	}

	// Gerrit down: connection refused, the host named, what to check.
	dead := deadPort(t)
	cfg = b.configWith(t, "url: "+b.Gerrit.URL(), fmt.Sprintf("url: http://127.0.0.1:%d/r/", dead))
	o = b.run(t, "", "plan", "--config", cfg, core)
	oneLineError(t, "Gerrit down", o, 1, fmt.Sprintf("cannot reach Gerrit at 127.0.0.1:%d to read change %s", dead, core),
		"connection refused", "check the network (VPN, proxy) and gerrit.url in the config")

	// The deployment host down: plan reads wikiversions.json there.
	sshCfg, err := os.ReadFile(b.SSHConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	deployPort := strings.TrimPrefix(b.Addr(sandbox.DeployHost), "127.0.0.1:")
	deadCfg := filepath.Join(t.TempDir(), "ssh_config")
	if err := os.WriteFile(deadCfg, bytes.Replace(sshCfg, []byte("Port "+deployPort+"\n"), []byte(fmt.Sprintf("Port %d\n", dead)), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg = b.configWith(t, "ssh_config: "+b.SSHConfigPath, "ssh_config: "+deadCfg)
	o = b.run(t, "", "plan", "--config", cfg, core)
	oneLineError(t, "deploy host down", o, 1, sandbox.DeployHost, "connection refused", "ssh "+sandbox.DeployHost+" true")

	// The deployment host's key changed (known_hosts holds another one).
	kh, err := os.ReadFile(b.KnownHostsPath)
	if err != nil {
		t.Fatal(err)
	}
	var served ssh.PublicKey
	var lines []string
	for _, l := range strings.Split(string(kh), "\n") {
		f := strings.Fields(l)
		if len(f) == 3 && strings.Contains(f[0], sandbox.DeployHost) {
			if served, _, _, _, err = ssh.ParseAuthorizedKey([]byte(f[1] + " " + f[2])); err != nil {
				t.Fatal(err)
			}
			l = f[0] + " " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(newHostKey(t))))
		}
		lines = append(lines, l)
	}
	if served == nil {
		t.Fatalf("no %s line in %s", sandbox.DeployHost, b.KnownHostsPath)
	}
	oldKH := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(oldKH, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg = b.configWith(t, "- "+b.KnownHostsPath, "- "+oldKH)
	o = b.run(t, "", "plan", "--config", cfg, core)
	oneLineError(t, "host key changed", o, 1, "host key for "+sandbox.DeployHost, "has CHANGED",
		ssh.FingerprintSHA256(served), "ssh-keygen -R '[127.0.0.1]:"+deployPort+"' -f "+oldKH)
}

// deadPort is a loopback port nothing listens on.
func deadPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	return port
}

// newHostKey is a fresh ed25519 public key, not any host's.
func newHostKey(t *testing.T) ssh.PublicKey {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// badBook is a YAML runbook of three steps on the maintenance host, each
// appending to logPath; the second waits for the file gate to exist, in a
// shell named by marker so that a test can find it among the processes.
func badBook(t *testing.T, xdg, logPath, gate, marker string) {
	t.Helper()
	dir := filepath.Join(xdg, "config", "porthole", "runbooks")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	book := fmt.Sprintf(`name: badBook
description: three steps, the second waits
steps:
  - title: First
    command: echo first >> %[1]s
  - title: Slow
    command: echo slow-start >> %[1]s; sh -c 'while [ ! -e %[2]s ]; do sleep 0.05; done' %[3]s; echo slow-end >> %[1]s
  - title: Last
    command: echo last >> %[1]s
`, remote.Quote(logPath), remote.Quote(gate), marker)
	if err := os.WriteFile(filepath.Join(dir, "badbook.yaml"), []byte(book), 0o644); err != nil {
		t.Fatal(err)
	}
}

// startPorthole starts the binary in the background.
func startPorthole(t *testing.T, xdg, stdin string, args ...string) (*exec.Cmd, *syncBuffer, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(portholeBin(t), args...)
	cmd.Env = portholeEnv(xdg)
	cmd.Stdin = strings.NewReader(stdin)
	out, errb := &syncBuffer{}, &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return cmd, out, errb
}

// syncBuffer is a bytes.Buffer safe to read while a process writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls until cond holds, failing the test after a generous bound.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("gave up waiting for %s", what)
}

// waitExit waits for a started porthole and returns its outcome.
func waitExit(t *testing.T, cmd *exec.Cmd, out, errb *syncBuffer) outcome {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(time.Minute):
		_ = cmd.Process.Kill()
		t.Fatalf("porthole hung\nstdout:\n%s\nstderr:\n%s", out, errb)
	}
	o := outcome{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		o.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o
}

// processesWith lists the pids whose command line holds marker.
func processesWith(marker string) []string {
	var pids []string
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err == nil && bytes.Contains(b, []byte(marker)) {
			pids = append(pids, filepath.Base(d))
		}
	}
	return pids
}

func fileText(p string) string {
	b, _ := os.ReadFile(p)
	return string(b)
}

// windowOf is the window id porthole run printed first.
func windowOf(t *testing.T, stdout string) string {
	t.Helper()
	_, rest, ok := strings.Cut(stdout, "(window ")
	id, _, ok2 := strings.Cut(rest, ")")
	if !ok || !ok2 || id == "" {
		t.Fatalf("no window id in:\n%s", stdout)
	}
	return id
}

// A SIGINT while a remote command runs stops that command on the host,
// says where the window stands and how to go on; --resume then finishes it
// without running the done step again.
func TestBadInputRunInterrupted(t *testing.T) {
	t.Parallel() // runs the built porthole against hosts of its own
	f := newRunHosts(t)
	xdg := t.TempDir()
	logPath, gate := filepath.Join(f.dir, "book.log"), filepath.Join(f.dir, "go-on")
	marker := fmt.Sprintf("badinput-sigint-%d", os.Getpid())
	badBook(t, xdg, logPath, gate, marker)

	cmd, out, errb := startPorthole(t, xdg, "", "run", "badBook", "--config", f.config)
	waitFor(t, "the slow step to run on the host", func() bool {
		return strings.Contains(fileText(logPath), "slow-start") && len(processesWith(marker)) > 0
	})
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	o := waitExit(t, cmd, out, errb)
	id := windowOf(t, o.stdout)
	oneLineError(t, "SIGINT", o, exitInterrupted, "porthole run: interrupted during step 2/3 (Slow)",
		"its command on mwmaint1002 (maintenance) was stopped", "1 of 3 steps done, all journaled",
		"continue with: porthole run --resume "+id)
	if !strings.Contains(o.stdout, "<== First: done") || !strings.Contains(o.stdout, "<== Slow: cancelled: its command was stopped") ||
		strings.Contains(o.stdout, "[3/3]") {
		t.Errorf("stdout:\n%s", o.stdout)
	}
	// Gone from the host: porthole does not leave it running.
	waitFor(t, "the remote command to be gone", func() bool { return len(processesWith(marker)) == 0 })
	if got := fileText(logPath); got != "first\nslow-start\n" {
		t.Errorf("the host ran %q", got)
	}

	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	o = runPorthole(t, xdg, "", "run", "--resume", id, "--config", f.config)
	if o.code != 0 || !strings.Contains(o.stdout, "1. First — on mwmaint1002 (maintenance)  [done]") ||
		!strings.Contains(o.stdout, "all 3 steps done") {
		t.Errorf("resume:\n%s", o)
	}
	if got := fileText(logPath); got != "first\nslow-start\nslow-start\nslow-end\nlast\n" {
		t.Errorf("after the resume the host ran %q", got)
	}
}

// startPortholeAsking starts the binary with a stdin that stays open (a
// deployer who has not answered yet).
func startPortholeAsking(t *testing.T, xdg string, args ...string) (*exec.Cmd, *syncBuffer, *syncBuffer) {
	t.Helper()
	cmd, _, out, errb := startPortholeTalking(t, xdg, args...)
	return cmd, out, errb
}

// SIGINT (or SIGTERM) while porthole asks before an irreversible step: exit
// 130, not a "no" — the step did not run, the window is journaled as
// interrupted, and --resume asks again.
func TestBadInputRunInterruptedAtAGate(t *testing.T) {
	t.Parallel() // runs the built porthole against hosts of its own
	f := newRunHosts(t)
	xdg := t.TempDir()
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		cmd, out, errb := startPortholeAsking(t, xdg, "run", "namespaceDupes", "--param", "wiki=frwiki", "--param", "tmux=false", "--config", f.config)
		waitFor(t, "the --fix question", func() bool { return strings.Contains(out.String(), "[y/N] ") })
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		o := waitExit(t, cmd, out, errb)
		id := windowOf(t, o.stdout)
		oneLineError(t, sig.String(), o, exitInterrupted,
			"porthole run: interrupted at the question before step 2/2 (namespaceDupes.php --fix on frwiki): it did not run; resume asks again",
			"1 of 2 steps done, all journaled", "continue with: porthole run --resume "+id)
		if strings.Contains(o.stdout, "n (no answer)") || !strings.Contains(o.stdout, "[y/N] (interrupted)") {
			t.Errorf("%s: stdout:\n%s", sig, o.stdout)
		}
		if _, err := os.Stat(filepath.Join(f.state, "frwiki", "fixed")); err == nil {
			t.Fatalf("%s: --fix ran", sig)
		}
	}
}

// porthole backport, interrupted at its first question, exits 130 and says
// where the window stands, under the name the user typed.
func TestBadInputBackportInterrupted(t *testing.T) {
	t.Parallel() // runs the built porthole against a sandbox of its own
	b := startBadSandbox(t)
	change := fmt.Sprint(b.Changes["core"])
	cmd, out, errb := startPortholeAsking(t, b.xdg, "backport", change, "--config", b.ConfigPath)
	waitFor(t, "the first question", func() bool { return strings.Contains(out.String(), "\n?? ") })
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	o := waitExit(t, cmd, out, errb)
	id := windowOf(t, o.stdout)
	oneLineError(t, "SIGINT", o, exitInterrupted, "porthole backport: interrupted at the question before step ",
		"it did not run; resume asks again", "continue with: porthole run --resume "+id)
}

// kill -9 of porthole run mid-window: the journal keeps the done step,
// the host's command dies with the connection, and --resume runs only what
// was not done.
func TestBadInputRunKilledAndResumed(t *testing.T) {
	t.Parallel() // runs the built porthole against hosts of its own
	f := newRunHosts(t)
	xdg := t.TempDir()
	logPath, gate := filepath.Join(f.dir, "book.log"), filepath.Join(f.dir, "go-on")
	marker := fmt.Sprintf("badinput-kill-%d", os.Getpid())
	badBook(t, xdg, logPath, gate, marker)

	cmd, out, errb := startPorthole(t, xdg, "", "run", "badBook", "--config", f.config)
	waitFor(t, "the slow step to run on the host", func() bool {
		return strings.Contains(fileText(logPath), "slow-start") && len(processesWith(marker)) > 0
	})
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	o := waitExit(t, cmd, out, errb)
	id := windowOf(t, o.stdout)
	waitFor(t, "the remote command to die with its connection", func() bool { return len(processesWith(marker)) == 0 })

	// The journal has the done step, and the window is unfinished.
	o = runPorthole(t, xdg, "", "log", "show", id, "--config", f.config)
	for _, want := range []string{
		"Status: unfinished: porthole stopped during Slow",
		"1 │ First │ mwmaint1002 │ done",
		"2 │ Slow │ maintenance │ interrupted",
		"3 │ Last │ maintenance │ not run",
	} {
		if !strings.Contains(strings.Join(strings.Fields(o.stdout), " "), want) {
			t.Errorf("porthole log show lacks %q:\n%s", want, o)
		}
	}
	o = runPorthole(t, xdg, "", "log", "--config", f.config)
	if !strings.Contains(o.stdout, "unfinished in slow") {
		t.Errorf("porthole log:\n%s", o)
	}

	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	o = runPorthole(t, xdg, "", "run", "--resume", "--config", f.config)
	for _, want := range []string{
		"porthole run badBook: badBook (window " + id + ")",
		"1. First — on mwmaint1002 (maintenance)  [done]",
		`1 of 3 steps already done; step "slow" was running when porthole stopped`,
		"!! Slow had not completed: it runs again",
		"all 3 steps done",
	} {
		if !strings.Contains(o.stdout, want) {
			t.Errorf("resume output lacks %q", want)
		}
	}
	if o.code != 0 || t.Failed() {
		t.Fatalf("resume:\n%s", o)
	}
	if got := fileText(logPath); got != "first\nslow-start\nslow-start\nslow-end\nlast\n" {
		t.Errorf("over both runs the host ran %q", got)
	}
	o = runPorthole(t, xdg, "", "log", "--config", f.config)
	if !strings.Contains(o.stdout, id) || !strings.Contains(o.stdout, "ok (3/3 steps)") {
		t.Errorf("porthole log:\n%s", o)
	}
}

// A dead host and a changed host key, for porthole exec and porthole run,
// against real sshd.
func TestBadInputDeadHostAndChangedKey(t *testing.T) {
	t.Parallel() // runs the built porthole against hosts of its own
	f := newRunHosts(t)
	c := f.cluster
	xdg := t.TempDir()
	exe := func(host string) outcome {
		return runPorthole(t, xdg, "", "exec", "--config", f.config, "--no-agent", "-H", host, "--", "true")
	}

	if err := c.Stop(0); err != nil {
		t.Fatal(err)
	}
	o := exe("mwmaint1002")
	if o.code != 1 || !strings.Contains(o.stderr, "porthole: mwmaint1002: cannot connect to mwmaint1002 ("+c.Addr(0)+"): connection refused; is the host up and sshd running? try: ssh mwmaint1002 true") ||
		!strings.HasSuffix(o.stderr, "porthole exec: 0 ok, 1 failed: mwmaint1002 (connection refused)\n") {
		t.Errorf("exec on a dead host:\n%s", o)
	}
	o = runPorthole(t, xdg, "", "run", "namespaceDupes", "--param", "wiki=frwiki", "--param", "tmux=false", "--config", f.config)
	oneLineError(t, "run on a dead host", o, 1, `porthole run: step "dry-run" (Dry run: namespaceDupes.php on frwiki) failed: frwiki: `+
		"cannot connect to mwmaint1002 ("+c.Addr(0)+"): connection refused", "try: ssh mwmaint1002 true")
	if n := strings.Count(o.stdout+o.stderr, "connection refused"); n != 1 {
		t.Errorf("run on a dead host: the reason appears %d times:\n%s", n, o)
	}

	if err := c.RotateHostKey(0); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("'[127.0.0.1]:%d'", c.Ports[0])
	o = exe("mwmaint1002")
	for _, want := range []string{"host key for mwmaint1002", "has CHANGED", c.Fingerprint(0),
		"ssh-keygen -R " + name + " -f " + c.KnownHostsPath, "porthole exec: 0 ok, 1 failed: mwmaint1002 (host key changed)"} {
		if o.code != 1 || !strings.Contains(o.stderr, want) {
			t.Errorf("exec with a changed host key: lacks %q\n%s", want, o)
		}
	}
	logins := c.Logins(0)
	for _, tmux := range []string{"false", "true"} {
		o = runPorthole(t, xdg, "", "run", "namespaceDupes", "--param", "wiki=frwiki", "--param", "tmux="+tmux, "--config", f.config)
		oneLineError(t, "run with a changed host key", o, 1, "host key for mwmaint1002", "has CHANGED", c.Fingerprint(0),
			"ssh-keygen -R "+name+" -f "+c.KnownHostsPath)
		// Said once, in full, in the final error; stdout refers to it.
		if n := strings.Count(o.stdout+o.stderr, "has CHANGED"); n != 1 ||
			!strings.Contains(o.stdout, "<== Dry run: namespaceDupes.php on frwiki: FAILED (why: the last line, below)") {
			t.Errorf("tmux=%s: the host-key message appears %d times:\n%s", tmux, n, o)
		}
	}
	// porthole never logged in to the host with the unverified key.
	if n := c.Logins(0); n != logins {
		t.Errorf("%d logins to a host whose key changed", n-logins)
	}
}
