package tui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"porthole/config"
	"porthole/gerrit"
	"porthole/internal/testreq"
	"porthole/remote"
	"porthole/runbooks"
	"porthole/runbooks/journal"
	"porthole/sandbox"
	"porthole/tui/components/steplist"
)

// sandboxEnv starts the embedded sandbox (Gerrit emulator, SSH hosts, real
// repositories, scap stand-in) and wires the engine to it the way porthole
// does: the real SSH pool, strict known_hosts, the go-gerrit client.
func sandboxEnv(t *testing.T) (*sandbox.Sandbox, *runbooks.Env) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	testreq.Tmux(t) // a window runs scap detached in tmux
	sb, err := sandbox.Start(ctx, sandbox.Options{})
	if err != nil {
		cancel()
		t.Fatalf("sandbox: %v", err)
	}
	cfg := sb.Config
	pool := remote.NewPool(remote.SSHOptions{ConfigPath: cfg.SSHConfig, KnownHosts: cfg.KnownHosts})
	t.Cleanup(func() {
		_ = pool.Close()
		cancel()
		_ = sb.Close()
	})
	pw, err := os.ReadFile(cfg.Gerrit.PasswordFile)
	if err != nil {
		t.Fatal(err)
	}
	gc, err := gerrit.New(cfg.Gerrit.URL, gerrit.Options{User: cfg.Gerrit.User, Password: strings.TrimSpace(string(pw))})
	if err != nil {
		t.Fatal(err)
	}
	return sb, &runbooks.Env{Config: cfg, Hosts: config.NewHosts(cfg, pool.Get), Gerrit: gc, User: sb.User, Now: time.Now}
}

// runWindow answers every question until the window ends: enter for a
// step-mode pause, and the given answer (by step) for a real question.
func (d *driver) runWindow(answers map[string]string, onQuestion func(stepID string)) {
	d.t.Helper()
	for {
		d.until("a question or the end of the window", func(m Model) bool {
			return m.win != nil && (m.win.Closed() || m.win.Gate() != nil)
		})
		w := d.m.win
		if w.Closed() {
			return
		}
		id := w.Gate().StepID
		if w.Gate().Gate.Kind == runbooks.GateContinue {
			d.key("enter")
		} else {
			d.dialogArmed()
			if onQuestion != nil {
				onQuestion(id)
			}
			a, ok := answers[id]
			if !ok {
				d.t.Fatalf("unexpected question before %s: %s\n%s", id, w.Gate().Gate.Prompt, d.screen())
			}
			d.key(a)
		}
		d.until("the answer to be taken", func(m Model) bool { return m.win.Gate() == nil || m.win.Gate().StepID != id || m.win.Closed() })
	}
}

func stepStates(m Model) string {
	var b strings.Builder
	for _, s := range m.win.StepList().Steps() {
		fmt.Fprintf(&b, "%s=%s ", s.ID, m.win.StepList().Info(s.ID).State)
	}
	return b.String()
}

