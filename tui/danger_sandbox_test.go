package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"porthole/runbooks"
)

// The schema change (a danger warning) is not +2'd by a plain y: the +2
// question takes only its typed number, so a deployer pressing y and enter
// stops the window with the change unmerged in Gerrit.
func TestSandboxDangerGateNeedsTheTypedNumber(t *testing.T) {
	t.Parallel() // a sandbox of its own
	if testing.Short() {
		t.Skip("starts the sandbox")
	}
	sb, env := sandboxEnv(t)
	schema := sb.Changes["schema"]
	d := newDriver(t, Options{Env: env, Sandbox: true, ArmDelay: time.Millisecond}, 100, 30)
	d.typeText(fmt.Sprint(schema))
	d.key("enter")
	d.waitScreen("plan ready")
	d.homeReady()
	d.key("enter")
	approve := fmt.Sprintf("approve-%d", schema)
	for i := 0; i < 5; i++ { // pre-flight and the backport lock come first: enter goes on
		d.until("a question", func(m Model) bool { return m.win != nil && m.win.Gate() != nil })
		g := d.m.win.Gate()
		if g.StepID == approve || g.Gate.Kind != runbooks.GateContinue {
			break
		}
		d.key("enter")
		d.until("the next question", func(m Model) bool { return m.win.Gate() == nil || m.win.Gate().StepID != g.StepID })
	}
	if g := d.m.win.Gate(); g.StepID != approve || g.Gate.Kind != runbooks.GateTyped {
		t.Fatalf("first question: %s %+v", g.StepID, g.Gate)
	}
	d.dialogArmed()
	if screen := flat(d.screen()); !strings.Contains(screen, fmt.Sprintf("type %d", schema)) {
		t.Errorf("the question does not say what to type:\n%s", d.screen())
	}
	d.key("y")
	if d.m.win.Gate() == nil {
		t.Fatal("y answered the typed question")
	}
	d.key("enter")
	d.until("the window to stop", func(m Model) bool { return m.win.Closed() })
	st := sb.Gerrit.Change(schema)
	if st.Status != "NEW" {
		t.Fatalf("change %d is %s after y", schema, st.Status)
	}
	if v := st.Votes["Code-Review"][sb.User]; v != 0 {
		t.Fatalf("change %d got Code-Review %+d from a plain y", schema, v)
	}
}
