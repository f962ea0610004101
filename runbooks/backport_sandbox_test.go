package runbooks_test

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"porthole/config"
	"porthole/gerrit"
	"porthole/remote"
	"porthole/runbooks"
	"porthole/sandbox"
)

// sandboxEnv wires porthole to a running sandbox the way cmd does: the real
// SSH pool (strict known_hosts) behind the host roles, and the go-gerrit client.
func sandboxEnv(t *testing.T, sb *sandbox.Sandbox) *runbooks.Env {
	t.Helper()
	pool := remote.NewPool(remote.SSHOptions{ConfigPath: sb.SSHConfigPath, KnownHosts: []string{sb.KnownHostsPath}, IdentityFiles: []string{sb.KeyPath}})
	t.Cleanup(func() { _ = pool.Close() })
	pw, err := os.ReadFile(sb.Config.Gerrit.PasswordFile)
	if err != nil {
		t.Fatal(err)
	}
	gc, err := gerrit.New(sb.Config.Gerrit.URL, gerrit.Options{User: sb.Config.Gerrit.User, Password: strings.TrimSpace(string(pw))})
	if err != nil {
		t.Fatal(err)
	}
	cfg := *sb.Config
	cfg.Gerrit.PollInterval = 50 * time.Millisecond
	return &runbooks.Env{Config: &cfg, Hosts: config.NewHosts(&cfg, pool.Get), Gerrit: gc, User: sb.User}
}

// runSandboxPlan runs p to the end answering every gate "y"; onEvent sees each event.
func runSandboxPlan(t *testing.T, env *runbooks.Env, p *runbooks.Plan, onEvent func(runbooks.Event)) (*runbooks.Runner, error) {
	t.Helper()
	j, err := runbooks.OpenJournal(config.StateDir(env.Config), p)
	if err != nil {
		t.Fatal(err)
	}
	r := runbooks.NewRunner(env, p, j, runbooks.RunOptions{Backoff: func(int) time.Duration { return 10 * time.Millisecond }})
	r.Start(context.Background())
	var runErr error
	var notes []string
	for e := range r.Events() {
		if onEvent != nil {
			onEvent(e)
		}
		switch ev := e.(type) {
		case runbooks.GateRequest:
			ev.Answer(runbooks.Decision{Choice: "y", By: env.User, At: time.Now()})
		case runbooks.StepNote:
			notes = append(notes, ev.Text)
		case runbooks.RunFinished:
			runErr = ev.Err
		}
	}
	if runErr != nil {
		t.Logf("notes: %q", notes)
	}
	return r, runErr
}

// TestSandboxBackportThenRevertTiming runs a whole core backport window over
// real SSH against the sandbox, then the emergency revert, and measures the
// time from pressing revert to the old file being back on every app server.
func TestSandboxBackportThenRevertTiming(t *testing.T) {
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	env := sandboxEnv(t, sb)
	core := sb.Changes["core"]
	p, err := runbooks.Build(context.Background(), env, "backport", map[string]string{"changes": strconv.Itoa(core)})
	if err != nil {
		t.Fatal(err)
	}
	file := "php-" + sb.Version + "/includes/api/ApiMain.php"
	before, err := sb.ReadAppServerFile("mw1001", file)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	r, err := runSandboxPlan(t, env, p, nil)
	if err != nil {
		t.Fatalf("backport window in the sandbox: %v", err)
	}
	t.Logf("backport window (CI at once, auto-confirmed): %s", time.Since(t0).Round(time.Millisecond))
	apps := sb.Config.Hosts[config.RoleAppServers]
	if len(apps) < 5 {
		t.Fatalf("app servers %v", apps)
	}
	for _, h := range apps {
		got, err := sb.ReadAppServerFile(h, file)
		if err != nil || bytes.Equal(got, before) {
			t.Fatalf("%s: change not deployed (%v)", h, err)
		}
	}

	// `r` pressed: build the revert from the window, confirm once, wait for the syncs.
	pressed := time.Now()
	rp, err := runbooks.BuildRevertFrom(context.Background(), env, p, r.Vars())
	if err != nil {
		t.Fatal(err)
	}
	var confirmed, synced time.Time
	if _, err := runSandboxPlan(t, env, rp, func(e runbooks.Event) {
		switch ev := e.(type) {
		case runbooks.GateRequest:
			confirmed = time.Now()
		case runbooks.StepFinished:
			if strings.HasPrefix(ev.StepID, "revert-sync-") && ev.State == runbooks.Done {
				synced = time.Now()
			}
		}
	}); err != nil {
		t.Fatalf("revert in the sandbox: %v", err)
	}
	for _, h := range apps {
		got, err := sb.ReadAppServerFile(h, file)
		if err != nil || !bytes.Equal(got, before) {
			t.Fatalf("%s: the old file is not back (%v)", h, err)
		}
	}
	t.Logf("REVERT TIMING: press revert → old file on all %d app servers: %s (confirmation shown after %s)",
		len(apps), synced.Sub(pressed).Round(time.Millisecond), confirmed.Sub(pressed).Round(time.Millisecond))
}
