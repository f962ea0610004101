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

// echoPatched makes Echo's checkout what a revert finds: an upstream change
// (new) with a security patch on top, and returns the commit before the
// change (old). With conflict, the patch edits the line the change wrote,
// so it does not apply on old.
func echoPatched(s *gitopstest.Staging, conflict bool) (old, new, patch string) {
	echo := s.EchoDir()
	old = s.Git(echo, "rev-parse", "HEAD")
	new = s.LocalCommit(echo, "Hooks: log every hook", map[string]string{"includes/Hooks.php": "<?php\n// every hook is logged\n"})
	files := map[string]string{"includes/Escape.php": "<?php\n// escaped\n"}
	if conflict {
		files = map[string]string{"includes/Hooks.php": "<?php\n// every hook is logged, escaped\n"}
	}
	patch = s.LocalCommit(echo, "SECURITY: Escape hook names", files)
	return old, new, patch
}

func TestRebaseOntoReplaysOnlyTheLocalCommits(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	old, new, _ := echoPatched(s, false)
	echo := s.EchoDir()
	if err := gitops.RebaseOnto(context.Background(), local(s), echo, old, new); err != nil {
		t.Fatal(err)
	}
	if got := s.Git(echo, "rev-parse", "HEAD^"); got != old {
		t.Fatalf("the patch sits on %s, want %s", got, old)
	}
	if subj := s.Git(echo, "log", "-1", "--format=%s"); subj != "SECURITY: Escape hook names" {
		t.Fatalf("top commit %q", subj)
	}
}

// A security patch that conflicts with the commit it is taken off: the
// rebase is aborted, the error is an *gitops.Aborted that says so, and the
// checkout is back at the patch, clean, with no rebase in progress.
func TestRebaseOntoConflictIsAborted(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	old, new, patch := echoPatched(s, true)
	echo := s.EchoDir()
	var cmds []string
	err := gitops.RebaseOnto(context.Background(), recordingRun(local(s), &cmds), echo, old, new)
	var ab *gitops.Aborted
	var ge *gitops.Error
	if !errors.As(err, &ab) || ab.Op != "rebase" || ab.Dir != echo || !errors.As(err, &ge) {
		t.Fatalf("conflicting rebase --onto: %v", err)
	}
	if !strings.Contains(err.Error(), "rebase aborted, "+echo+" is unchanged") || !contains(cmds, "git rebase --abort") {
		t.Fatalf("message %q (commands %q)", err, cmds)
	}
	if want := "git rebase --onto " + old + " " + new; !contains(cmds, want) || ge.Cmd != want {
		t.Fatalf("commands %q, want %q", cmds, want)
	}
	if s.Git(echo, "rev-parse", "HEAD") != patch || s.Git(echo, "status", "--porcelain") != "" {
		t.Fatal("checkout not left as it was")
	}
	for _, d := range []string{"rebase-merge", "rebase-apply"} {
		if p := s.Git(echo, "rev-parse", "--path-format=absolute", "--git-path", d); exists(p) {
			t.Fatalf("a rebase is still in progress (%s)", p)
		}
	}
}

// A missing directory: git never ran, so RebaseOnto reports the
// *remote.DirError alone and tries no `git rebase --abort`.
func TestRebaseOntoInAMissingDirIsNotAborted(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	old, new, _ := echoPatched(s, true)
	nowhere := filepath.Join(s.Root, "nowhere")
	var cmds []string
	err := gitops.RebaseOnto(context.Background(), recordingRun(local(s), &cmds), nowhere, old, new)
	var de *remote.DirError
	var ab *gitops.Aborted
	if !errors.As(err, &de) || errors.As(err, &ab) || err.Error() != nowhere+" does not exist on deploy1002" {
		t.Fatalf("rebase --onto in a missing dir: %v", err)
	}
	if contains(cmds, "git rebase --abort") || len(cmds) != 1 {
		t.Fatalf("commands %q: want the rebase alone", cmds)
	}
}

// A revision that is not a commit id never reaches git.
func TestRebaseOntoRefusesAnOption(t *testing.T) {
	t.Parallel()
	var cmds []string
	run := recordingRun(func(context.Context, remote.Command) (remote.Result, error) { return remote.Result{}, nil }, &cmds)
	if err := gitops.RebaseOnto(context.Background(), run, "/srv", "--exec=rm", "0123456789abcdef"); err == nil || len(cmds) != 0 {
		t.Fatalf("onto an option: %v, commands %q", err, cmds)
	}
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
