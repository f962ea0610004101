package main

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"

	"porthole/internal/testreq"
	"porthole/sandbox"
)

// TestRevertFromPastWindowInTheSandbox backports a core and a config change
// with the porthole binary against the sandbox, then, as a later deployer
// would, reads `porthole log show` for the command and reverts only the
// core change with `porthole revert --from ID --change N`: the old core file
// is back on every app server and the config change stays live. A second
// `--from ID` (all) reverts only what is left, and a third finds nothing.
func TestRevertFromPastWindowInTheSandbox(t *testing.T) {
	t.Parallel()    // runs the built porthole against a sandbox of its own
	testreq.Tmux(t) // a window runs scap detached in tmux
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Dir: t.TempDir(), AppServers: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	xdg := t.TempDir()
	yes := strings.Repeat("y\n", 40)
	core, cfg := sb.Changes["core"], sb.Changes["config"]
	coreFile, cfgFile := "php-"+sb.Version+"/includes/api/ApiMain.php", "wmf-config/InitialiseSettings.php"
	apps := []string{"mw1001", "mw1002"}
	read := func(h, p string) []byte {
		t.Helper()
		b, err := sb.ReadAppServerFile(h, p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	oldCore, oldCfg := read("mw1001", coreFile), read("mw1001", cfgFile)

	o := runPorthole(t, xdg, yes, "backport", strconv.Itoa(core), strconv.Itoa(cfg), "--config", sb.ConfigPath)
	if o.code != 0 {
		t.Fatalf("porthole backport: %s", o)
	}
	id := windowOf(t, o.stdout)
	newCfg := read("mw1001", cfgFile)
	for _, h := range apps {
		if bytes.Equal(read(h, coreFile), oldCore) || bytes.Equal(read(h, cfgFile), oldCfg) {
			t.Fatalf("%s: the backport did not deploy both changes", h)
		}
	}

	o = runPorthole(t, xdg, "", "log", "show", "-markdown", id, "--config", sb.ConfigPath)
	want := "porthole revert --from " + id + " --change " + strconv.Itoa(core)
	if o.code != 0 || !strings.Contains(o.stdout, "porthole revert --from "+id+"\n") || !strings.Contains(o.stdout, want) {
		t.Fatalf("porthole log show does not offer %q:\n%s", want, o)
	}

	// A revert whose sync fails (the canaries fail; scap rolls back) has
	// reverted the change on the deployment host only: another revert is
	// refused, resuming that one finishes it.
	if err := sb.SetCanariesFailing(true); err != nil {
		t.Fatal(err)
	}
	o = runPorthole(t, xdg, "y\n", "revert", "--from", id, "--change", strconv.Itoa(core), "--config", sb.ConfigPath)
	if o.code == 0 {
		t.Fatalf("a revert whose canaries fail exited 0: %s", o)
	}
	if !strings.Contains(o.stdout, "Revert and sync to all app servers now?") || strings.Contains(o.stdout, "scap sync-file "+cfgFile) {
		t.Errorf("the revert's question does not show (or syncs the config too):\n%s", o.stdout)
	}
	half := windowOf(t, o.stdout)
	o = runPorthole(t, xdg, "y\n", "revert", "--from", id, "--change", strconv.Itoa(core), "--config", sb.ConfigPath)
	oneLineError(t, "a second revert of a change reverted but not synced", o, exitFailure,
		"is reverted on the deployment host by window "+half+", which has not synced it yet: resume that window (porthole run --resume "+half+")")
	if err := sb.SetCanariesFailing(false); err != nil {
		t.Fatal(err)
	}
	o = runPorthole(t, xdg, "y\n", "run", "--resume", half, "--config", sb.ConfigPath)
	if o.code != 0 {
		t.Fatalf("porthole run --resume of the half-done revert: %s", o)
	}
	for _, h := range apps {
		if !bytes.Equal(read(h, coreFile), oldCore) {
			t.Errorf("%s: the old %s is not back after the revert", h, coreFile)
		}
		if !bytes.Equal(read(h, cfgFile), newCfg) {
			t.Errorf("%s: the config change was reverted too", h)
		}
	}

	o = runPorthole(t, xdg, "", "log", "show", "-markdown", id, "--config", sb.ConfigPath)
	if !strings.Contains(o.stdout, "- change "+strconv.Itoa(core)+" was reverted in window ") || strings.Contains(o.stdout, want) ||
		!strings.Contains(o.stdout, "porthole revert --from "+id+"\n") {
		t.Errorf("after the core revert, porthole log show does not say so, or still offers it:\n%s", o)
	}
	o = runPorthole(t, xdg, "", "revert", "--from", id, "--reason", "fatals", "--config", sb.ConfigPath)
	if o.code != exitUsage || !strings.HasPrefix(o.stderr, "porthole revert: --reason is not taken with --from") {
		t.Errorf("--reason with --from: %s", o)
	}

	o = runPorthole(t, xdg, "y\n", "revert", "--from", id, "--config", sb.ConfigPath)
	if o.code != 0 || !strings.Contains(o.stdout, "already reverted, left alone: "+strconv.Itoa(core)) {
		t.Fatalf("porthole revert --from (all) after the core revert: %s", o)
	}
	for _, h := range apps {
		if !bytes.Equal(read(h, cfgFile), oldCfg) {
			t.Errorf("%s: the old %s is not back after the second revert", h, cfgFile)
		}
	}
	o = runPorthole(t, xdg, "y\n", "revert", "--from", id, "--config", sb.ConfigPath)
	oneLineError(t, "a third revert", o, exitFailure, "already reverted", "nothing is left to revert")
	o = runPorthole(t, xdg, "", "revert", "--from", id, "--change", "999999", "--config", sb.ConfigPath)
	oneLineError(t, "a change not in the window", o, exitFailure, "change 999999 is not part of window "+id)
}

// TestRevertFromSuggestsTheMaintenanceUndo deploys the sandbox's collation
// and namespace changes, runs the updateCollation and namespaceDupes they
// call for (as separate windows, as a deployer does), then reverts the
// window with `porthole revert --from`: it prints the updateCollation that
// undoes the first, with --previous-collation swapped (which the sandbox's
// mwscript then really runs on rows), and what to check for the namespace.
func TestRevertFromSuggestsTheMaintenanceUndo(t *testing.T) {
	t.Parallel()    // runs the built porthole against a sandbox of its own
	testreq.Tmux(t) // a window runs scap detached in tmux
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Dir: t.TempDir(), AppServers: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	xdg, cfg := t.TempDir(), sb.ConfigPath
	yes := strings.Repeat("y\n", 40)
	o := runPorthole(t, xdg, yes, "backport", strconv.Itoa(sb.Changes["collation"]), strconv.Itoa(sb.Changes["namespace"]), "--config", cfg)
	if o.code != 0 {
		t.Fatalf("porthole backport: %s", o)
	}
	id := windowOf(t, o.stdout)
	for _, run := range [][]string{
		{"updateCollation", "--param", "wiki=cywiki", "--param", "previous_collation=uppercase"},
		{"namespaceDupes", "--param", "wiki=dewiki"},
	} {
		o = runPorthole(t, xdg, yes, append(append([]string{"run"}, run...), "--yes-dry-runs", "--config", cfg)...)
		if o.code != 0 {
			t.Fatalf("porthole run %s: %s", run[0], o)
		}
	}

	o = runPorthole(t, xdg, "y\n", "revert", "--from", id, "--config", cfg)
	if o.code != 0 {
		t.Fatalf("porthole revert --from: %s", o)
	}
	undo := "porthole run updateCollation --param previous_collation=uca-default --param wiki=cywiki"
	before, after, ok := strings.Cut(o.stdout, "Revert and sync to all app servers now?")
	if !ok || !strings.Contains(before, "Before you confirm: this deploy's maintenance runs will need undoing:") || !strings.Contains(before, undo) {
		t.Errorf("the undo is not shown before the confirmation:\n%s", o.stdout)
	}
	if !strings.Contains(after, "The revert is live: now undo this deploy's maintenance:") || !strings.Contains(after, undo) {
		t.Errorf("the undo is not repeated once the revert is live:\n%s", after)
	}
	for _, want := range []string{"namespaceDupes --fix ran on dewiki", "Special:Log/move", "Entwurf"} {
		if !strings.Contains(before, want) {
			t.Errorf("the namespace check lacks %q:\n%s", want, before)
		}
	}
	// The suggested undo is the right one: it finds the rows sorted for uca-default.
	args := append(strings.Fields(strings.TrimPrefix(undo, "porthole ")), "--yes-dry-runs", "--config", cfg)
	o = runPorthole(t, xdg, yes, args...)
	if o.code != 0 || !strings.Contains(o.stdout, "Fixing collation for 250 rows") {
		t.Fatalf("the suggested undo %q did not update the rows: %s", undo, o)
	}
}
