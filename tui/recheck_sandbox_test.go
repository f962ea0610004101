package tui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"porthole/gerrit"
	"porthole/runbooks"
)

// CI fails after the +2 (the sandbox's ci-fail change). The question shows
// the build and offers "recheck"; no, then Retry, does not fail at once on
// the failure already shown: the wait goes on and says it waits for CI's
// next result. A "recheck" typed in Gerrit by hand brings a new failure and
// the question again; yes comments "recheck" and waits again; the last no
// and Stop end the window with what to do.
func TestSandboxCIFailureRecheckAndRetry(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the sandbox")
	}
	sb, env := sandboxEnv(t)
	env.Config.Gerrit.PollInterval = 50 * time.Millisecond
	n := sb.Changes["ci-fail"]
	d := newDriver(t, Options{Env: env, Sandbox: true, ArmDelay: time.Millisecond}, 160, 40)
	d.typeText(fmt.Sprint(n))
	d.key("enter")
	d.waitScreen("plan ready")
	d.homeReady()
	d.key("enter")
	d.until("the window", func(m Model) bool { return m.screen == screenWindow && m.win != nil })

	// answer takes the next real question (enter at step-mode pauses),
	// checks it is about want, and gives key.
	answer := func(want, key string) string {
		t.Helper()
		for {
			d.until("a question", func(m Model) bool { return m.win.Closed() || m.win.Gate() != nil })
			if d.m.win.Closed() {
				t.Fatalf("the window ended (%v) before the question %q\n%s", d.m.win.Err(), want, d.screen())
			}
			if d.m.win.Gate().Gate.Kind != runbooks.GateContinue {
				break
			}
			id := d.m.win.Gate().StepID
			d.key("enter")
			d.until("the pause to end", func(m Model) bool { return m.win.Gate() == nil || m.win.Gate().StepID != id })
		}
		d.dialogArmed()
		g := d.m.win.Gate().Gate
		if !strings.Contains(g.Prompt, want) {
			t.Fatalf("question %q, want one about %q\n%s", g.Prompt, want, d.screen())
		}
		s := d.screen()
		d.key(key)
		d.until("the answer to be taken", func(m Model) bool { return m.win.Gate() == nil || m.win.Gate().Gate.Prompt != g.Prompt })
		return s
	}
	answer("+2 starts Gerrit's gate", "y")
	s := answer(`Comment "recheck"`, "n")
	if !strings.Contains(flat(s), "integration.wikimedia.org/ci/job/") {
		t.Errorf("the recheck question does not show the failed build:\n%s", s)
	}
	if !strings.Contains(flat(s), "No stops this step, with nothing synced") {
		t.Errorf("the recheck question does not say what no does:\n%s", s)
	}
	s = answer("Retry it?", "r")
	if !strings.Contains(flat(s), "then retry this step") {
		t.Errorf("the failure does not say what to do:\n%s", s)
	}

	// The retried wait waits: it says the failure was already shown, and
	// asks nothing until CI reports again.
	d.until("the retried wait to say what it waits for, or a question", func(m Model) bool {
		return m.win.Gate() != nil || m.win.Closed() || strings.Contains(flat(ansi.Strip(m.render())), "already shown, waiting for CI's next result")
	})
	if d.m.win.Gate() != nil || d.m.win.Closed() {
		t.Fatalf("the retried wait did not wait for CI's next result (err %v):\n%s", d.m.win.Err(), d.screen())
	}
	gc := env.Gerrit.(*gerrit.Client)
	ch, err := gc.Resolve(context.Background(), strconv.Itoa(n))
	if err != nil {
		t.Fatal(err)
	}
	if err := gc.Comment(context.Background(), ch, "recheck"); err != nil { // by hand, in Gerrit
		t.Fatal(err)
	}
	answer(`Comment "recheck"`, "y")
	answer(`Comment "recheck"`, "n")
	answer("Retry it?", "n")
	d.until("the window to end", func(m Model) bool { return m.win.Closed() || m.win.Finished() })
	err = d.m.win.Err()
	if err == nil || !strings.Contains(err.Error(), "then retry this step") || !strings.Contains(err.Error(), "integration.wikimedia.org/ci/job/") {
		t.Fatalf("the window ended with %v", err)
	}
	if s := flat(d.screen()); !strings.Contains(s, "failed: change") || !strings.Contains(s, "then retry this step: it waits for CI's next result") {
		t.Errorf("the whole error, with what to do, is not on screen:\n%s", d.screen())
	}
	rechecks := 0
	for _, w := range sb.Gerrit.Writes() {
		if strings.Contains(w.Body, "recheck") {
			rechecks++
		}
	}
	if rechecks != 2 { // the one typed in Gerrit, and porthole's after yes
		t.Errorf("%d recheck comments, want 2", rechecks)
	}
}