// A whole backport window in the TUI against the sandbox: the core change is
// +2'd, merges, is fetched, reviewed, rebased, synced to the test servers
// and, after the owner's confirmation, to every app server — then reverted
// with r and one confirmation, which puts the old file back everywhere.
func TestSandboxWindowEndToEnd(t *testing.T) {
	t.Parallel() // a sandbox of its own
	if testing.Short() {
		t.Skip("starts the sandbox")
	}
	sb, env := sandboxEnv(t)
	core := sb.Changes["core"]
	const file = "php-1.44.0-wmf.5/includes/api/ApiMain.php"
	before, err := sb.ReadAppServerFile("mw1001", file)
	if err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, Options{Env: env, Sandbox: true, ArmDelay: time.Millisecond}, 100, 30)
	d.typeText(fmt.Sprint(core))
	d.key("enter")
	d.waitScreen("plan ready")
	d.homeReady()
	d.key("enter")
	d.until("the window", func(m Model) bool { return m.screen == screenWindow && m.win != nil })
	irreversible := ""
	d.runWindow(map[string]string{fmt.Sprintf("approve-%d", core): "y", "owner-verify": "y", "sync-1": "y"},
		func(id string) {
			if s := planStep(d.m, id); s != nil && s.Irreversible {
				irreversible = d.screen()
			}
		})
	if d.m.win.Err() != nil {
		t.Fatalf("the window failed: %v\nsteps: %s\n%s", d.m.win.Err(), stepStates(d.m), d.screen())
	}
	for _, want := range []string{"IRREVERSIBLE", "scap sync-file " + file, "runs on deploy1002"} {
		if !strings.Contains(flat(irreversible), want) {
			t.Errorf("the sync's question does not show %q:\n%s", want, irreversible)
		}
	}
	staged, err := os.ReadFile(filepath.Join(sb.StagingDir(), file))
	if err != nil {
		t.Fatal(err)
	}
	if string(staged) == string(before) {
		t.Fatal("the staging file did not change: the test would prove nothing")
	}
	for _, h := range sb.Role(config.RoleAppServers) {
		got, err := sb.ReadAppServerFile(h, file)
		if err != nil || string(got) != string(staged) {
			t.Fatalf("%s does not have the deployed file (err %v)", h, err)
		}
	}
	if !d.m.win.CanRevert() {
		t.Fatal("r is not offered after the sync")
	}

	// The emergency revert: r, one confirmation, and the old file is back.
	d.key("r")
	d.until("the revert window", func(m Model) bool { return m.win != nil && m.win.Plan().Kind == "revert" })
	start := time.Now()
	d.runWindow(map[string]string{"revert": "y"}, nil)
	if d.m.win.Err() != nil {
		t.Fatalf("the revert failed: %v\nsteps: %s\n%s", d.m.win.Err(), stepStates(d.m), d.screen())
	}
	t.Logf("revert: from the confirmation to the end of the revert window %s", time.Since(start).Round(time.Millisecond))
	for _, h := range sb.Role(config.RoleAppServers) {
		got, err := sb.ReadAppServerFile(h, file)
		if err != nil || string(got) != string(before) {
			t.Fatalf("%s still has the reverted file (err %v)", h, err)
		}
	}
	ws, err := journal.ListWindows(config.StateDir(env.Config))
	if err != nil || len(ws) != 2 {
		t.Fatalf("journaled windows: %v %v", ws, err)
	}
	for _, w := range ws {
		if w.Status != journal.StatusOK {
			t.Errorf("window %s (%s) ended %s: %s", w.ID, w.Kind, w.Status, w.Error)
		}
	}
}

// The extra-commit scenario: the fetch brings a commit nobody +2'd. The
// question offers its diff; d opens the viewer with the commit marked, the
// question waits, and "n" stops the window before anything is rebased.
func TestSandboxExtraCommitIsShownAndStopsTheWindow(t *testing.T) {
	t.Parallel() // a sandbox of its own
	if testing.Short() {
		t.Skip("starts the sandbox")
	}
	sb, env := sandboxEnv(t)
	n := sb.Changes["extra-commit"]
	d := newDriver(t, Options{Env: env, Sandbox: true, ArmDelay: time.Millisecond}, 120, 40)
	d.typeText(fmt.Sprint(n))
	d.key("enter")
	d.waitScreen("plan ready")
	d.homeReady()
	d.key("enter")
	d.until("the window", func(m Model) bool { return m.screen == screenWindow && m.win != nil })
	sawDiff := false
	d.runWindow(map[string]string{fmt.Sprintf("approve-%d", n): "y", "review-php-1.44.0-wmf.5": "n"}, func(id string) {
		if id != "review-php-1.44.0-wmf.5" || sawDiff {
			return
		}
		d.key("d")
		d.until("the diff", func(m Model) bool { return m.screen == screenDiff && m.diff.Doc() != nil })
		s := d.screen()
		if !strings.Contains(s, "✗ NOT PART OF THIS CHANGE") {
			t.Errorf("the extra commit is not marked:\n%s", s)
		}
		d.key("q")
		d.until("the window", func(m Model) bool { return m.screen == screenWindow })
		d.key("enter") // the question again
		sawDiff = true
	})
	if !sawDiff {
		t.Fatal("no extra-commit question")
	}
	if d.m.win.Err() == nil || d.m.win.StepList().Info("rebase-php-1.44.0-wmf.5").State != steplist.Pending {
		t.Fatalf("the window went on after n: err %v, steps %s", d.m.win.Err(), stepStates(d.m))
	}
}

// planStep is step id of the window's plan (nil when there is none).
func planStep(m Model, id string) *runbooks.Step {
	for _, s := range m.win.Plan().Steps {
		if s.ID == id {
			return s
		}
	}
	return nil
}
