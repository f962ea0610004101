package window_test

import (
	"context"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"porthole/config"
	"porthole/remote"
	"porthole/runbooks"
	"porthole/runbooks/journal"
	"porthole/runbooks/runbookstest"
	"porthole/sandbox"
)

// deployRun runs cmd on the sandbox's deploy host with env.
func runOnDeploy(t *testing.T, env *runbooks.Env, cmd remote.Command) remote.Result {
	t.Helper()
	ex, err := env.Hosts.One(config.RoleDeploy)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Keep = true
	res, err := ex.Run(context.Background(), cmd)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestSandboxBackportLock: a window waits for the backport lock a running
// scap backport holds (saying who holds it and why), then holds it for its
// whole duration, so that scap backport is refused meanwhile with scap's
// own message, and releases it at the end.
func TestSandboxBackportLock(t *testing.T) {
	t.Parallel() // a sandbox of its own
	sb, env, p, _, _ := coreWindow(t)
	env.Config.LockWait = time.Minute
	lockFile := filepath.Join(sb.HostDir(sandbox.DeployHost), "var", "lock", "scap.backport.lock")
	held := make(chan remote.Result, 1)
	go func() {
		held <- runOnDeploy(t, env, remote.Command{Cmd: "scap backport 999", Env: map[string]string{"SANDBOX_BACKPORT_HOLD": "2"}})
	}()
	for i := 0; i < 200; i++ {
		if _, err := os.Stat(lockFile); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	var notes []string
	var during remote.Result
	var lockText []byte
	_, err := runbookstest.RunPlan(t, env, p, func(e runbooks.Event) {
		switch ev := e.(type) {
		case runbooks.StepNote:
			notes = append(notes, ev.Text)
		case runbooks.StepStarted:
			if ev.StepID == "sync-testservers" {
				lockText, _ = os.ReadFile(lockFile)
				during = runOnDeploy(t, env, remote.Command{Cmd: "scap backport 1234", Env: map[string]string{"SANDBOX_LOCK_WAIT": "0"}})
			}
		}
	})
	if err != nil {
		t.Fatalf("window: %v", err)
	}
	if r := <-held; r.ExitCode != 0 {
		t.Fatalf("the first scap backport: exit %d %s", r.ExitCode, r.Stderr)
	}
	all := strings.Join(notes, "\n")
	if !strings.Contains(all, "scap.backport.lock is held by "+osUser(t)+" (Backport for 999): waiting") {
		t.Errorf("no note says who holds the lock and why:\n%s", all)
	}
	if !strings.Contains(string(lockText), "porthole window "+p.ID) {
		t.Errorf("mid-window the lock holds %q, not this window's reason", lockText)
	}
	if during.ExitCode != 1 || !strings.Contains(string(during.Stderr), `Failed to acquire lock "/var/lock/scap.backport.lock"; owner is "`+osUser(t)+`"; reason is "Backport: `) {
		t.Errorf("scap backport during the window: exit %d, stderr %s", during.ExitCode, during.Stderr)
	}
	if _, err := os.Stat(lockFile); !os.IsNotExist(err) {
		t.Errorf("the window left its lock behind: %v", err)
	}
}

// TestSandboxGlobalLockStopsAWindow: with scap locked for everyone, the
// window stops at the lock step, right after pre-flight, with scap's message, before any vote.
func TestSandboxGlobalLockStopsAWindow(t *testing.T) {
	t.Parallel() // a sandbox of its own
	sb, env, p, _, _ := coreWindow(t)
	g := filepath.Join(sb.HostDir(sandbox.DeployHost), "var", "lock", "scap-global-lock")
	if err := os.MkdirAll(filepath.Dir(g), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(g, []byte("datacenter switchover"), 0o644); err != nil {
		t.Fatal(err)
	}
	var started []string
	_, err := runbookstest.RunPlan(t, env, p, func(e runbooks.Event) {
		if ev, ok := e.(runbooks.StepStarted); ok {
			started = append(started, ev.StepID)
		}
	})
	if err == nil || !strings.Contains(err.Error(), `Failed to acquire lock "`+g+`"; owner is "`+osUser(t)+`"; reason is "datacenter switchover"`) {
		t.Fatalf("window under the global lock: %v", err)
	}
	if strings.Join(started, " ") != "preflight backport-lock" { // stopped before any vote
		t.Errorf("steps started: %v", started)
	}
}

// osUser owns the files the sandbox's hosts write (stat -c %U names it).
func osUser(t *testing.T) string {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return u.Username
}

// TestSandboxAbandonedWindowsLockIsTaken: a window declined at its first
// gate holds the lock (it may resume); once abandoned, the next window
// removes the lock it left and goes on.
func TestSandboxAbandonedWindowsLockIsTaken(t *testing.T) {
	t.Parallel() // a sandbox of its own
	sb, env, p, file, before := coreWindow(t)
	env.Config.LockWait = 2 * time.Second
	j, err := runbooks.OpenJournal(config.StateDir(env.Config), p)
	if err != nil {
		t.Fatal(err)
	}
	r := runbooks.NewRunner(env, p, j, runbooks.RunOptions{})
	r.Start(context.Background())
	for e := range r.Events() {
		if ev, ok := e.(runbooks.GateRequest); ok {
			ev.Answer(runbooks.Decision{Choice: "n", By: env.User, At: time.Now()})
		}
	}
	_ = j.Close()
	lockFile := filepath.Join(sb.HostDir(sandbox.DeployHost), "var", "lock", "scap.backport.lock")
	if b, _ := os.ReadFile(lockFile); !strings.Contains(string(b), "porthole window "+p.ID) {
		t.Fatalf("the stopped window does not hold the lock: %q", b)
	}
	path, err := journal.FindWindow(config.StateDir(env.Config), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := journal.Abandon(path, env.User, time.Now()); err != nil {
		t.Fatal(err)
	}
	p2, err := runbooks.Build(context.Background(), env, "backport", map[string]string{"changes": strconv.Itoa(sb.Changes["core"])})
	if err != nil {
		t.Fatal(err)
	}
	p2.ID = p.ID + "-next" // built within the same second
	var notes []string
	if _, err := runbookstest.RunPlan(t, env, p2, func(e runbooks.Event) {
		if ev, ok := e.(runbooks.StepNote); ok {
			notes = append(notes, ev.Text)
		}
	}); err != nil {
		t.Fatalf("the next window: %v", err)
	}
	if !strings.Contains(strings.Join(notes, "\n"), "was left by window "+p.ID+", which was abandoned, finished or reverted: removing it") {
		t.Errorf("notes:\n%s", strings.Join(notes, "\n"))
	}
	if got, _ := sb.ReadAppServerFile("mw1001", file); string(got) == string(before) {
		t.Error("the next window did not deploy")
	}
}
