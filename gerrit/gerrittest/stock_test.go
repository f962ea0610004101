package gerrittest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"porthole/gerrit/gerrittest"
)

// Stock Gerrit 3.x behaviour, with the texts of Gerrit's documentation and
// sources (reference/gerrit.md, "Checked against Gerrit's own documentation").

func TestStockMergeableOfClosedChange(t *testing.T) {
	for _, compat := range []bool{false, true} {
		s := newServer(t, gerrittest.Options{Compat: gerrittest.Compat{MergeableWhenMerged: compat}})
		n := newChange(t, s, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
		must(t, s.Vote(n, "deployer", "Code-Review", 2))
		must(t, s.Vote(n, gerrittest.JenkinsBot, "Verified", 2))
		must(t, s.Submit(n))
		r := call(t, s, "GET", fmt.Sprintf("changes/%d/revisions/current/mergeable", n), "", "", "")
		switch {
		case !compat && (r.Status != 409 || r.Body != "change is merged\n"):
			t.Errorf("mergeable of a merged change = %d %q, want 409 \"change is merged\"", r.Status, r.Body)
		case compat && r.Status != 200:
			t.Errorf("with MergeableWhenMerged: %d %q", r.Status, r.Body)
		}
		var ci map[string]any
		jsonBody(t, call(t, s, "GET", fmt.Sprintf("changes/%d", n), "", "", ""), &ci)
		if st, ok := ci["submit_type"]; ok {
			t.Errorf("merged change has submit_type %v (\"Not set for merged changes.\")", st)
		}
	}
}

func TestStockVotes(t *testing.T) {
	s := newServer(t, gerrittest.Options{})
	n := newChange(t, s, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	review := func(user, body string) response {
		return call(t, s, "POST", fmt.Sprintf("a/changes/%d/revisions/current/review", n), user, "", body)
	}
	// Unknown labels and values are dropped; the answer says what applied.
	for body, want := range map[string]string{
		`{"labels":{"Code-Reviwe":2}}`:                 `{"labels":{}}`,
		`{"labels":{"Code-Review":3}}`:                 `{"labels":{}}`,
		`{"labels":{"Code-Review":1,"Code-Reviwe":2}}`: `{"labels":{"Code-Review":1}}`,
	} {
		r := review("deployer", body)
		if r.Status != 200 || compact(t, r.Body[5:]) != want {
			t.Errorf("review %s = %d %q, want 200 %s", body, r.Status, r.Body, want)
		}
	}
	// The owner is not in the approvers' group.
	if r := review("jdoe", `{"labels":{"Code-Review":2}}`); r.Status != 403 || r.Body != "Applying label \"Code-Review\": 2 is restricted\n" {
		t.Errorf("owner's +2 = %d %q", r.Status, r.Body)
	}
	if r := review("jdoe", `{"labels":{"Code-Review":1}}`); r.Status != 200 {
		t.Errorf("owner's +1 = %d %q", r.Status, r.Body)
	}
	// After submit a vote may rise, not fall.
	must(t, s.Vote(n, "deployer", "Code-Review", 2))
	must(t, s.Vote(n, gerrittest.JenkinsBot, "Verified", 2))
	must(t, s.Submit(n))
	if r := review("deployer", `{"labels":{"Code-Review":-1}}`); r.Status != 409 || r.Body != "Cannot reduce vote on labels for closed change: Code-Review\n" {
		t.Errorf("lowering after submit = %d %q", r.Status, r.Body)
	}
	if r := review("deployer", `{"labels":{"Code-Review":2},"message":"still good"}`); r.Status != 200 {
		t.Errorf("same vote after submit = %d %q", r.Status, r.Body)
	}

	strict := newServer(t, gerrittest.Options{Compat: gerrittest.Compat{StrictLabels: true, OpenApprovals: true}})
	m := newChange(t, strict, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	for body, want := range map[string]string{
		`{"labels":{"Code-Reviwe":2}}`: "label \"Code-Reviwe\" is not a configured label\n",
		`{"labels":{"Code-Review":3}}`: "label \"Code-Review\": 3 is not a valid value\n",
	} {
		r := call(t, strict, "POST", fmt.Sprintf("a/changes/%d/revisions/current/review", m), "deployer", "", body)
		if r.Status != 400 || r.Body != want {
			t.Errorf("strict review %s = %d %q, want 400 %q", body, r.Status, r.Body, want)
		}
	}
	if r := call(t, strict, "POST", fmt.Sprintf("a/changes/%d/revisions/current/review", m), "jdoe", "", `{"labels":{"Code-Review":2}}`); r.Status != 200 {
		t.Errorf("OpenApprovals: owner's +2 = %d %q", r.Status, r.Body)
	}
}

func compact(t *testing.T, s string) string {
	t.Helper()
	var v any
	must(t, json.Unmarshal([]byte(s), &v))
	b, _ := json.Marshal(v)
	return string(b)
}

// TestStockVoteCopy: Code-Review is copied to a new patch set that changes
// only the message or is a trivial rebase, not to one that changes code
// (except a -2); CI's Verified is never copied but voted again.
func TestStockVoteCopy(t *testing.T) {
	s := newServer(t, gerrittest.Options{})
	n := newChange(t, s, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	must(t, s.Vote(n, "deployer", "Code-Review", 2))
	must(t, s.Vote(n, gerrittest.JenkinsBot, "Verified", 1))
	wt := filepath.Join(t.TempDir(), "wt")
	gitOut(t, filepath.Dir(wt), "clone", "--quiet", s.RepoPath("mediawiki/core"), wt)
	gitOut(t, wt, "fetch", "--quiet", "origin", s.Change(n).Ref)
	gitOut(t, wt, "checkout", "--quiet", "FETCH_HEAD")
	push := func(wantKind string, wantCR map[string]int) {
		t.Helper()
		gitOut(t, wt, "push", "--quiet", "origin", "HEAD:refs/for/"+branch)
		_, err := s.ProcessPushes()
		must(t, err)
		st := s.Change(n)
		var kind map[string]any
		jsonBody(t, call(t, s, "GET", fmt.Sprintf("changes/%d?o=CURRENT_REVISION", n), "", "", ""), &kind)
		got := kind["revisions"].(map[string]any)[st.Revision].(map[string]any)["kind"]
		if got != wantKind || fmt.Sprint(st.Votes["Code-Review"]) != fmt.Sprint(wantCR) || len(st.Votes["Verified"]) != 0 {
			t.Errorf("patch set %d: kind %v, votes %v; want %s, Code-Review %v and no Verified", st.PatchSet, got, st.Votes, wantKind, wantCR)
		}
	}
	msg := gitOut(t, wt, "log", "-1", "--format=%B")
	gitOut(t, wt, "commit", "--quiet", "--amend", "-m", strings.Replace(msg, "Fix the frobnicator", "Fix the frobnicator properly", 1))
	push("NO_CODE_CHANGE", map[string]int{"deployer": 2})

	_, err := s.PushDirect("mediawiki/core", branch, "Unrelated", map[string]string{"README.md": "MediaWiki!\n"})
	must(t, err)
	gitOut(t, wt, "fetch", "--quiet", "origin")
	gitOut(t, wt, "rebase", "--quiet", "origin/"+branch)
	push("TRIVIAL_REBASE", map[string]int{"deployer": 2})

	must(t, os.WriteFile(filepath.Join(wt, "includes/Foo.php"), []byte("<?php\nclass Foo {\n\tpublic $y;\n}\n"), 0o644))
	gitOut(t, wt, "commit", "--quiet", "--amend", "--all", "--no-edit")
	push("REWORK", map[string]int{})

	must(t, s.Vote(n, "deployer", "Code-Review", -2))
	must(t, s.NewPatchSet(n, map[string]string{"x.txt": "x\n"}))
	if v := s.Change(n).Votes["Code-Review"]; v["deployer"] != -2 {
		t.Errorf("-2 not copied to a rework (is:MIN): %v", v)
	}
}

func TestStockEventShapes(t *testing.T) {
	for _, compat := range []bool{false, true} {
		s := newServer(t, gerrittest.Options{Compat: gerrittest.Compat{ObjectShapedMergeEvents: compat}})
		ctx, cancel := context.WithCancel(context.Background())
		rc, err := s.OpenStream(ctx)
		must(t, err)
		n := newChange(t, s, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
		must(t, s.Submit(n))
		sc := bufio.NewScanner(rc)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var m map[string]any
			must(t, json.Unmarshal(sc.Bytes(), &m))
			if m["type"] != "change-merged" {
				continue
			}
			p, k := fmt.Sprint(m["project"]), fmt.Sprint(m["changeKey"])
			want := [2]string{"mediawiki/core", "map[id:" + s.Change(n).ChangeID + "]"}
			if compat {
				want = [2]string{"map[name:mediawiki/core]", "map[key:" + s.Change(n).ChangeID + "]"}
			}
			if [2]string{p, k} != want {
				t.Errorf("compat %v: change-merged project %s changeKey %s, want %v", compat, p, k, want)
			}
			break
		}
		cancel()
		rc.Close()
	}
}

func TestStockTripletIDCompat(t *testing.T) {
	s := newServer(t, gerrittest.Options{Compat: gerrittest.Compat{TripletID: true, ShowMergeable: true}})
	n := newChange(t, s, gerrittest.ChangeSpec{})
	var ci map[string]any
	jsonBody(t, call(t, s, "GET", fmt.Sprintf("changes/%d", n), "", "", ""), &ci)
	if !strings.Contains(fmt.Sprint(ci["id"]), "~wmf%2F") || ci["triplet_id"] != nil || ci["mergeable"] != true {
		t.Errorf("old-style ChangeInfo: id %v triplet_id %v mergeable %v", ci["id"], ci["triplet_id"], ci["mergeable"])
	}
}
