package window_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"porthole/config"
	"porthole/runbooks"
	"porthole/runbooks/runbookstest"
	"porthole/window"
)

// TestSandboxBackportThenRevertTiming runs a whole core backport window over
// real SSH against the sandbox, then the emergency revert, and measures the
// time from pressing revert to the old file being back on every app server.
func TestSandboxBackportThenRevertTiming(t *testing.T) {
	t.Parallel() // a sandbox of its own
	sb, env := runbookstest.StartSandbox(t)
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
	r, err := runbookstest.RunPlan(t, env, p, nil)
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
	rp, err := window.BuildRevertFrom(context.Background(), env, p, r.Facts())
	if err != nil {
		t.Fatal(err)
	}
	var confirmed, synced time.Time
	if _, err := runbookstest.RunPlan(t, env, rp, func(e runbooks.Event) {
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
