package gerrit_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"porthole/gerrit"
	"porthole/gerrit/gerrittest"
)

// waitFor approves change n and waits with a short interval; act, when
// set, runs in the status callback after every poll with the poll count
// (so the change moves while porthole watches it, deterministically).
func waitFor(t *testing.T, e *env, n int, opts gerrit.WaitOptions, act func(poll int)) (gerrit.WaitResult, error, []gerrit.WaitStatus) {
	t.Helper()
	ch := mustResolve(t, e.c, n)
	if ch.Status == "NEW" {
		must(t, e.c.Approve(ctx, ch, "Backport"))
	}
	if opts.Interval == 0 {
		opts.Interval = 5 * time.Millisecond
	}
	if opts.CIAccount == "" {
		opts.CIAccount = gerrittest.JenkinsBot
	}
	c, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var seen []gerrit.WaitStatus
	res, err := e.c.WaitForMerge(c, ch, opts, func(s gerrit.WaitStatus) {
		seen = append(seen, s)
		if act != nil {
			act(s.Polls)
		}
	})
	return res, err, seen
}

// at runs f after poll k.
func at(k int, f func()) func(int) {
	return func(p int) {
		if p == k {
			f()
		}
	}
}

func TestWaitMergedByCI(t *testing.T) {
	e := newEnv(t, gerrittest.Options{}) // CIPass, CIDelay 0: the +2 merges at once
	n := e.change(t, gerrittest.ChangeSpec{})
	res, err, _ := waitFor(t, e, n, gerrit.WaitOptions{}, nil)
	must(t, err)
	if res.Reason != gerrit.WaitMerged || res.Change.Status != "MERGED" || res.Change.MergedRevision != e.srv.Change(n).MergedAs {
		t.Fatalf("result = %+v", res)
	}
	if !strings.Contains(res.Detail, fmt.Sprintf("change %d merged into %s", n, coreBranch)) {
		t.Errorf("detail = %q", res.Detail)
	}
}

