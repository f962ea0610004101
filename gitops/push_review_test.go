package gitops_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"porthole/gitops"
	"porthole/gitops/gitopstest"
)

// recording wraps the local executor and keeps every command line run.
func recording(s *gitopstest.Staging, cmds *[]string) gitops.Run {
	return recordingRun(local(s), cmds)
}

// deployedUnderSecurityPatch lands a change in core, pulls it, puts a local
// SECURITY commit on top (as on the deployment host) and reverts the change
// there. It returns the deployed commit, the security commit and the revert.
func deployedUnderSecurityPatch(t *testing.T, s *gitopstest.Staging, dir, project string) (deployed, security string, rev *gitops.RevertResult) {
	t.Helper()
	ctx := context.Background()
	deployed = s.Land(project, s.Branch, gitopstest.Message("Setup: break things", gitopstest.ChangeID(30)),
		map[string]string{"includes/Setup.php": "<?php\n// broken\n"})
	s.Git(dir, "pull", "-q", "--rebase")
	security = s.LocalCommit(dir, "SECURITY: fix XSS (T999999)", map[string]string{"includes/Title.php": "<?php\nclass Title { /* safe */ }\n"})
	rev, err := gitops.Revert(ctx, local(s), dir, deployed, gitops.RevertOptions{Reason: "fatals", ChangeID: gitopstest.ChangeID(31)})
	if err != nil {
		t.Fatal(err)
	}
	return deployed, security, rev
}

func TestPushRevertForReviewLeavesTheSecurityPatchBehind(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	ctx := context.Background()
	deployed, security, rev := deployedUnderSecurityPatch(t, s, s.CoreDir, gitopstest.CoreProject)
	var cmds []string
	res, err := gitops.PushRevertForReview(ctx, recording(s, &cmds), gitops.ReviewPush{
		Dir: s.CoreDir, Local: rev.SHA, Reverted: deployed, Branch: s.Branch, Topic: "revert-" + deployed})
	if err != nil {
		t.Fatalf("%v\n%q", err, cmds)
	}
	if res.Cleanup != nil {
		t.Error(res.Cleanup)
	}
	bare := s.Bare(gitopstest.CoreProject)
	ref := "refs/for/" + s.Branch + "%topic=revert-" + deployed
	if got := s.Git(bare, "rev-parse", ref); got != res.Commit || res.Commit == rev.SHA {
		t.Fatalf("%s = %s, want the rebuilt revert %s (not the local %s)", ref, got, res.Commit, rev.SHA)
	}
	if parent := s.Git(bare, "rev-parse", res.Commit+"^"); parent != deployed || res.Base != "@{u}" || res.BaseSHA != deployed {
		t.Errorf("pushed revert's parent %s, base %s %s; want @{u} = %s", parent, res.Base, res.BaseSHA, deployed)
	}
	if err := exec.Command("git", "--git-dir="+bare, "cat-file", "-e", security+"^{commit}").Run(); err == nil {
		t.Error("the security commit reached the remote")
	}
	// same message, so the same Change-Id and reason, as the local revert
	if s.Git(bare, "log", "-1", "--format=%B", res.Commit) != s.Git(s.CoreDir, "log", "-1", "--format=%B", rev.SHA) {
		t.Error("the pushed revert's message differs from the local one")
	}
	// the revert undoes the change and nothing else
	if d := s.Git(bare, "diff", "--name-only", res.Commit+"^", res.Commit); d != "includes/Setup.php" {
		t.Errorf("pushed revert touches %q", d)
	}
	// the checkout is untouched: revert on top of the security patch, no worktree left
	if got := s.Git(s.CoreDir, "log", "--format=%H", "-2"); got != rev.SHA+"\n"+security {
		t.Errorf("checkout moved: %q", got)
	}
	if wt := s.Git(s.CoreDir, "worktree", "list", "--porcelain"); strings.Count(wt, "worktree ") != 1 {
		t.Errorf("worktree left behind:\n%s", wt)
	}
	joined := strings.Join(cmds, "\n")
	for _, want := range []string{"git worktree add --detach /", "git cherry-pick --ff --end-of-options " + rev.SHA, "git worktree remove --force /",
		"git rev-list --end-of-options '@{u}.." + res.Commit + "'", "git push origin " + res.Commit + ":refs/for/" + s.Branch + "%topic=revert-" + deployed, "git merge-base --is-ancestor --end-of-options " + deployed + " '@{u}'"} {
		if !strings.Contains(joined, want) {
			t.Errorf("commands lack %q:\n%s", want, joined)
		}
	}
}

