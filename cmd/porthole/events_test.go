package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"porthole/config"
	"porthole/gerrit"
	"porthole/internal/testreq"
	"porthole/runbooks"
	"porthole/runbooks/journal"
	"porthole/sandbox"
)

// startSandbox starts a sandbox with one app server and no CI delay; what
// it logs is kept in log.
func startSandbox(t *testing.T, log *syncBuffer) *sandbox.Sandbox {
	t.Helper()
	opts := sandbox.Options{Dir: t.TempDir(), AppServers: 1}
	if log != nil {
		opts.Log = log
	}
	testreq.Tmux(t) // a window runs scap detached in tmux
	sb, err := sandbox.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	return sb
}

// waitForMerge starts WaitForMerge on change n aside, with interval between
// polls and env's stream-events, and reports every status on the channel.
func waitForMerge(t *testing.T, env *runbooks.Env, ch *gerrit.Change, interval time.Duration) (<-chan gerrit.WaitStatus, <-chan gerrit.WaitResult, <-chan error) {
	t.Helper()
	// The bound only turns a missed event into a failure instead of a hang.
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	t.Cleanup(cancel)
	statuses := make(chan gerrit.WaitStatus, 100)
	results := make(chan gerrit.WaitResult, 1)
	errs := make(chan error, 1)
	go func() {
		res, err := env.Gerrit.WaitForMerge(ctx, ch, gerrit.WaitOptions{Interval: interval, CIAccount: "jenkins-bot", Events: env.Events},
			func(st gerrit.WaitStatus) { statuses <- st })
		results <- res
		errs <- err
	}()
	return statuses, results, errs
}