func TestWaitMergedLater(t *testing.T) {
	e := newEnv(t, gerrittest.Options{})
	n := e.change(t, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	res, err, seen := waitFor(t, e, n, gerrit.WaitOptions{}, at(2, func() { must(t, e.srv.Submit(n)) }))
	must(t, err)
	if res.Reason != gerrit.WaitMerged {
		t.Fatalf("result = %+v", res)
	}
	if len(seen) != 2 || seen[0].Polls != 1 || seen[0].Change != n || seen[0].Status != "NEW" || seen[0].Note != "waiting for CI" || seen[1].Elapsed < seen[0].Elapsed {
		t.Errorf("statuses = %+v", seen)
	}
}

func TestWaitRejected(t *testing.T) {
	e := newEnv(t, gerrittest.Options{})
	n := e.change(t, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	res, err, _ := waitFor(t, e, n, gerrit.WaitOptions{}, at(1, func() { must(t, e.srv.Vote(n, "carol", "Code-Review", -2)) }))
	must(t, err)
	if res.Reason != gerrit.WaitRejected || !strings.Contains(res.Detail, "Code-Review -2") || !strings.Contains(res.Detail, "Carol Reviewer") {
		t.Fatalf("result = %+v", res)
	}
}

func TestWaitVerifyFailedAfterApproval(t *testing.T) {
	e := newEnv(t, gerrittest.Options{})
	// CIFail votes -1 on upload (stale) and again in the gate after the +2.
	n := e.change(t, gerrittest.ChangeSpec{CI: gerrittest.CIFail})
	res, err, _ := waitFor(t, e, n, gerrit.WaitOptions{}, nil)
	must(t, err)
	if res.Reason != gerrit.WaitVerifyFailed || !strings.Contains(res.Detail, "Verified -1 by jenkins-bot") || !strings.Contains(res.Detail, "failed CI") {
		t.Fatalf("result = %+v", res)
	}
	// The gate's own report (not the stale test one) names the failed build.
	build := "https://integration.wikimedia.org/ci/job/mediawiki-quibble-vendor-mysql-php81/2/console"
	if !strings.Contains(res.Detail, "the failed build: "+build) || !strings.Contains(res.Detail, `comment "recheck"`) {
		t.Fatalf("the failure does not link the build: %s", res.Detail)
	}
	if ch := mustResolve(t, e.c, n); ch.FailedBuild != build {
		t.Fatalf("FailedBuild = %q", ch.FailedBuild)
	}
	if ch := mustResolve(t, e.c, e.change(t, gerrittest.ChangeSpec{})); ch.FailedBuild != "" {
		t.Fatalf("a passing change has FailedBuild %q", ch.FailedBuild)
	}
}

func TestWaitIgnoresVerifyFailureBeforeApproval(t *testing.T) {
	e := newEnv(t, gerrittest.Options{})
	n := e.change(t, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	must(t, e.srv.Vote(n, gerrittest.JenkinsBot, "Verified", -1)) // before our +2: stale
	must(t, e.srv.Vote(n, "carol", "Verified", -1))               // not the CI account
	res, err, seen := waitFor(t, e, n, gerrit.WaitOptions{}, at(2, func() { must(t, e.srv.Submit(n)) }))
	must(t, err)
	if res.Reason != gerrit.WaitMerged {
		t.Fatalf("a stale or non-CI Verified -1 ended the wait: %+v", res)
	}
	if !strings.Contains(seen[0].Note, "stale") {
		t.Errorf("note = %q", seen[0].Note)
	}
}

func TestWaitNotMergeableTwice(t *testing.T) {
	e := newEnv(t, gerrittest.Options{})
	n := e.change(t, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	e.srv.SetMergeable(n, false)
	res, err, seen := waitFor(t, e, n, gerrit.WaitOptions{}, nil)
	must(t, err)
	if res.Reason != gerrit.WaitNotMergeable || !strings.Contains(res.Detail, "needs a rebase") {
		t.Fatalf("result = %+v", res)
	}
	if len(seen) != 1 || !strings.Contains(seen[0].Note, "mergeable: false (1 of 2)") {
		t.Errorf("statuses = %+v", seen)
	}
}

func TestWaitNotMergeableOnceIsForgiven(t *testing.T) {
	// Gerrit may say false once while it rebases; only twice in a row ends
	// the wait. HideMergeable makes the client ask …/mergeable.
	e := newEnv(t, gerrittest.Options{})
	n := e.change(t, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	e.srv.SetMergeable(n, false)
	res, err, seen := waitFor(t, e, n, gerrit.WaitOptions{}, func(p int) {
		switch p {
		case 1:
			e.srv.SetMergeable(n, true)
		case 2:
			e.srv.SetMergeable(n, false)
		case 3:
			must(t, e.srv.Submit(n))
		}
	})
	must(t, err)
	if res.Reason != gerrit.WaitMerged || len(seen) != 3 {
		t.Fatalf("result = %+v after %d polls", res, len(seen))
	}
	if !strings.Contains(seen[0].Note, "(1 of 2)") || strings.Contains(seen[1].Note, "mergeable") || !strings.Contains(seen[2].Note, "(1 of 2)") {
		t.Errorf("notes: %q / %q / %q", seen[0].Note, seen[1].Note, seen[2].Note)
	}
}

func TestWaitNewPatchSet(t *testing.T) {
	e := newEnv(t, gerrittest.Options{})
	n := e.change(t, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	res, err, _ := waitFor(t, e, n, gerrit.WaitOptions{}, at(1, func() {
		must(t, e.srv.NewPatchSet(n, map[string]string{"includes/Foo.php": "<?php\n// v2\n"}))
	}))
	must(t, err)
	if res.Reason != gerrit.WaitNewPatchSet || !strings.Contains(res.Detail, "from patch set 1 to 2") || !strings.Contains(res.Detail, "approve it again") {
		t.Fatalf("result = %+v", res)
	}
	if res.Change.PatchSet != 2 || res.Change.CurrentRevision != e.srv.Change(n).Revision {
		t.Errorf("result change = PS%d %s", res.Change.PatchSet, res.Change.CurrentRevision)
	}
}

func TestWaitAbandoned(t *testing.T) {
	e := newEnv(t, gerrittest.Options{})
	n := e.change(t, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	res, err, _ := waitFor(t, e, n, gerrit.WaitOptions{}, at(1, func() { must(t, e.srv.Abandon(n)) }))
	must(t, err)
	if res.Reason != gerrit.WaitAbandoned || !strings.Contains(res.Detail, "abandoned") {
		t.Fatalf("result = %+v", res)
	}
}

func TestWaitTimeout(t *testing.T) {
	e := newEnv(t, gerrittest.Options{})
	n := e.change(t, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	res, err, _ := waitFor(t, e, n, gerrit.WaitOptions{Timeout: 30 * time.Millisecond}, nil)
	must(t, err)
	if res.Reason != gerrit.WaitTimeout || !strings.Contains(res.Detail, "still not merged after 30ms") {
		t.Fatalf("result = %+v", res)
	}
}

func TestWaitCancelled(t *testing.T) {
	e := newEnv(t, gerrittest.Options{})
	n := e.change(t, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	ch := mustResolve(t, e.c, n)
	c, cancel := context.WithCancel(ctx)
	res, err := e.c.WaitForMerge(c, ch, gerrit.WaitOptions{Interval: time.Millisecond}, func(s gerrit.WaitStatus) {
		if s.Polls == 2 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || res.Reason != gerrit.WaitCancelled || !strings.Contains(res.Detail, "it may still merge") {
		t.Fatalf("result = %+v, %v", res, err)
	}
}

func TestWaitGivesUpWhenGerritIsGone(t *testing.T) {
	e := newEnv(t, gerrittest.Options{})
	n := e.change(t, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	res, err, seen := waitFor(t, e, n, gerrit.WaitOptions{}, at(1, e.srv.Close))
	var ne *gerrit.NetworkError
	if !errors.As(err, &ne) || !strings.Contains(err.Error(), "3 failed polls in a row") {
		t.Fatalf("result = %+v, %v", res, err)
	}
	if len(seen) != 3 || !strings.Contains(seen[1].Note, "Gerrit did not answer (1 of 3)") {
		t.Errorf("statuses = %+v", seen)
	}
}

func TestWaitSeesMergeThroughStreamEvents(t *testing.T) {
	e := newEnv(t, gerrittest.Options{})
	n := e.change(t, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	// An hour between polls: only the change-merged event can end this wait
	// before the test's deadline.
	res, err, seen := waitFor(t, e, n, gerrit.WaitOptions{Interval: time.Hour, Events: e.srv.Events()}, at(1, func() {
		go func() { must(t, e.srv.Submit(n)) }()
	}))
	must(t, err)
	if res.Reason != gerrit.WaitMerged {
		t.Fatalf("result = %+v", res)
	}
	if res.Change.MergedRevision != e.srv.Change(n).MergedAs {
		t.Errorf("merged revision %s, server says %s", res.Change.MergedRevision, e.srv.Change(n).MergedAs)
	}
	if len(seen) < 1 {
		t.Errorf("no status before the merge")
	}
}

func TestWaitStreamUnavailableFallsBackToPolling(t *testing.T) {
	e := newEnv(t, gerrittest.Options{})
	n := e.change(t, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	src := gerrit.NewStreamEvents(func(context.Context) (io.ReadCloser, error) {
		return nil, errors.New("ssh: connect to host gerrit port 29418: refused")
	})
	ch := mustResolve(t, e.c, n)
	must(t, e.c.Approve(ctx, ch, "Backport"))
	c, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	// The subscription fails aside from the polling; once the status says
	// so, the change is submitted and polling alone must see it.
	submitted := false
	res, err := e.c.WaitForMerge(c, ch, gerrit.WaitOptions{Interval: 5 * time.Millisecond, Events: src}, func(s gerrit.WaitStatus) {
		if !submitted && strings.Contains(s.Note, "stream-events unavailable (ssh: connect to host gerrit port 29418: refused), polling") {
			submitted = true
			must(t, e.srv.Submit(n))
		}
	})
	must(t, err)
	if res.Reason != gerrit.WaitMerged || !submitted {
		t.Fatalf("result = %+v (submitted %v)", res, submitted)
	}
}

func TestWaitHungStreamDoesNotDelayPolling(t *testing.T) {
	e := newEnv(t, gerrittest.Options{})
	n := e.change(t, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	hung := gerrit.NewStreamEvents(func(c context.Context) (io.ReadCloser, error) {
		<-c.Done() // an SSH handshake that never finishes
		return nil, c.Err()
	})
	res, err, _ := waitFor(t, e, n, gerrit.WaitOptions{Events: hung}, at(1, func() { must(t, e.srv.Submit(n)) }))
	must(t, err)
	if res.Reason != gerrit.WaitMerged {
		t.Fatalf("result = %+v", res)
	}
}
