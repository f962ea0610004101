package gerrittest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"porthole/gerrit"
	"porthole/gerrit/gerrittest"
)

// clone makes a work tree whose origin is the bare repository, as the
// sandbox's staging checkouts are.
func clone(t *testing.T, s *gerrittest.Server, project, br string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "wt")
	gitOut(t, filepath.Dir(dir), "clone", "--quiet", "--branch", br, s.RepoPath(project), dir)
	return dir
}

func TestFetchChangeRefsAndMergedBranch(t *testing.T) {
	s := newServer(t, gerrittest.Options{})
	wt := clone(t, s, "mediawiki/core", branch)
	before := gitOut(t, wt, "rev-parse", "HEAD")

	n := newChange(t, s, gerrittest.ChangeSpec{CI: gerrittest.CIManual, Subject: "Fix it"})
	must(t, s.NewPatchSet(n, map[string]string{"includes/Bar.php": "<?php\n"}))
	st := s.Change(n)
	for ps, rev := range st.Revisions {
		ref := fmt.Sprintf("refs/changes/%02d/%d/%d", n%100, n, ps+1)
		gitOut(t, wt, "fetch", "--quiet", s.RepoPath("mediawiki/core"), ref)
		if got := gitOut(t, wt, "rev-parse", "FETCH_HEAD"); got != rev {
			t.Errorf("fetch %s = %s, want %s", ref, got, rev)
		}
	}
	if st.Ref != fmt.Sprintf("refs/changes/%02d/%d/2", n%100, n) {
		t.Errorf("ref = %s", st.Ref)
	}
	// Patch set 2 amends patch set 1: same parent, same message, both files.
	ps1, ps2 := st.Revisions[0], st.Revisions[1]
	if gitOut(t, wt, "rev-parse", ps1+"^") != gitOut(t, wt, "rev-parse", ps2+"^") || gitOut(t, wt, "log", "-1", "--format=%B", ps1) != gitOut(t, wt, "log", "-1", "--format=%B", ps2) {
		t.Error("patch set 2 is not an amend of patch set 1")
	}
	if files := gitOut(t, wt, "diff", "--name-only", ps2+"^", ps2); files != "includes/Bar.php\nincludes/Foo.php" {
		t.Errorf("patch set 2 files: %q", files)
	}

	must(t, s.Submit(n))
	gitOut(t, wt, "fetch", "--quiet", "origin")
	if got := gitOut(t, wt, "rev-parse", "@{u}"); got != s.Change(n).MergedAs || got != ps2 {
		t.Errorf("origin/%s = %s, want the fast-forward to %s", branch, got, ps2)
	}
	if log := gitOut(t, wt, "log", "--format=%s", "HEAD..@{u}"); log != "Fix it" {
		t.Errorf("HEAD..@{u} = %q", log)
	}
	if gitOut(t, wt, "rev-parse", "HEAD") != before {
		t.Error("fetch moved HEAD")
	}
}

func TestSubmitMakesAMergeCommitWhenTheBranchMoved(t *testing.T) {
	s := newServer(t, gerrittest.Options{})
	n := newChange(t, s, gerrittest.ChangeSpec{CI: gerrittest.CIManual, Subject: "Change Foo"})
	extra, err := s.PushDirect("mediawiki/core", branch, "Localisation updates from https://translatewiki.net.", map[string]string{"languages/i18n/en.json": "{}\n"})
	must(t, err)
	must(t, s.Submit(n))
	st := s.Change(n)
	core := s.RepoPath("mediawiki/core")
	if st.MergedAs == st.Revision {
		t.Fatal("expected a merge commit")
	}
	if got := gitOut(t, core, "rev-parse", "refs/heads/"+branch); got != st.MergedAs {
		t.Errorf("branch at %s, MergedAs %s", got, st.MergedAs)
	}
	if parents := gitOut(t, core, "log", "-1", "--format=%P", st.MergedAs); parents != extra+" "+st.Revision {
		t.Errorf("merge parents = %q", parents)
	}
	if msg := gitOut(t, core, "log", "-1", "--format=%B", st.MergedAs); msg != fmt.Sprintf("Merge \"Change Foo\" into %s", branch) {
		t.Errorf("merge message = %q", msg)
	}
	if files := gitOut(t, core, "ls-tree", "-r", "--name-only", st.MergedAs); !strings.Contains(files, "languages/i18n/en.json") || !strings.Contains(files, "includes/Foo.php") {
		t.Errorf("merge tree: %s", files)
	}
}

