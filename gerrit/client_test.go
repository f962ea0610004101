package gerrit_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"porthole/gerrit"
	"porthole/gerrit/gerrittest"
)

var ctx = context.Background()

func TestResolveEveryForm(t *testing.T) {
	e := newEnv(t, gerrittest.Options{})
	n := e.change(t, gerrittest.ChangeSpec{
		Subject: "Fix the frobnicator",
		Body:    "The frobnicator broke on Tuesdays.\n\nBug: T123\nBug: T456\nDepends-On: I0123456789abcdef0123456789abcdef01234567",
		Files: map[string]string{
			"includes/Foo.php": "<?php\nclass Foo {\n\tpublic $x;\n\tpublic $y;\n}\n",
			"includes/New.php": "<?php\n// new\n",
			"includes/Old.php": gerrittest.DeleteFile,
		},
	})
	st := e.srv.Change(n)
	ns := strconv.Itoa(n)
	inputs := []string{
		ns,
		ns + ",1",
		"gerrit:" + ns,
		e.srv.WebURL("mediawiki/core", n),
		e.srv.WebURL("mediawiki/core", n) + "/1",
		e.srv.URL() + "c/mediawiki/core/+/" + ns,
		e.srv.URL() + ns,
		"https://gerrit.sandbox/r/" + ns,
		"https://gerrit.sandbox/r/#/c/" + ns + "/",
		"/c/" + ns + "/1",
		st.ChangeID,
		"mediawiki/core~" + ns,
		"mediawiki%2Fcore~" + ns,
		"mediawiki/core~" + coreBranch + "~" + st.ChangeID,
		"mediawiki%2Fcore~wmf%2F1.44.0-wmf.5~" + st.ChangeID,
		st.Ref,
	}
	ch := resolveSame(t, e.c, inputs)
	checkFrobnicator(t, ch, st, n)
	if sal := gerrit.SAL([]*gerrit.Change{ch}, ""); sal != "Backport: [[gerrit:"+ns+"|Fix the frobnicator (T123 T456)]]" {
		t.Errorf("SAL = %q", sal)
	}
	// Anonymous reads work the same.
	a, err := e.anon.Resolve(ctx, ns)
	if err != nil || a.CurrentRevision != ch.CurrentRevision {
		t.Errorf("anonymous Resolve = %v, %v", a, err)
	}
}

// resolveSame resolves every input and fails unless they all name the same
// change, which it returns.
func resolveSame(t *testing.T, c *gerrit.Client, inputs []string) *gerrit.Change {
	t.Helper()
	var first *gerrit.Change
	for _, in := range inputs {
		ch, err := c.Resolve(ctx, in)
		if err != nil {
			t.Errorf("Resolve(%q): %v", in, err)
			continue
		}
		if first == nil {
			first = ch
			continue
		}
		if !reflect.DeepEqual(ch, first) {
			t.Errorf("Resolve(%q) differs from Resolve(%q):\n%+v\n%+v", in, inputs[0], ch, first)
		}
	}
	if first == nil {
		t.Fatal("nothing resolved")
	}
	return first
}

