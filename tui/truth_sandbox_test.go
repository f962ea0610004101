package tui

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"porthole/gerrit/gerrittest"
	"porthole/runbooks"
	"porthole/sandbox"
)

// fakeClock is a clock the test moves.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// Home lists the sandbox's changes waiting for a window. A production
// Gerrit URL is refused on Home with the whole reason (which Gerrit
// porthole talks to, what to paste instead); the change's number, typed,
// is looked up. Then the merge wait (CI that does not report) shows its
// elapsed time moving in the footer.
func TestSandboxHomeAndMergeWaitTellTheTruth(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the sandbox")
	}
	sb, env := sandboxEnv(t)
	clock := &fakeClock{t: time.Now()}
	env.Now = clock.now
	n, err := sb.Gerrit.CreateChange(gerrittest.ChangeSpec{Project: sandbox.ProjectCore, Branch: "wmf/" + sb.Version,
		Subject: "Slow CI", Files: map[string]string{"includes/SlowCI.php": "<?php\n// waits for CI\n"}, Owner: sb.User, CI: gerrittest.CIManual})
	if err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, Options{Env: env, Sandbox: true, ArmDelay: time.Millisecond, Now: clock.now}, 80, 24)
	d.homeReady()
	// Home lists the changes gerrit.pending_query finds: the seeded ones.
	d.waitScreen("Waiting for a window (")
	if s := d.screen(); !strings.Contains(s, fmt.Sprintf("%d  mediawiki/core  wmf/%s", sb.Changes["core"], sb.Version)) {
		t.Fatalf("Home does not list the seeded core change as waiting:\n%s", s)
	}
	prod := fmt.Sprintf("https://gerrit.wikimedia.org/r/c/mediawiki/core/+/%d", n)
	d.typeText(prod)
	d.key("enter")
	d.waitScreen("cannot be used")
	why := fmt.Sprintf("%q links to gerrit.wikimedia.org but porthole talks to Gerrit at 127.0.0.1", prod)
	if s := flat(d.screen()); !strings.Contains(s, why) || !strings.Contains(s, "paste a link or number from ") {
		t.Fatalf("the production URL is not refused with its reason:\n%s", d.screen())
	}
	d.key("tab", "x", "shift+tab") // remove it
	d.typeText(fmt.Sprint(n))
	d.key("enter")
	d.waitScreen("plan ready")
	d.key("enter")
	d.until("the window", func(m Model) bool { return m.screen == screenWindow && m.win != nil })
	wait := fmt.Sprintf("wait-merge-%d", n)
	for d.m.win.Running() != wait {
		d.until("a question or the merge wait", func(m Model) bool { return m.win.Gate() != nil || m.win.Running() == wait || m.win.Closed() })
		if d.m.win.Closed() {
			t.Fatalf("the window ended: %v\n%s", d.m.win.Err(), d.screen())
		}
		if g := d.m.win.Gate(); g != nil {
			if g.Gate.Kind == runbooks.GateContinue {
				d.key("enter")
			} else {
				d.dialogArmed()
				d.key("y")
			}
			d.until("the answer to be taken", func(m Model) bool { return m.win.Gate() != g })
		}
	}
	d.waitScreen("running 0:00: Wait for change")
	clock.add(19 * time.Second)
	d.send(tickMsg{})
	if s := d.screen(); !strings.Contains(s, fmt.Sprintf("running 0:19: Wait for change %d to merge", n)) {
		t.Fatalf("19 s later the merge wait's time did not move:\n%s", s)
	}
	if err := sb.Gerrit.Abandon(n); err != nil { // the wait ends
		t.Fatal(err)
	}
	d.until("the question after the wait failed", func(m Model) bool { return m.win.Gate() != nil })
	d.dialogArmed()
	d.key("n") // stop the window here
	d.until("the window to stop", func(m Model) bool { return m.win.Finished() })
	if err := d.m.win.Err(); err == nil || !strings.Contains(err.Error(), "abandoned") {
		t.Fatalf("the window ended with %v", err)
	}
}
