package gerrittest_test

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"

	"porthole/gerrit/gerrittest"
)

// TestNoGitBinary: with no git on PATH the emulator still creates projects
// and changes, computes mergeability, merges with a merge commit, bumps a
// subscribed superproject, cherry-picks, and serves files, patches and
// related changes: everything runs on go-git.
func TestNoGitBinary(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if _, err := exec.LookPath("git"); err == nil {
		t.Fatal("git is still on PATH")
	}
	s := newServer(t, gerrittest.Options{})
	must(t, s.CreateProject("mediawiki/extensions/Echo", map[string]map[string]string{branch: {"extension.json": "{}\n"}}))
	s.SubscribeSubmodule("mediawiki/core", "extensions/Echo", "mediawiki/extensions/Echo")
	n := newChange(t, s, gerrittest.ChangeSpec{CI: gerrittest.CIManual})
	_, err := s.PushDirect("mediawiki/core", branch, "Moved on", map[string]string{"README.md": "moved\n"})
	must(t, err)
	must(t, s.Vote(n, "deployer", "Code-Review", 2))
	must(t, s.Vote(n, gerrittest.JenkinsBot, "Verified", 2))
	must(t, s.Submit(n))
	if st := s.Change(n); st.Status != "MERGED" || st.MergedAs == st.Revision {
		t.Errorf("submit over a moved branch = %+v, want a merge commit", st)
	}
	e := newChange(t, s, gerrittest.ChangeSpec{Project: "mediawiki/extensions/Echo", CI: gerrittest.CIManual, Files: map[string]string{"extension.json": "{\"x\":1}\n"}})
	must(t, s.Submit(e))
	repo, err := gogit.PlainOpen(s.RepoPath("mediawiki/core"))
	must(t, err)
	ref, err := repo.Reference(plumbing.NewBranchReferenceName(branch), true)
	must(t, err)
	bump, err := repo.CommitObject(ref.Hash())
	must(t, err)
	if !strings.HasPrefix(bump.Message, "Update git submodules\n\n* Update extensions/Echo from branch '"+branch+"'") {
		t.Errorf("core's tip after the Echo submit: %q", bump.Message)
	}
	var commit map[string]any
	for _, path := range []string{
		fmt.Sprintf("changes/%d/revisions/current/files", n),
		fmt.Sprintf("changes/%d/revisions/current/related", n),
		fmt.Sprintf("changes/%d?o=CURRENT_REVISION&o=CURRENT_COMMIT&o=CURRENT_FILES", e),
	} {
		jsonBody(t, call(t, s, "GET", path, "", "", ""), &commit)
	}
	if r := call(t, s, "GET", fmt.Sprintf("changes/%d/revisions/current/patch", n), "", "", ""); r.Status != 200 {
		t.Errorf("patch = %d %s", r.Status, r.Body)
	}
	m := newChange(t, s, gerrittest.ChangeSpec{Branch: "master", CI: gerrittest.CIManual, Subject: "On master"})
	if r := call(t, s, "POST", fmt.Sprintf("a/changes/%d/revisions/current/cherrypick", m), "deployer", "", `{"destination":"`+branch+`"}`); r.Status != 200 {
		t.Errorf("cherry-pick = %d %s", r.Status, r.Body)
	}
}