func TestConflictIsNotMergeable(t *testing.T) {
	s := newServer(t, gerrittest.Options{})
	a := newChange(t, s, gerrittest.ChangeSpec{CI: gerrittest.CIManual, Files: map[string]string{"includes/Foo.php": "<?php\n// A\n"}})
	b := newChange(t, s, gerrittest.ChangeSpec{CI: gerrittest.CIManual, Files: map[string]string{"includes/Foo.php": "<?php\n// B\n"}})
	if !s.Change(b).Mergeable {
		t.Fatal("b should merge before a lands")
	}
	must(t, s.Submit(a))
	if s.Change(b).Mergeable {
		t.Error("b still mergeable after a conflicting change landed")
	}
	if err := s.Submit(b); err == nil || !strings.Contains(err.Error(), "path conflict") {
		t.Errorf("Submit(conflicting) = %v", err)
	}
	must(t, s.Vote(b, "deployer", "Code-Review", 2))
	must(t, s.Vote(b, gerrittest.JenkinsBot, "Verified", 2))
	r := call(t, s, "POST", fmt.Sprintf("a/changes/%d/submit", b), "deployer", "", "")
	if r.Status != 409 || !strings.Contains(r.Body, fmt.Sprintf("Change %d: Change could not be merged due to a path conflict.", b)) {
		t.Errorf("REST submit of a conflict = %d %q", r.Status, r.Body)
	}
}

func TestSuperprojectSubscription(t *testing.T) {
	s := newServer(t, gerrittest.Options{WebHost: "gerrit.sandbox"})
	must(t, s.CreateProject("mediawiki/extensions/Echo", map[string]map[string]string{branch: {"extension.json": "{}\n"}}))
	echo := s.RepoPath("mediawiki/extensions/Echo")
	core := s.RepoPath("mediawiki/core")
	// Give core the submodule at the extension's current tip.
	tip := gitOut(t, echo, "rev-parse", "refs/heads/"+branch)
	wt := clone(t, s, "mediawiki/core", branch)
	gitOut(t, wt, "-c", "protocol.file.allow=always", "submodule", "add", "--quiet", "-b", branch, echo, "extensions/Echo")
	gitOut(t, wt, "commit", "--quiet", "-m", "Add Echo")
	gitOut(t, wt, "push", "--quiet", "origin", "HEAD:refs/heads/"+branch)
	s.SubscribeSubmodule("mediawiki/core", "extensions/Echo", "mediawiki/extensions/Echo")

	n := newChange(t, s, gerrittest.ChangeSpec{Project: "mediawiki/extensions/Echo", Subject: "Fix notifications", Body: "Bug: T100", Files: map[string]string{"extension.json": "{\"x\":1}\n"}})
	// CIPass with CIDelay 0: the +2 gates and submits at once.
	must(t, s.Vote(n, "deployer", "Code-Review", 2))
	st := s.Change(n)
	if st.Status != "MERGED" {
		t.Fatalf("extension change not merged: %+v", st)
	}
	head := gitOut(t, core, "rev-parse", "refs/heads/"+branch)
	msg := gitOut(t, core, "log", "-1", "--format=%B", head)
	want := fmt.Sprintf("Update git submodules\n\n* Update extensions/Echo from branch '%s'\n  to %s\n  - Fix notifications\n\n    Bug: T100\n    Change-Id: %s", branch, st.MergedAs, st.ChangeID)
	if msg != want {
		t.Errorf("superproject commit:\n%s\nwant\n%s", msg, want)
	}
	if got := gitOut(t, core, "ls-tree", head, "extensions/Echo"); !strings.HasPrefix(got, "160000 commit "+st.MergedAs) {
		t.Errorf("gitlink = %q (was %s)", got, tip)
	}
	if found := gitOut(t, core, "rev-list", "--grep", "Change-Id: "+st.ChangeID, "refs/heads/"+branch); found != head {
		t.Errorf("rev-list --grep found %q, want %s", found, head)
	}
	// The deployer's checkout sees the bump, and the submodule update works.
	gitOut(t, wt, "fetch", "--quiet")
	gitOut(t, wt, "rebase", "--quiet")
	gitOut(t, wt, "-c", "protocol.file.allow=always", "submodule", "update", "--quiet", "extensions/Echo")
	if b, err := os.ReadFile(filepath.Join(wt, "extensions/Echo/extension.json")); err != nil || string(b) != "{\"x\":1}\n" {
		t.Errorf("submodule content = %q, %v", b, err)
	}
	// A direct push to the extension bumps core too.
	sha, err := s.PushDirect("mediawiki/extensions/Echo", branch, "Direct fix", map[string]string{"x": "1\n"})
	must(t, err)
	if got := gitOut(t, core, "ls-tree", "refs/heads/"+branch, "extensions/Echo"); !strings.HasPrefix(got, "160000 commit "+sha) {
		t.Errorf("gitlink after direct push = %q", got)
	}
}

