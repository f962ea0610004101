package window

import (
	"context"
	"strings"
	"testing"
	"time"

	"porthole/gerrit"
	"porthole/gitops/gitopstest"
	"porthole/runbooks"
)

const oldCache = "<?php\nclass Cache {\n\tconst TTL = 60;\n}\n"

func TestRevertFromWindowIsOneConfirmation(t *testing.T) {
	t.Parallel() // a fixture of its own
	f := newBPFixture(t)
	threeChanges(f)
	p := f.build("backport", map[string]string{"changes": "101 102 103"})
	r, evs, err := f.run(p, nil)
	if err != nil {
		t.Fatalf("%v %q", err, bpNotes(evs))
	}
	php := "php-" + gitopstest.Version
	if f.appFile("mw1003", php+"/includes/cache/Cache.php") != newCache {
		t.Fatal("not deployed")
	}
	calls := len(f.scapCalls())

	// Gerrit is down in an emergency: the revert is built from the window alone.
	f.env.Gerrit = nil
	rp, err := BuildRevertFrom(context.Background(), f.env, p, r.Facts())
	if err != nil {
		t.Fatal(err)
	}
	f.env.Gerrit = f.g
	if rp.Kind != "revert" || len(rp.Changes) != 3 {
		t.Fatalf("revert plan %s %d", rp.Kind, len(rp.Changes))
	}
	g := bpStep(rp, "revert").Gate
	if g == nil || g.Default != "n" || g.Prompt != "Revert and sync to all app servers now?" {
		t.Fatalf("revert gate %+v", g)
	}
	for _, want := range []string{"git revert --no-edit --end-of-options " + r.Facts().Change(102).Commit, f.s.EchoDir(), "mw1001", "scap sync-file"} {
		if !strings.Contains(g.Detail, want) {
			t.Errorf("gate detail lacks %q:\n%s", want, g.Detail)
		}
	}
	for _, s := range rp.Steps {
		if strings.HasPrefix(s.ID, "revert-sync-") && (!s.Irreversible || s.CoveredBy != "revert" || !strings.Contains(s.Command, `'Backport: Revert "[[gerrit:101|`)) {
			t.Errorf("sync step %+v", s)
		}
	}
	start := time.Now()
	var gates int
	var synced time.Duration
	r2, evs2, err := f.runTimed(rp, func(runbooks.GateRequest) string { gates++; return "y" }, func(e runbooks.Event) {
		if sf, ok := e.(runbooks.StepFinished); ok && strings.HasPrefix(sf.StepID, "revert-sync-") && sf.State == runbooks.Done {
			synced = time.Since(start)
		}
	})
	if err != nil {
		t.Fatalf("revert failed: %v %q", err, bpNotes(evs2))
	}
	if gates != 1 {
		t.Fatalf("%d confirmations, want exactly one", gates)
	}
	t.Logf("revert: from the confirmation to the last app server holding the old file: %s", synced.Round(time.Millisecond))
	for _, h := range []string{"mw1001", "mw1002", "mw1003"} {
		if got := f.appFile(h, php+"/includes/cache/Cache.php"); got != oldCache {
			t.Errorf("%s core file not reverted: %q", h, got)
		}
		if got := f.appFile(h, php+"/extensions/Echo/includes/Hooks.php"); got != "<?php\nclass Hooks {\n}\n" {
			t.Errorf("%s echo not reverted: %q", h, got)
		}
		if got := f.appFile(h, "wmf-config/InitialiseSettings.php"); strings.Contains(got, "wgFileExporter") {
			t.Errorf("%s config not reverted: %q", h, got)
		}
	}
	after := f.scapCalls()[calls:]
	if len(after) != 3 {
		t.Fatalf("revert syncs %q", after)
	}
	want := RevertSAL(p.Changes, "")
	if !strings.HasPrefix(want, `Backport: Revert "[[gerrit:101|Enable FileExporter for sourceswiki (T198594)]]", Revert "[[gerrit:102|`) {
		t.Fatalf("revert SAL %q", want)
	}
	for _, c := range after {
		if c[1] != want {
			t.Errorf("scap message %q, want %q", c[1], want)
		}
	}
	// pushed for review with the revert topic, one per repository, and found in Gerrit
	v, before := r2.Facts(), r.Facts()
	for proj, n := range map[string]int{gitopstest.CoreProject: 102, gitopstest.EchoProject: 103} {
		ref := "refs/for/" + f.s.Branch + "%topic=revert-" + before.Change(n).Commit
		if got := f.s.Git(f.s.Bare(proj), "rev-parse", ref); got != v.Change(n).Reverted {
			t.Errorf("%s: %s = %s, want the revert %s", proj, ref, got, v.Change(n).Reverted)
		}
		if v.Change(n).RevertChange == 0 {
			t.Errorf("revert of %d not found in Gerrit", n)
		}
	}
	if got := f.s.Git(f.s.Bare(gitopstest.ConfigProject), "for-each-ref", "--format=%(refname)", "refs/for/"); got != "refs/for/master%topic=revert-"+before.Change(101).Commit {
		t.Errorf("config push %q", got)
	}
	msg := f.s.Git(f.s.CoreDir, "log", "-1", "--format=%B")
	if !strings.Contains(msg, "Reason for revert: alice: emergency revert during window "+p.ID) || !strings.Contains(msg, "Change-Id: "+v.Change(102).RevertChangeID) {
		t.Errorf("revert message %q", msg)
	}
	// the staging order: sync before push
	var order []string
	for _, e := range evs2 {
		if sf, ok := e.(runbooks.StepFinished); ok {
			order = append(order, sf.StepID)
		}
	}
	if strings.Index(strings.Join(order, " "), "revert-sync-") > strings.Index(strings.Join(order, " "), "push-revert-") {
		t.Errorf("pushed before syncing: %v", order)
	}
}