// checkFrobnicator checks every field Resolve read of TestResolveEveryForm's change.
func checkFrobnicator(t *testing.T, ch *gerrit.Change, st gerrittest.ChangeState, n int) {
	ns := strconv.Itoa(n)
	want := gerrit.Change{
		Number: n, Project: "mediawiki/core", Branch: coreBranch, ChangeID: st.ChangeID,
		Subject: "Fix the frobnicator", Status: "NEW", CurrentRevision: st.Revision, PatchSet: 1,
		Bugs: []string{"T123", "T456"}, DependsOn: []string{"I0123456789abcdef0123456789abcdef01234567"},
		WebURL: "https://gerrit.sandbox/r/c/mediawiki/core/+/" + ns,
	}
	got := gerrit.Change{
		Number: ch.Number, Project: ch.Project, Branch: ch.Branch, ChangeID: ch.ChangeID,
		Subject: ch.Subject, Status: ch.Status, CurrentRevision: ch.CurrentRevision, PatchSet: ch.PatchSet,
		Bugs: ch.Bugs, DependsOn: ch.DependsOn, WebURL: ch.WebURL,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("resolved\n%+v\nwant\n%+v", got, want)
	}
	if ch.Owner.Username != "jdoe" || ch.Owner.Name != "Jane Doe" || ch.Owner.Email != "jane@example.org" || ch.Owner.ID == 0 {
		t.Errorf("owner = %+v", ch.Owner)
	}
	if !strings.Contains(ch.Message, "Change-Id: "+st.ChangeID) || !strings.HasPrefix(ch.Message, "Fix the frobnicator\n\nThe frobnicator broke") {
		t.Errorf("message = %q", ch.Message)
	}
	wantFiles := []gerrit.File{
		{Path: "includes/Foo.php", Status: "M", Inserted: 2, Deleted: 0},
		{Path: "includes/New.php", Status: "A", Inserted: 2},
		{Path: "includes/Old.php", Status: "D", Deleted: 2},
	}
	if !reflect.DeepEqual(ch.Files, wantFiles) {
		t.Errorf("files = %+v\nwant %+v", ch.Files, wantFiles)
	}
	if ch.Mergeable == nil || !*ch.Mergeable || ch.Submittable || ch.WIP || ch.RevertOf != 0 {
		t.Errorf("mergeable=%v submittable=%v wip=%v revert_of=%d", ch.Mergeable, ch.Submittable, ch.WIP, ch.RevertOf)
	}
	v := ch.Labels["Verified"]
	if len(v) != 1 || v[0].Value != 1 || v[0].Account.Username != gerrittest.JenkinsBot || v[0].Date.IsZero() {
		t.Errorf("Verified votes = %+v", v)
	}
	if len(ch.Labels["Code-Review"]) != 0 {
		t.Errorf("Code-Review votes = %+v, want none (zero-value reviewers are not votes)", ch.Labels["Code-Review"])
	}
	if ch.Created.IsZero() || ch.Updated.Before(ch.Created) {
		t.Errorf("created %v updated %v", ch.Created, ch.Updated)
	}
}

func TestResolveLabelsAndMergedChange(t *testing.T) {
	e := newEnv(t, gerrittest.Options{})
	n := e.change(t, gerrittest.ChangeSpec{})
	must(t, e.srv.Vote(n, "carol", "Code-Review", 1))
	must(t, e.c.Approve(ctx, mustResolve(t, e.c, n), "Backport"))
	ch := mustResolve(t, e.c, n)
	if ch.Status != "MERGED" || ch.MergedRevision != e.srv.Change(n).MergedAs || ch.Submitted.IsZero() {
		t.Fatalf("status %s merged %s submitted %v; server %+v", ch.Status, ch.MergedRevision, ch.Submitted, e.srv.Change(n))
	}
	cr := ch.Labels["Code-Review"]
	if len(cr) != 2 || cr[0].Account.Username != "carol" || cr[0].Value != 1 || cr[1].Account.Username != "deployer" || cr[1].Value != 2 {
		t.Errorf("Code-Review = %+v", cr)
	}
	if !cr[0].Date.Before(cr[1].Date) {
		t.Errorf("votes not in date order: %+v", cr)
	}
	vf := ch.Labels["Verified"]
	if len(vf) != 1 || vf[0].Value != 2 {
		t.Errorf("Verified = %+v", vf)
	}
	if ch.Mergeable != nil {
		t.Errorf("a merged change has mergeable = %v, want unknown", *ch.Mergeable)
	}
}