func TestPushForReviewCreatesTheRevertChange(t *testing.T) {
	s := newServer(t, gerrittest.Options{})
	n := newChange(t, s, gerrittest.ChangeSpec{Subject: "Break everything", Body: "Bug: T5"})
	must(t, s.Vote(n, "deployer", "Code-Review", 2)) // CI gates and submits
	orig := s.Change(n)
	if orig.Status != "MERGED" {
		t.Fatalf("not merged: %+v", orig)
	}
	wt := clone(t, s, "mediawiki/core", branch)
	gitOut(t, wt, "revert", "--no-edit", orig.Revision)
	revertID := "I" + strings.Repeat("5e", 20)
	gitOut(t, wt, "commit", "--quiet", "--amend", "-m", "Revert \"Break everything\"\n\nThis reverts commit "+orig.Revision+".\n\nChange-Id: "+revertID)
	revertSHA := gitOut(t, wt, "rev-parse", "HEAD")
	args := []string{"push", "origin", "HEAD:refs/for/" + branch + "%topic=" + gerrit.RevertTopic(orig.Revision)}
	gitOut(t, wt, args...)
	nums, err := s.ProcessPushes()
	must(t, err)
	if len(nums) != 1 {
		t.Fatalf("ProcessPushes = %v", nums)
	}
	rv := s.Change(nums[0])
	if rv.RevertOf != n || rv.Revision != revertSHA || rv.Branch != branch || rv.Topic != "revert-"+orig.Revision || rv.Owner != "deployer" || rv.Status != "NEW" {
		t.Errorf("revert change = %+v", rv)
	}
	if rv.Subject != `Revert "Break everything"` || rv.ChangeID != revertID {
		t.Errorf("subject %q change-id %q", rv.Subject, rv.ChangeID)
	}
	if refs := gitOut(t, s.RepoPath("mediawiki/core"), "for-each-ref", "refs/for/", "refs/gerrittest/"); refs != "" {
		t.Errorf("pushed refs left behind: %s", refs)
	}
	if _, err := os.Stat(filepath.Join(s.RepoPath("mediawiki/core"), "refs", "for")); !os.IsNotExist(err) {
		t.Errorf("refs/for directory left behind: %v", err)
	}
	gitOut(t, wt, "fetch", "--quiet", s.RepoPath("mediawiki/core"), rv.Ref)
	if gitOut(t, wt, "rev-parse", "FETCH_HEAD") != revertSHA {
		t.Error("the revert change's ref does not hold the pushed commit")
	}
	// Nothing more to do on the next run; a REST request also processes pushes.
	if again, err := s.ProcessPushes(); err != nil || len(again) != 0 {
		t.Errorf("second ProcessPushes = %v, %v", again, err)
	}
	gitOut(t, wt, "commit", "--quiet", "--amend", "-m", "Revert \"Break everything\"\n\nThis reverts commit "+orig.Revision+".\n\nReason: it broke.\n\nChange-Id: "+rv.ChangeID)
	gitOut(t, wt, "push", "--quiet", "origin", "HEAD:refs/for/"+branch)
	var ci map[string]any
	jsonBody(t, call(t, s, "GET", fmt.Sprintf("changes/%d?o=CURRENT_REVISION", nums[0]), "", "", ""), &ci)
	if fmt.Sprint(ci["current_revision_number"]) != "2" || ci["current_revision"] != gitOut(t, wt, "rev-parse", "HEAD") {
		t.Errorf("the amended push did not become patch set 2: %v", ci)
	}
	if fmt.Sprint(ci["revert_of"]) != fmt.Sprint(n) {
		t.Errorf("revert_of = %v", ci["revert_of"])
	}
}