func TestStreamEventsWakeTheMergeWait(t *testing.T) {
	sb := startSandbox(t, nil)
	env, cleanup, err := envFromConfig(context.Background(), sb.Config, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	if env.Events == nil {
		t.Fatal("gerrit.ssh_host is set in the sandbox config, but env.Events is nil")
	}
	n := sb.Changes["core"]
	// The change as a deployer pastes it: its web link on the sandbox's web host.
	ch, err := env.Gerrit.Resolve(context.Background(), sb.Gerrit.WebURL(sandbox.ProjectCore, n))
	if err != nil {
		t.Fatal(err)
	}
	// A poll an hour away: only the change-merged event can end this wait in time.
	statuses, results, errs := waitForMerge(t, env, ch, time.Hour)
	if st := <-statuses; st.Status != "NEW" || st.Polls != 1 {
		t.Fatalf("first poll: %+v", st)
	}
	waitFor(t, "the wait to subscribe to stream-events on "+sandbox.GerritHost, func() bool { return sb.EventStreams() == 1 })
	if err := sb.Gerrit.Vote(n, sb.User, "Code-Review", 2); err != nil {
		t.Fatal(err)
	}
	res, err := <-results, <-errs
	if err != nil || res.Reason != gerrit.WaitMerged {
		t.Fatalf("wait ended %s (%v): %s", res.Reason, err, res.Detail)
	}
	if merged := sb.Gerrit.Change(n); res.Change.MergedRevision == "" || merged.Status != "MERGED" {
		t.Errorf("merged revision %q, emulator says %+v", res.Change.MergedRevision, merged)
	}
	waitFor(t, "the stream to close with the wait", func() bool { return sb.EventStreams() == 0 })
}

func TestDeadStreamFallsBackToPolling(t *testing.T) {
	sb := startSandbox(t, nil)
	if err := sb.StopHost(sandbox.GerritHost); err != nil {
		t.Fatal(err)
	}
	env, cleanup, err := envFromConfig(context.Background(), sb.Config, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	n := sb.Changes["config"]
	ch, err := env.Gerrit.Resolve(context.Background(), sb.Gerrit.WebURL(sandbox.ProjectConfig, n))
	if err != nil {
		t.Fatal(err)
	}
	statuses, results, errs := waitForMerge(t, env, ch, 200*time.Millisecond)
	// The wait says the stream is down and goes on polling.
	for st := range statuses {
		if strings.Contains(st.Note, "stream-events unavailable") {
			if !strings.Contains(st.Note, "connection refused") || !strings.HasSuffix(st.Note, "polling") || st.Status != "NEW" {
				t.Errorf("note: %q (status %s)", st.Note, st.Status)
			}
			break
		}
	}
	if err := sb.Gerrit.Vote(n, sb.User, "Code-Review", 2); err != nil {
		t.Fatal(err)
	}
	res, err := <-results, <-errs
	if err != nil || res.Reason != gerrit.WaitMerged {
		t.Fatalf("wait ended %s (%v): %s", res.Reason, err, res.Detail)
	}
	log, _ := os.ReadFile(filepath.Join(config.StateDir(env.Config), journal.LogFile))
	if !bytes.Contains(log, []byte("gerrit stream-events: cannot open")) {
		t.Errorf("the log does not say why stream-events is off:\n%s", log)
	}
}

func TestSandboxWebLinksResolve(t *testing.T) {
	sb := startSandbox(t, nil)
	env, cleanup, err := envFromConfig(context.Background(), sb.Config, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	n := sb.Changes["extension"]
	url := sb.Gerrit.WebURL(sandbox.ProjectEcho, n)
	if !strings.HasPrefix(url, sandbox.GerritWebBase) {
		t.Fatalf("the emulator links to %s, not to %s", url, sandbox.GerritWebBase)
	}
	ch, err := env.Gerrit.Resolve(context.Background(), url)
	if err != nil {
		t.Fatalf("pasting %s: %v", url, err)
	}
	if ch.Number != n || ch.WebURL != url {
		t.Errorf("resolved %d with link %s; want %d, %s", ch.Number, ch.WebURL, n, url)
	}
	// Without gerrit.web_url the same link is refused: the option is what makes it work.
	cfg := *sb.Config
	cfg.Gerrit.WebURL = ""
	bare, cleanup2, err := envFromConfig(context.Background(), &cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup2()
	if _, err := bare.Gerrit.Resolve(context.Background(), url); err == nil || !strings.Contains(err.Error(), "links to "+sandbox.GerritHost) {
		t.Errorf("without web_url: %v", err)
	}
}

func TestDemoEnvAndLogs(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	var stderr syncBuffer
	sb := startSandbox(t, &stderr)
	env, cleanup, err := demoEnv(context.Background(), sb)
	if err != nil {
		t.Fatal(err)
	}
	if env.User != sb.User || env.User == "" {
		t.Errorf("env.User %q, want the sandbox deployer %q", env.User, sb.User)
	}
	// While the TUI runs, the sandbox logs to the state dir's log.
	inTUI := sb.SetLog(nil)
	inTUI.Write([]byte("sandbox: extra-commit: push the extra commit: boom\n"))
	sb.SetLog(inTUI)
	cleanup()
	if stderr.String() != "" {
		t.Errorf("the sandbox wrote to the terminal while the TUI ran: %q", stderr.String())
	}
	log, _ := os.ReadFile(filepath.Join(config.StateDir(env.Config), journal.LogFile))
	if !bytes.Contains(log, []byte("extra-commit: push the extra commit: boom")) {
		t.Errorf("the sandbox's line is not in the log:\n%s", log)
	}
	// Afterwards its lines go back where they went.
	if back := sb.SetLog(nil); back != &stderr {
		t.Errorf("after the TUI the sandbox logs to %v, not the terminal writer", back)
	}
}

func TestLoadEnvRegistersYAMLRunbooks(t *testing.T) {
	home := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", home)
	dir := filepath.Join(home, "porthole", "runbooks")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "jobs.yaml"), []byte("name: showJobsEnvBook\nsteps:\n  - {title: Show jobs, command: mwscript showJobs.php --wiki=enwiki}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("name: brokenEnvBook\nsteps:\n  - {title: x}\n"), 0o644)
	sb := startSandbox(t, nil)
	env, cleanup, err := envWithRunbooks(context.Background(), sb.Config, nil)
	if err != nil {
		t.Fatal(err)
	}
	cleanup()
	kinds := runbooks.Kinds()
	if !slices.Contains(kinds, "showJobsEnvBook") || slices.Contains(kinds, "brokenEnvBook") {
		t.Errorf("kinds after loadEnv: %v", kinds)
	}
	log, _ := os.ReadFile(filepath.Join(config.StateDir(env.Config), journal.LogFile))
	if !bytes.Contains(log, []byte("skipped a YAML runbook")) || !bytes.Contains(log, []byte("bad.yaml")) {
		t.Errorf("the log does not name the bad runbook:\n%s", log)
	}
}

func TestBackportWindowWaitUsesStreamEvents(t *testing.T) {
	// CI an hour away: the test merges the change itself once the window waits.
	testreq.Tmux(t) // a window runs scap detached in tmux
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Dir: t.TempDir(), AppServers: 1, CIDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	cfg := *sb.Config
	cfg.Gerrit.PollInterval = time.Hour
	env, cleanup, err := envFromConfig(context.Background(), &cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	n := sb.Changes["config"]
	p, err := runbooks.Build(context.Background(), env, "backport", map[string]string{"changes": strconv.Itoa(n)})
	if err != nil {
		t.Fatal(err)
	}
	// The window up to and with its merge wait.
	wait := slices.IndexFunc(p.Steps, func(s *runbooks.Step) bool { return s.ID == fmt.Sprintf("wait-merge-%d", n) })
	if wait < 0 {
		t.Fatalf("no wait-merge-%d step in %v", n, p.Steps)
	}
	p.Steps = p.Steps[:wait+1]
	j, err := openJournal(env, p)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second) // a missed event fails, not hangs
	defer cancel()
	r := runbooks.NewRunner(env, p, j, runbooks.RunOptions{})
	r.Start(ctx)
	merged := false
	var runErr error
	for e := range r.Events() {
		switch ev := e.(type) {
		case runbooks.GateRequest:
			ev.Answer(runbooks.Decision{Choice: "y", By: env.User, At: time.Now()})
		case runbooks.StepNote:
			if !merged && strings.HasPrefix(ev.Text, fmt.Sprintf("waiting for change %d to merge", n)) {
				// Polled once, NEW; merge as Zuul would once the stream is open.
				waitFor(t, "the window to subscribe to stream-events", func() bool { return sb.EventStreams() == 1 })
				if err := sb.Gerrit.Vote(n, "jenkins-bot", "Verified", 2); err != nil {
					t.Fatal(err)
				}
				if err := sb.Gerrit.Submit(n); err != nil {
					t.Fatal(err)
				}
				merged = true
			}
		case runbooks.RunFinished:
			runErr = ev.Err
		}
	}
	if !merged || runErr != nil {
		t.Fatalf("window: merged by the test %v, run error %v", merged, runErr)
	}
	if rev, st := r.Facts().Change(n).GerritMerged, sb.Gerrit.Change(n).Status; len(rev) != 40 || st != "MERGED" {
		t.Errorf("the window noted merge %q; Gerrit says %s", rev, st)
	}
}
