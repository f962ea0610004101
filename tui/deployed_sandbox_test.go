package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"porthole/config"
	"porthole/runbooks"
)

// A change a journaled window already deployed: Home's plan says so (which
// window, when) and enter does not start a window to +2 or sync it again.
func TestSandboxDeployedChangeIsNotOfferedAgain(t *testing.T) {
	t.Parallel() // a sandbox of its own
	if testing.Short() {
		t.Skip("starts the sandbox")
	}
	sb, env := sandboxEnv(t)
	core := sb.Changes["core"]
	ctx := context.Background()
	plan, err := runbooks.Build(ctx, env, "backport", map[string]string{"changes": fmt.Sprint(core)})
	if err != nil {
		t.Fatal(err)
	}
	j, err := runbooks.OpenJournal(config.StateDir(env.Config), plan)
	if err != nil {
		t.Fatal(err)
	}
	r := runbooks.NewRunner(env, plan, j, runbooks.RunOptions{})
	r.Start(ctx)
	var final error
	for e := range r.Events() {
		switch ev := e.(type) {
		case runbooks.GateRequest:
			ev.Answer(runbooks.Decision{Choice: "y"})
		case runbooks.RunFinished:
			final = ev.Err
		}
	}
	j.Close()
	if final != nil {
		t.Fatalf("the first window: %v", final)
	}

	d := newDriver(t, Options{Env: env, Sandbox: true, ArmDelay: time.Millisecond}, 120, 40)
	d.typeText(fmt.Sprint(core))
	d.key("enter")
	screen := flat(d.waitScreen("deployed: window"))
	for _, want := range []string{"the window cannot be planned: change " + fmt.Sprint(core) + " is merged and alrea", "DANGER: deployed: window", "nothing to +2 or deploy again"} {
		if !strings.Contains(screen, want) {
			t.Errorf("Home lacks %q:\n%s", want, d.screen())
		}
	}
	if ws := errWarnings(d.m.previewErr); len(ws) != 1 || ws[0].Change != core || !strings.Contains(ws[0].Text, "window "+plan.ID+" synced it at") {
		t.Errorf("the card's warnings: %+v", ws)
	}
	d.homeReady()
	d.key("enter")
	d.settle()
	if d.m.win != nil || d.m.screen != screenHome {
		t.Fatalf("enter started a window for a deployed change:\n%s", d.screen())
	}
}