func TestPushRevertForReviewOfDetachedExtension(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	ctx := context.Background()
	ext, _ := s.LandExtension("Echo: break", gitopstest.ChangeID(40), map[string]string{"includes/Hooks.php": "<?php\nclass Hooks { /* broken */ }\n"})
	s.Git(s.CoreDir, "pull", "-q", "--rebase")
	s.Git(s.CoreDir, "submodule", "update", "-q", "extensions/Echo")
	security := s.LocalCommit(s.EchoDir(), "SECURITY: Echo fix (T777)", map[string]string{"extension.json": "{\"secure\": true}\n"})
	rev, err := gitops.Revert(ctx, local(s), s.EchoDir(), ext, gitops.RevertOptions{ChangeID: gitopstest.ChangeID(41)})
	if err != nil {
		t.Fatal(err)
	}
	res, err := gitops.PushRevertForReview(ctx, local(s), gitops.ReviewPush{
		Dir: s.EchoDir(), Local: rev.SHA, Reverted: ext, Branch: s.Branch, Topic: "revert-" + ext})
	if err != nil {
		t.Fatal(err)
	}
	if res.Base != "refs/remotes/origin/"+s.Branch || res.BaseSHA != ext {
		t.Errorf("base %s %s, want origin/%s at %s", res.Base, res.BaseSHA, s.Branch, ext)
	}
	bare := s.Bare(gitopstest.EchoProject)
	if got := s.Git(bare, "rev-list", "refs/heads/"+s.Branch+".."+"refs/for/"+s.Branch+"%topic=revert-"+ext); got != res.Commit {
		t.Errorf("pushed %q, want the revert %s alone", got, res.Commit)
	}
	if err := exec.Command("git", "--git-dir="+bare, "cat-file", "-e", security+"^{commit}").Run(); err == nil {
		t.Error("the extension's security commit reached the remote")
	}
}

func TestPushRevertForReviewStopsWhenTheRevertDoesNotApplyUpstream(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	ctx := context.Background()
	deployed := s.Land(gitopstest.CoreProject, s.Branch, gitopstest.Message("Setup: v2", gitopstest.ChangeID(50)),
		map[string]string{"includes/Setup.php": "<?php\n// v2\n"})
	s.Git(s.CoreDir, "pull", "-q", "--rebase")
	// a local patch rewrites the same lines, so the local revert is made against it
	s.LocalCommit(s.CoreDir, "SECURITY: harden Setup (T1)", map[string]string{"includes/Setup.php": "<?php\n// v2 hardened\n"})
	s.Git(s.CoreDir, "revert", "--no-edit", "HEAD") // back to v2, then revert the change on top
	rev, err := gitops.Revert(ctx, local(s), s.CoreDir, deployed, gitops.RevertOptions{ChangeID: gitopstest.ChangeID(51)})
	if err != nil {
		t.Fatal(err)
	}
	// upstream moves on and touches the same lines
	s.Land(gitopstest.CoreProject, s.Branch, gitopstest.Message("Setup: v3", gitopstest.ChangeID(52)), map[string]string{"includes/Setup.php": "<?php\n// v3\n"})
	s.Git(s.CoreDir, "fetch", "-q")
	head := s.Git(s.CoreDir, "rev-parse", "HEAD")
	_, err = gitops.PushRevertForReview(ctx, local(s), gitops.ReviewPush{
		Dir: s.CoreDir, Local: rev.SHA, Reverted: deployed, Branch: s.Branch, Topic: "revert-" + deployed})
	if err == nil || !strings.Contains(err.Error(), "does not apply on @{u}") || !strings.Contains(err.Error(), "nothing was pushed") ||
		!strings.Contains(err.Error(), "production revert is live") {
		t.Fatalf("conflicting review commit: %v", err)
	}
	if refs := s.Git(s.Bare(gitopstest.CoreProject), "for-each-ref", "refs/for/"); refs != "" {
		t.Errorf("pushed anyway: %s", refs)
	}
	if s.Git(s.CoreDir, "rev-parse", "HEAD") != head || s.Git(s.CoreDir, "status", "--porcelain") != "" {
		t.Error("the checkout was touched")
	}
	if wt := s.Git(s.CoreDir, "worktree", "list", "--porcelain"); strings.Count(wt, "worktree ") != 1 {
		t.Errorf("worktree left behind:\n%s", wt)
	}
}

func TestCheckOnlyCommitNamesTheExtraCommits(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	ctx := context.Background()
	deployed, security, rev := deployedUnderSecurityPatch(t, s, s.CoreDir, gitopstest.CoreProject)
	// the local revert sits on the security patch: pushing it would publish the patch
	err := gitops.CheckOnlyCommit(ctx, local(s), s.CoreDir, "@{u}", rev.SHA)
	if err == nil || !strings.Contains(err.Error(), "refusing to push") || !strings.Contains(err.Error(), security[:12]+" SECURITY: fix XSS (T999999)") ||
		!strings.Contains(err.Error(), "holds 2 commits") || !strings.Contains(err.Error(), "Nothing was pushed") {
		t.Fatalf("guard: %v", err)
	}
	if strings.Contains(err.Error(), rev.SHA[:12]+" Revert") {
		t.Errorf("the revert itself is named as an extra: %v", err)
	}
	if err := gitops.CheckOnlyCommit(ctx, local(s), s.CoreDir, "@{u}", security); err != nil {
		t.Errorf("one commit above @{u}: %v", err)
	}
	if err := gitops.CheckOnlyCommit(ctx, local(s), s.CoreDir, "@{u}", deployed); err == nil || !strings.Contains(err.Error(), "nothing new to push") {
		t.Errorf("a commit already upstream: %v", err)
	}
}
