// Package runbookstest holds what tests of the runbooks above the engine
// share: an Env wired to a running sandbox, and a plan run to its end.
package runbookstest

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"porthole/config"
	"porthole/gerrit"
	"porthole/internal/testreq"
	"porthole/remote"
	"porthole/runbooks"
	"porthole/sandbox"
)

// SandboxEnv wires porthole to a running sandbox the way cmd does: the real
// SSH pool (strict known_hosts) behind the host roles, and the go-gerrit client.
func SandboxEnv(t *testing.T, sb *sandbox.Sandbox) *runbooks.Env {
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

// RunPlan runs p to the end answering every gate "y"; onEvent sees each event.
func RunPlan(t *testing.T, env *runbooks.Env, p *runbooks.Plan, onEvent func(runbooks.Event)) (*runbooks.Runner, error) {
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

// StartSandbox starts a sandbox for t (closed at cleanup) and wires an Env to it.
func StartSandbox(t *testing.T) (*sandbox.Sandbox, *runbooks.Env) {
	t.Helper()
	testreq.Tmux(t) // a window runs scap detached in tmux
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	return sb, SandboxEnv(t, sb)
}
