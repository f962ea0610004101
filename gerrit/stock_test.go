package gerrit_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"porthole/gerrit"
	"porthole/gerrit/gerrittest"
)

// beforeMergeable runs f (once) just before the first …/mergeable request
// reaches the emulator: the change moves between porthole's two reads, as
// it does when Zuul submits while porthole polls.
type beforeMergeable struct {
	f    func()
	done atomic.Bool
}

func (b *beforeMergeable) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/mergeable") && b.done.CompareAndSwap(false, true) {
		b.f()
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestWaitMergeRace: the change merges between GET …/detail (NEW) and GET
// …/mergeable (409 "change is merged"); the wait re-reads the change and
// ends merged instead of failing.
func TestWaitMergeRace(t *testing.T) {
	e := newEnv(t, gerrittest.Options{})
	n := e.change(t, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	ch := mustResolve(t, e.c, n)
	must(t, e.c.Approve(ctx, ch, "Backport"))
	must(t, e.srv.Vote(n, gerrittest.JenkinsBot, "Verified", 2))
	race := &beforeMergeable{f: func() { must(t, e.srv.Submit(n)) }}
	c, err := gerrit.New(e.srv.URL(), gerrit.Options{User: "deployer", Password: deployerPW, HTTPClient: &http.Client{Transport: race}})
	must(t, err)
	res, err := c.WaitForMerge(ctx, ch, gerrit.WaitOptions{Interval: time.Millisecond, Timeout: 30 * time.Second}, nil)
	if err != nil || res.Reason != gerrit.WaitMerged {
		t.Fatalf("WaitForMerge across the merge race = %+v, %v", res, err)
	}
	if !race.done.Load() {
		t.Fatal("the race was not played: no …/mergeable request")
	}
	// The 409 really happened: the emulator logs no GETs, so ask it again.
	r, err := http.Get(e.srv.URL() + fmt.Sprintf("changes/%d/revisions/current/mergeable", n))
	must(t, err)
	r.Body.Close()
	if r.StatusCode != http.StatusConflict {
		t.Errorf("…/mergeable of the merged change = %d, want 409", r.StatusCode)
	}
}

// TestApproveVoteDropped: on a project whose Code-Review stops at +1,
// Gerrit drops the +2 and answers 200; Approve says so.
func TestApproveVoteDropped(t *testing.T) {
	e := newEnv(t, gerrittest.Options{})
	must(t, e.srv.SetLabelRange("mediawiki/core", "Code-Review", -1, 1))
	n := e.change(t, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	ch := mustResolve(t, e.c, n)
	err := e.c.Approve(ctx, ch, "Backport")
	var vd *gerrit.VoteDroppedError
	if !errors.As(err, &vd) || !strings.Contains(err.Error(), "did not apply Code-Review +2 (it applied nothing)") ||
		!strings.Contains(err.Error(), fmt.Sprintf("change %d", n)) {
		t.Fatalf("Approve with +2 dropped = %v", err)
	}
	if v := e.srv.Change(n).Votes["Code-Review"]; len(v) != 0 {
		t.Errorf("votes = %v", v)
	}
	if ws := e.srv.Writes(); len(ws) != 1 || ws[0].Status != 200 {
		t.Errorf("writes = %+v (Gerrit answered 200)", ws)
	}
}

func TestApproveRestricted(t *testing.T) {
	e := newEnv(t, gerrittest.Options{})
	e.srv.AddUser(gerrittest.User{Username: "deployer", HTTPPassword: deployerPW}) // out of Approvers
	n := e.change(t, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	err := e.c.Approve(ctx, mustResolve(t, e.c, n), "Backport")
	var ae *gerrit.AuthError
	if !errors.As(err, &ae) || ae.Status != http.StatusForbidden || !strings.Contains(err.Error(), `Applying label "Code-Review": 2 is restricted`) {
		t.Errorf("Approve without the right = %v", err)
	}
}

// TestCommentRevert: the original change gets scap's message with a link
// to the revert.
func TestCommentRevert(t *testing.T) {
	e := newEnv(t, gerrittest.Options{WebHost: "gerrit.sandbox"})
	n := e.change(t, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	must(t, e.srv.Submit(n))
	orig := mustResolve(t, e.c, n)
	rn, _, err := e.c.API().Changes.RevertChange(ctx, fmt.Sprintf("mediawiki%%2Fcore~%d", n), nil)
	must(t, err)
	rev := mustResolve(t, e.c, rn.Number)
	must(t, e.c.CommentRevert(ctx, orig, rev, "deployer@deploy1002"))
	msgs := e.srv.Change(n).Messages
	want := fmt.Sprintf("Patch Set 1:\n\ndeployer@deploy1002 created a revert of this change as %s\n\nhttps://gerrit.sandbox/r/c/mediawiki/core/+/%d", rev.ChangeID, rev.Number)
	if last := msgs[len(msgs)-1]; last != want {
		t.Errorf("last message on the original = %q, want %q", last, want)
	}
	if v := e.srv.Change(n).Votes["Code-Review"]; len(v) != 0 {
		t.Errorf("the comment voted: %v", v)
	}
	gone := *orig
	gone.Number = 987654
	var nf *gerrit.NotFoundError
	if err := e.c.CommentRevert(ctx, &gone, rev, "x"); !errors.As(err, &nf) {
		t.Errorf("CommentRevert(missing) = %v", err)
	}
}