func TestPushErrors(t *testing.T) {
	s := newServer(t, gerrittest.Options{})
	wt := clone(t, s, "mediawiki/core", branch)
	gitOut(t, wt, "push", "--quiet", "origin", "HEAD:refs/for/"+branch) // no new commit
	gitOut(t, wt, "commit", "--quiet", "--allow-empty", "-m", "Orphan\n\nChange-Id: I"+strings.Repeat("0a", 20))
	gitOut(t, wt, "push", "--quiet", "origin", "HEAD:refs/for/no-such-branch")
	nums, err := s.ProcessPushes()
	if len(nums) != 0 || err == nil || !strings.Contains(err.Error(), "no new changes") || !strings.Contains(err.Error(), "branch no-such-branch not found") {
		t.Errorf("ProcessPushes = %v, %v", nums, err)
	}
	if refs := gitOut(t, s.RepoPath("mediawiki/core"), "for-each-ref", "refs/for/", "refs/gerrittest/"); refs != "" {
		t.Errorf("rejected pushes left refs: %s", refs)
	}
}

// TestPushWithoutChangeIDIsRefused: like Gerrit, a push for review whose
// new commit has no Change-Id footer (or a bad one) fails, with Gerrit's
// words, and leaves no change and no ref behind; the same commit with a
// Change-Id goes through.
func TestPushWithoutChangeIDIsRefused(t *testing.T) {
	s := newServer(t, gerrittest.Options{})
	wt := clone(t, s, "mediawiki/core", branch)
	for msg, want := range map[string]string{
		"No footer at all": "missing Change-Id in message footer",
		"Id in the body\n\nChange-Id: I" + strings.Repeat("1", 40) + "\n\nBug: T1": "missing Change-Id in message footer",
		"Short id\n\nChange-Id: I123": "invalid Change-Id line format in message footer",
		"Two ids\n\nChange-Id: I" + strings.Repeat("2", 40) + "\nChange-Id: I" + strings.Repeat("3", 40): "multiple Change-Id lines in message footer",
	} {
		gitOut(t, wt, "reset", "--quiet", "--hard", "origin/"+branch)
		gitOut(t, wt, "commit", "--quiet", "--allow-empty", "-m", msg)
		short := gitOut(t, wt, "rev-parse", "--short=7", "HEAD")
		out, err := gitCmd(wt, "push", "origin", "HEAD:refs/for/"+branch+"%topic=t").CombinedOutput()
		if err == nil {
			t.Errorf("%q: push accepted:\n%s", msg, out)
		}
		if line := "remote: ERROR: commit " + short + ": " + want; !strings.Contains(string(out), line) {
			t.Errorf("%q: push output lacks %q:\n%s", msg, line, out)
		}
		if !strings.Contains(string(out), "[remote rejected]") {
			t.Errorf("%q: push not rejected:\n%s", msg, out)
		}
		nums, err := s.ProcessPushes()
		if len(nums) != 0 || err != nil {
			t.Errorf("%q: ProcessPushes = %v, %v", msg, nums, err)
		}
		if refs := gitOut(t, s.RepoPath("mediawiki/core"), "for-each-ref", "refs/for/", "refs/gerrittest/"); refs != "" {
			t.Errorf("%q: refused push left refs: %s", msg, refs)
		}
	}
	gitOut(t, wt, "commit", "--quiet", "--amend", "--allow-empty", "-m", "With an id\n\nBug: T1\nChange-Id: I"+strings.Repeat("4", 40))
	gitOut(t, wt, "push", "--quiet", "origin", "HEAD:refs/for/"+branch)
	nums, err := s.ProcessPushes()
	if err != nil || len(nums) != 1 || s.Change(nums[0]).ChangeID != "I"+strings.Repeat("4", 40) {
		t.Fatalf("push with a Change-Id: %v, %v", nums, err)
	}
}
