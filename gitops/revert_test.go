package gitops_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"porthole/gitops"
	"porthole/gitops/gitopstest"
	"porthole/remote"
)

func asError(err error, target **gitops.Error) bool { return errors.As(err, target) }

func TestRevertPlainCommit(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	ctx := context.Background()
	id := gitopstest.ChangeID(7)
	sha := s.Land(gitopstest.ConfigProject, "master", gitopstest.Message("Enable thing", id, "T5"),
		map[string]string{"wmf-config/CommonSettings.php": "<?php\n// thing enabled\n"})
	s.Git(s.Dir, "pull", "-q", "--rebase")
	newID := gitopstest.ChangeID(8)
	res, err := gitops.Revert(ctx, local(s), s.Dir, sha, gitops.RevertOptions{Reason: "broke enwiki (T6)", ChangeID: newID})
	if err != nil {
		t.Fatal(err)
	}
	if res.Merge || res.Reverted.SHA != sha || res.ChangeID != newID {
		t.Fatalf("%+v", res)
	}
	msg := s.Git(s.Dir, "log", "-1", "--format=%B")
	for _, want := range []string{`Revert "Enable thing"`, "This reverts commit " + sha + ".", "Reason for revert: broke enwiki (T6)", "Change-Id: " + newID} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	if head := s.Git(s.Dir, "rev-parse", "HEAD"); head != res.SHA {
		t.Fatalf("HEAD %s, result %s", head, res.SHA)
	}
	b, _ := os.ReadFile(filepath.Join(s.Dir, "wmf-config/CommonSettings.php"))
	if string(b) != "<?php\n// common settings\n" {
		t.Fatalf("file not reverted: %q", b)
	}
	if gitops.RevertCommand(sha, false) != "git revert --no-edit --end-of-options "+sha {
		t.Fatal(gitops.RevertCommand(sha, false))
	}
}

func TestRevertMergeCommitUsesM1(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	ctx := context.Background()
	_, merge := s.LandMerge(gitopstest.CoreProject, s.Branch, gitopstest.Message("Title: break", gitopstest.ChangeID(9)),
		map[string]string{"includes/Title.php": "<?php\nclass Title { /* broken */ }\n"},
		map[string]string{"includes/Setup.php": "<?php\n// other\n"})
	s.Git(s.CoreDir, "pull", "-q", "--rebase=false", "--ff-only")
	var cmds []string
	run := func(ctx context.Context, cmd remoteCommand) (remoteResult, error) {
		cmds = append(cmds, cmd.Cmd)
		return local(s)(ctx, cmd)
	}
	res, err := gitops.Revert(ctx, run, s.CoreDir, merge, gitops.RevertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Merge || !strings.HasPrefix(res.ChangeID, "I") || len(res.ChangeID) != 41 {
		t.Fatalf("%+v", res)
	}
	if !contains(cmds, "git revert --no-edit -m1 --end-of-options "+merge) {
		t.Fatalf("commands %q", cmds)
	}
	b, _ := os.ReadFile(filepath.Join(s.CoreDir, "includes/Title.php"))
	if string(b) != "<?php\nclass Title {\n}\n" {
		t.Fatalf("merge not reverted: %q", b)
	}
	b, _ = os.ReadFile(filepath.Join(s.CoreDir, "includes/Setup.php"))
	if string(b) != "<?php\n// other\n" {
		t.Fatalf("-m1 must keep mainline's own commit: %q", b)
	}
	if !strings.Contains(res.Message, "reversing\nchanges made to ") {
		t.Fatalf("merge revert message %q", res.Message)
	}
}

func TestRevertConflictAbortsCleanly(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	ctx := context.Background()
	first := s.Land(gitopstest.ConfigProject, "master", gitopstest.Message("one", gitopstest.ChangeID(10)), map[string]string{"wmf-config/CommonSettings.php": "<?php\n// one\n"})
	s.Land(gitopstest.ConfigProject, "master", gitopstest.Message("two", gitopstest.ChangeID(11)), map[string]string{"wmf-config/CommonSettings.php": "<?php\n// two\n"})
	s.Git(s.Dir, "pull", "-q", "--rebase")
	head := s.Git(s.Dir, "rev-parse", "HEAD")
	var cmds []string
	_, err := gitops.Revert(ctx, recordingRun(local(s), &cmds), s.Dir, first, gitops.RevertOptions{})
	if err == nil || !strings.Contains(err.Error(), "revert aborted, "+s.Dir+" is unchanged") || !contains(cmds, "git revert --abort") {
		t.Fatalf("conflicting revert: %v (commands %q)", err, cmds)
	}
	if s.Git(s.Dir, "rev-parse", "HEAD") != head || s.Git(s.Dir, "status", "--porcelain") != "" {
		t.Fatal("checkout not left as it was")
	}
}

// The checkout's directory vanishes just before `git revert` (moved away
// by someone else): git never ran, so Revert reports the *remote.DirError
// alone and tries no `git revert --abort`.
func TestRevertInAVanishedDirIsNotAborted(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	sha := s.Land(gitopstest.ConfigProject, "master", gitopstest.Message("one", gitopstest.ChangeID(13)), map[string]string{"wmf-config/CommonSettings.php": "<?php\n// one\n"})
	s.Git(s.Dir, "pull", "-q", "--rebase")
	var cmds []string
	run := recordingRun(beforeRevert(local(s), func() {
		if err := os.Rename(s.Dir, s.Dir+".moved"); err != nil {
			t.Error(err)
		}
	}), &cmds)
	_, err := gitops.Revert(context.Background(), run, s.Dir, sha, gitops.RevertOptions{})
	var de *remote.DirError
	if !errors.As(err, &de) || err.Error() != s.Dir+" does not exist on deploy1002" {
		t.Fatalf("revert in a vanished dir: %v", err)
	}
	if contains(cmds, "git revert --abort") {
		t.Fatalf("aborted a revert that never ran: %q", cmds)
	}
}

// beforeRevert is run, calling f just before it runs `git revert`.
func beforeRevert(run gitops.Run, f func()) gitops.Run {
	return func(ctx context.Context, cmd remoteCommand) (remoteResult, error) {
		if strings.HasPrefix(cmd.Cmd, "git revert --no-edit ") {
			f()
		}
		return run(ctx, cmd)
	}
}

func TestPushArgsPushesTheRevertForReview(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	ctx := context.Background()
	sha := s.Land(gitopstest.CoreProject, s.Branch, gitopstest.Message("bad", gitopstest.ChangeID(12)), map[string]string{"includes/Setup.php": "<?php\n// bad\n"})
	s.Git(s.CoreDir, "pull", "-q", "--rebase")
	res, err := gitops.Revert(ctx, local(s), s.CoreDir, sha, gitops.RevertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	args := gitops.PushArgs("HEAD", s.Branch, "revert-"+sha)
	if strings.Join(args, " ") != "push origin HEAD:refs/for/"+s.Branch+"%topic=revert-"+sha {
		t.Fatalf("%q", args)
	}
	if _, err := gitops.Push(ctx, local(s), s.CoreDir, args); err != nil {
		t.Fatal(err)
	}
	ref := "refs/for/" + s.Branch + "%topic=revert-" + sha
	got := s.Git(s.Bare(gitopstest.CoreProject), "rev-parse", ref)
	if got != res.SHA {
		t.Fatalf("%s = %s, want %s", ref, got, res.SHA)
	}
	// The branch itself did not move: a revert goes through review.
	if s.Git(s.Bare(gitopstest.CoreProject), "rev-parse", "refs/heads/"+s.Branch) != sha {
		t.Fatal("push moved the branch")
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