func TestResolveAskMergeableWhenGerritOmitsIt(t *testing.T) {
	e := newEnv(t, gerrittest.Options{})
	n := e.change(t, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	e.srv.SetMergeable(n, false)
	ch := mustResolve(t, e.c, n)
	if ch.Mergeable == nil || *ch.Mergeable {
		t.Fatalf("mergeable = %v, want false from …/mergeable", ch.Mergeable)
	}
}

func TestResolveAmbiguousChangeID(t *testing.T) {
	e := newEnv(t, gerrittest.Options{})
	id := "I1111111111111111111111111111111111111111"
	a := e.change(t, gerrittest.ChangeSpec{ChangeID: id, Branch: "wmf/1.44.0-wmf.6"})
	b := e.change(t, gerrittest.ChangeSpec{ChangeID: id, Branch: coreBranch})
	_, err := e.c.Resolve(ctx, id)
	var amb *gerrit.AmbiguousError
	if !errors.As(err, &amb) {
		t.Fatalf("Resolve(bare Change-Id on two branches) = %v, want *AmbiguousError", err)
	}
	if len(amb.Candidates) != 2 || amb.Candidates[0].Number != b || amb.Candidates[1].Number != a {
		t.Errorf("candidates = %+v (want %d on %s then %d)", amb.Candidates, b, coreBranch, a)
	}
	msg := err.Error()
	for _, want := range []string{id, strconv.Itoa(a), strconv.Itoa(b), coreBranch, "wmf/1.44.0-wmf.6", "paste the change number"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	// The triplet picks one.
	ch, err := e.c.Resolve(ctx, "mediawiki/core~wmf/1.44.0-wmf.6~"+id)
	if err != nil || ch.Number != a {
		t.Errorf("triplet resolved %v, %v; want %d", ch, err, a)
	}
}

func TestResolveErrors(t *testing.T) {
	e := newEnv(t, gerrittest.Options{})
	n := e.change(t, gerrittest.ChangeSpec{})
	tests := []struct {
		ref  string
		want []string
	}{
		{"999999", []string{"change 999999 not found", "127.0.0.1"}},
		{"operations/mediawiki-config~" + strconv.Itoa(n), []string{"operations/mediawiki-config " + strconv.Itoa(n) + " not found"}},
		{"I2222222222222222222222222222222222222222", []string{"change I2222222222222222222222222222222222222222 not found"}},
		{"https://gerrit.sandbox/r/c/mediawiki/core/+/999998", []string{"999998 not found"}},
	}
	for _, tt := range tests {
		_, err := e.c.Resolve(ctx, tt.ref)
		var nf *gerrit.NotFoundError
		if !errors.As(err, &nf) {
			t.Errorf("Resolve(%q) = %v, want *NotFoundError", tt.ref, err)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Resolve(%q) = %q, want it to mention %q", tt.ref, err, w)
			}
		}
	}
	_, err := e.c.Resolve(ctx, "https://gerrit.wikimedia.org/r/c/mediawiki/core/+/"+strconv.Itoa(n))
	if err == nil || !strings.Contains(err.Error(), "gerrit.wikimedia.org") || !strings.Contains(err.Error(), "paste a link or number from gerrit.sandbox") {
		t.Errorf("a link to another Gerrit = %v", err)
	}
	if _, err := e.c.Resolve(ctx, "not a change"); err == nil || !strings.Contains(err.Error(), "spaces") {
		t.Errorf("bad input = %v", err)
	}
}

func TestBadCredentials(t *testing.T) {
	e := newEnv(t, gerrittest.Options{})
	n := e.change(t, gerrittest.ChangeSpec{})
	bad, err := gerrit.New(e.srv.URL(), gerrit.Options{User: "deployer", Password: "wrong-password-xyz"})
	must(t, err)
	_, err = bad.Resolve(ctx, strconv.Itoa(n))
	var ae *gerrit.AuthError
	if !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized {
		t.Fatalf("Resolve with a wrong password = %v, want a 401 *AuthError", err)
	}
	msg := err.Error()
	for _, w := range []string{"rejected the credentials", "deployer", "401", "gerrit.password_file", "read change " + strconv.Itoa(n)} {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q lacks %q", msg, w)
		}
	}
	if strings.Contains(msg, "wrong-password-xyz") || strings.Contains(msg, "\n") {
		t.Errorf("error leaks the password or spans lines: %q", msg)
	}
	if _, err := bad.Self(ctx); !errors.As(err, &ae) {
		t.Errorf("Self with a wrong password = %v", err)
	}
	me, err := e.c.Self(ctx)
	if err != nil || me.Username != "deployer" || me.Name != "Dee Ployer" {
		t.Errorf("Self = %+v, %v", me, err)
	}
	if _, err := e.anon.Self(ctx); err == nil || !strings.Contains(err.Error(), "gerrit.user") {
		t.Errorf("anonymous Self = %v", err)
	}
	if _, err := gerrit.New(e.srv.URL(), gerrit.Options{User: "deployer"}); err == nil || !strings.Contains(err.Error(), "password_file") {
		t.Errorf("user without password = %v", err)
	}
}

func TestNewRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"", "gerrit.wikimedia.org/r/", "ftp://x/", "https://user:pw@gerrit.wikimedia.org/r/"} {
		_, err := gerrit.New(u, gerrit.Options{})
		if err == nil {
			t.Errorf("New(%q) succeeded", u)
			continue
		}
		if strings.Contains(err.Error(), "pw@") {
			t.Errorf("New(%q) error leaks credentials: %v", u, err)
		}
	}
}

func TestNetworkError(t *testing.T) {
	e := newEnv(t, gerrittest.Options{})
	url := e.srv.URL()
	e.srv.Close()
	c, err := gerrit.New(url, gerrit.Options{User: "deployer", Password: deployerPW})
	must(t, err)
	_, err = c.Resolve(ctx, "1000")
	var ne *gerrit.NetworkError
	if !errors.As(err, &ne) {
		t.Fatalf("Resolve against a closed server = %v, want *NetworkError", err)
	}
	msg := err.Error()
	for _, w := range []string{"cannot reach Gerrit at 127.0.0.1", "read change 1000", "check the network"} {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q lacks %q", msg, w)
		}
	}
	if strings.Contains(msg, deployerPW) {
		t.Errorf("error leaks the password: %q", msg)
	}
}

func TestAbandonedAndWIP(t *testing.T) {
	e := newEnv(t, gerrittest.Options{})
	n := e.change(t, gerrittest.ChangeSpec{})
	must(t, e.srv.Abandon(n))
	ch := mustResolve(t, e.c, n)
	if ch.Status != "ABANDONED" {
		t.Fatalf("status = %s", ch.Status)
	}
	var se *gerrit.StateError
	if err := ch.Backportable(); !errors.As(err, &se) || !strings.Contains(err.Error(), fmt.Sprintf("change %d", n)) || !strings.Contains(err.Error(), "abandoned") {
		t.Errorf("Backportable = %v", err)
	}
	err := e.c.Approve(ctx, ch, "Backport")
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "cannot approve change") || !strings.Contains(err.Error(), "restore it") {
		t.Errorf("Approve(abandoned) = %v", err)
	}
	if len(e.srv.Writes()) != 0 {
		t.Errorf("Approve of an abandoned change wrote to Gerrit: %+v", e.srv.Writes())
	}
	w := e.change(t, gerrittest.ChangeSpec{WIP: true})
	wch := mustResolve(t, e.c, w)
	if !wch.WIP || wch.Backportable() == nil || !strings.Contains(wch.Backportable().Error(), "work in progress") {
		t.Errorf("WIP change: wip=%v backportable=%v", wch.WIP, wch.Backportable())
	}
	if err := e.c.Approve(ctx, wch, "Backport"); !errors.As(err, &se) || !strings.Contains(err.Error(), "mark it ready") {
		t.Errorf("Approve(WIP) = %v", err)
	}
	if len(e.srv.Writes()) != 0 {
		t.Errorf("Approve of a WIP change wrote to Gerrit: %+v", e.srv.Writes())
	}
	if err := mustResolve(t, e.c, e.change(t, gerrittest.ChangeSpec{})).Backportable(); err != nil {
		t.Errorf("open change not backportable: %v", err)
	}
}