func TestRevertAnyMergedChange(t *testing.T) {
	t.Parallel() // a fixture of its own
	f := newBPFixture(t)
	f.coreChange(160, "cache: TTL", map[string]string{"includes/cache/Cache.php": newCache})
	p := f.build("backport", map[string]string{"changes": "160"})
	if _, evs, err := f.run(p, nil); err != nil {
		t.Fatalf("%v %q", err, bpNotes(evs))
	}
	rp := f.build("revert", map[string]string{"changes": "160", "reason": "fatals on enwiki (T5)"})
	s := bpStep(rp, "revert")
	sha := f.s.Git(f.s.CoreDir, "log", "-1", "--format=%H", "--grep=Change-Id: "+gitopstest.ChangeID(160))
	if s.Command != "git revert --no-edit --end-of-options "+sha || s.Dir != f.s.CoreDir {
		t.Fatalf("revert step %q in %s", s.Command, s.Dir)
	}
	if c := bpStep(rp, "revert-sync-1").Command; !strings.HasPrefix(c, "scap sync-file php-"+gitopstest.Version+"/includes/cache/Cache.php 'Backport: Revert \"[[gerrit:160|cache: TTL (T160)]]\"'") {
		t.Fatalf("sync %q", c)
	}
	if _, evs, err := f.run(rp, nil); err != nil {
		t.Fatalf("%v %q", err, bpNotes(evs))
	}
	if got := f.appFile("mw1001", "php-"+gitopstest.Version+"/includes/cache/Cache.php"); got != oldCache {
		t.Fatalf("not reverted: %q", got)
	}
	if !strings.Contains(f.s.Git(f.s.CoreDir, "log", "-1", "--format=%B"), "Reason for revert: alice: fatals on enwiki (T5)") {
		t.Fatal("reason not in the revert message")
	}
}

func TestRevertRefusals(t *testing.T) {
	t.Parallel() // a fixture of its own
	f := newBPFixture(t)
	f.coreChange(170, "not merged", map[string]string{"includes/Title.php": "x"})
	merged := f.coreChange(171, "merged elsewhere", map[string]string{"includes/Title.php": "y"})
	merged.Status = "MERGED"
	for params, want := range map[string]string{
		"":    "no change given",
		"170": "not merged: there is nothing deployed to revert",
		"171": "is not in HEAD of " + f.s.CoreDir,
	} {
		_, err := runbooks.Build(context.Background(), f.env, "revert", map[string]string{"changes": params})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", params, err, want)
		}
	}
	p := &runbooks.Plan{ID: "w", Changes: []*gerrit.Change{{Number: 1}}}
	if _, err := BuildRevertFrom(context.Background(), f.env, p, &runbooks.Facts{}); err == nil || !strings.Contains(err.Error(), "nothing of window w is synced") {
		t.Errorf("revert of an unsynced window: %v", err)
	}
}
