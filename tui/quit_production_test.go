package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"porthole/remote"
	"porthole/runbooks"
)

// ctrl+c while scap syncs to production asks (default No) instead of
// killing it: enter keeps it going and the window ends done.
func TestSandboxCtrlCDuringTheSyncAsks(t *testing.T) {
	t.Parallel() // a sandbox of its own
	if testing.Short() {
		t.Skip("starts the sandbox")
	}
	sb, env := sandboxEnv(t)
	gate := filepath.Join(t.TempDir(), "scap-may-go")
	env.Config.Commands.SyncFile = "while [ ! -e " + remote.Quote(gate) + " ]; do sleep 0.05; done; scap sync-file {path} {message}"
	core := sb.Changes["core"]
	d := newDriver(t, Options{Env: env, Sandbox: true, ArmDelay: time.Millisecond}, 100, 30)
	d.typeText(fmt.Sprint(core))
	d.key("enter")
	d.waitScreen("plan ready")
	d.homeReady()
	d.key("enter")
	d.until("the window", func(m Model) bool { return m.screen == screenWindow && m.win != nil })
	answers := map[string]string{fmt.Sprintf("approve-%d", core): "y", "owner-verify": "y", "sync-1": "y"}
	for d.m.win.Running() != "sync-1" {
		d.until("a question or the sync", func(m Model) bool { return m.win.Gate() != nil || m.win.Running() == "sync-1" || m.win.Closed() })
		w := d.m.win
		if w.Closed() {
			t.Fatalf("the window ended before the sync: %v\n%s", w.Err(), d.screen())
		}
		if w.Gate() == nil {
			break
		}
		id := w.Gate().StepID
		if w.Gate().Gate.Kind == runbooks.GateContinue {
			d.key("enter")
		} else {
			d.dialogArmed()
			d.key(answers[id])
		}
		d.until("the answer", func(m Model) bool { return m.win.Gate() == nil || m.win.Gate().StepID != id })
	}
	d.key("ctrl+c")
	if d.m.quitDlg == nil || d.m.quitting {
		t.Fatalf("ctrl+c during the sync did not ask:\n%s", d.screen())
	}
	if s := flat(d.screen()); !strings.Contains(s, "scap is syncing to production: stop it?") {
		t.Errorf("the question:\n%s", d.screen())
	}
	d.until("the question to take keys", func(m Model) bool { return m.quitDlg == nil || m.quitDlg.Armed() })
	d.key("enter") // the default: No
	if d.m.quitDlg != nil || d.m.quitting || d.m.win.Stopping() {
		t.Fatalf("enter (No) stopped the sync:\n%s", d.screen())
	}
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	d.runWindow(answers, nil) // the step-mode pauses after the sync
	if d.m.win.Err() != nil {
		t.Fatalf("the window failed: %v\n%s", d.m.win.Err(), d.screen())
	}
}