func TestApprove(t *testing.T) {
	e := newEnv(t, gerrittest.Options{})
	n := e.change(t, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	ch := mustResolve(t, e.c, n)
	must(t, e.c.Approve(ctx, ch, "Backport"))
	st := e.srv.Change(n)
	if st.Votes["Code-Review"]["deployer"] != 2 {
		t.Errorf("votes = %v", st.Votes)
	}
	if last := st.Messages[len(st.Messages)-1]; last != "Patch Set 1: Code-Review+2\n\nBackport" {
		t.Errorf("last message = %q", last)
	}
	ws := e.srv.Writes()
	if len(ws) != 1 {
		t.Fatalf("writes = %+v", ws)
	}
	w := ws[0]
	if w.Method != "POST" || w.Path != fmt.Sprintf("changes/mediawiki/core~%d/revisions/%s/review", n, ch.CurrentRevision) || w.User != "deployer" || w.Status != 200 ||
		!strings.Contains(w.Body, `"labels":{"Code-Review":2}`) || !strings.Contains(w.Body, `"message":"Backport"`) {
		t.Errorf("write = %+v", w)
	}
	// Approving what is already merged asks nothing of Gerrit.
	must(t, e.srv.Submit(n))
	must(t, e.c.Approve(ctx, mustResolve(t, e.c, n), "Backport"))
	if len(e.srv.Writes()) != 1 {
		t.Errorf("Approve(merged) wrote: %+v", e.srv.Writes())
	}
}

func TestApproveErrors(t *testing.T) {
	e := newEnv(t, gerrittest.Options{})
	n := e.change(t, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	ch := mustResolve(t, e.c, n)
	err := e.anon.Approve(ctx, ch, "Backport")
	var ae *gerrit.AuthError
	if !errors.As(err, &ae) || ae.Status != http.StatusForbidden || !strings.Contains(err.Error(), "Authentication required") || !strings.Contains(err.Error(), fmt.Sprintf("approve change %d", n)) {
		t.Errorf("anonymous Approve = %v", err)
	}
	gone := *ch
	gone.Number, gone.CurrentRevision = 987654, ""
	var nf *gerrit.NotFoundError
	if err := e.c.Approve(ctx, &gone, "Backport"); !errors.As(err, &nf) {
		t.Errorf("Approve(missing change) = %v", err)
	}
}

func TestPatch(t *testing.T) {
	e := newEnv(t, gerrittest.Options{})
	n := e.change(t, gerrittest.ChangeSpec{Subject: "Add a property", Body: "Bug: T9"})
	ch := mustResolve(t, e.c, n)
	p, err := e.c.Patch(ctx, ch)
	must(t, err)
	s := string(p)
	for _, w := range []string{
		"From " + ch.CurrentRevision + " Mon Sep 17 00:00:00 2001\n",
		"From: Jane Doe <jane@example.org>\n",
		"Subject: [PATCH] Add a property\n",
		"Bug: T9\nChange-Id: " + ch.ChangeID + "\n---\n",
		"diff --git a/includes/Foo.php b/includes/Foo.php\n",
		"+\tpublic $x;\n",
	} {
		if !strings.Contains(s, w) {
			t.Errorf("patch lacks %q:\n%s", w, s)
		}
	}
	missing := *ch
	missing.CurrentRevision = "0123456789012345678901234567890123456789"
	var nf *gerrit.NotFoundError
	if _, err := e.c.Patch(ctx, &missing); !errors.As(err, &nf) {
		t.Errorf("Patch of an unknown revision = %v", err)
	}
}

func mustResolve(t *testing.T, c *gerrit.Client, n int) *gerrit.Change {
	t.Helper()
	ch, err := c.Resolve(ctx, strconv.Itoa(n))
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func TestApproveAChangeThatMovedOn(t *testing.T) {
	e := newEnv(t, gerrittest.Options{})
	n := e.change(t, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	ch := mustResolve(t, e.c, n) // resolved while open…
	must(t, e.srv.Abandon(n))    // …abandoned before the +2
	err := e.c.Approve(ctx, ch, "Backport")
	var ae *gerrit.APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusConflict || ae.Message != "change is abandoned" {
		t.Fatalf("Approve(abandoned meanwhile) = %#v", err)
	}
	want := fmt.Sprintf("Gerrit could not approve change %d: 409 Conflict: change is abandoned; the change moved on", n)
	if !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), deployerPW) {
		t.Errorf("error = %q", err)
	}
}
