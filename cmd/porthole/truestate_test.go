package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"porthole/config"
	"porthole/runbooks/journal"
)

// True state, through the binary and the sandbox: a deployed change is
// shown as deployed (which window, when) and neither plan nor backport
// offers it again; the window it was reverted from is labelled reverted; a
// declined danger window and a declined revert are not left "unfinished".
func TestTrueStateAfterDeployRevertAndDeclines(t *testing.T) {
	t.Parallel() // runs the built porthole against a sandbox of its own
	b := startBadSandbox(t)
	core, schema := fmt.Sprint(b.Changes["core"]), fmt.Sprint(b.Changes["schema"])
	o := b.run(t, "y\ny\ny\n", "backport", "--config", b.ConfigPath, core)
	if o.code != 0 {
		t.Fatalf("backport:\n%s", o)
	}
	deployed := windowOf(t, o.stdout)

	want := "change " + core + " is merged and already deployed: window " + deployed + " synced it at "
	o = b.run(t, "", "plan", "--config", b.ConfigPath, core)
	oneLineError(t, "plan of a deployed change", o, exitFailure, want, "nothing to +2 or deploy again")
	if strings.Contains(o.stdout, "+2 change") {
		t.Errorf("plan offers a +2:\n%s", o.stdout)
	}
	o = b.run(t, strings.Repeat("y\n", 5), "backport", "--config", b.ConfigPath, core)
	oneLineError(t, "backport of a deployed change", o, exitFailure, want)
	if strings.Contains(o.stdout, "?? ") {
		t.Errorf("backport of a deployed change asked something:\n%s", o.stdout)
	}

	o = b.run(t, "y\n", "revert", "--config", b.ConfigPath, core, "--reason", "test")
	if o.code != 0 {
		t.Fatalf("revert:\n%s", o)
	}
	reverted := windowOf(t, o.stdout)
	o = b.run(t, "", "log", "--config", b.ConfigPath)
	if !strings.Contains(o.stdout, "reverted (by "+reverted+")") || !lineHas(o.stdout, deployed, "reverted (by ") {
		t.Errorf("log does not label %s reverted:\n%s", deployed, o)
	}

	time.Sleep(1100 * time.Millisecond) // window ids are per second
	o = b.run(t, strings.Repeat("y\n", 5), "backport", "--config", b.ConfigPath, schema)
	if o.code == 0 {
		t.Fatalf("the danger window went through:\n%s", o)
	}
	o = b.run(t, "n\n", "revert", "--config", b.ConfigPath, core)
	if o.code == 0 {
		t.Fatalf("a declined revert exited 0:\n%s", o)
	}
	un, err := journal.Unfinished(config.StateDir(b.Config))
	if err != nil || len(un) != 0 {
		t.Fatalf("unfinished windows %+v (%v)", un, err)
	}
	o = b.run(t, "", "run", "--resume", "--config", b.ConfigPath)
	oneLineError(t, "resume with nothing to resume", o, exitFailure, "no window to resume")
}

// lineHas is true when a line of s holds every part.
func lineHas(s string, parts ...string) bool {
	for _, l := range strings.Split(s, "\n") {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(l, p)
		}
		if ok {
			return true
		}
	}
	return false
}
