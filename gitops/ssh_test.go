package gitops_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"porthole/gitops"
	"porthole/gitops/gitopstest"
	"porthole/remote"
	"porthole/remote/sshtest"
)

// TestExtensionDeployOverRealSSH runs the extension part of a window through
// a real OpenSSH sshd, as on the deployment host: status, fetch, the bump
// commit matched by Change-Id, rebase, submodule update and its check; then
// commands in a directory that does not exist there (they must not run in
// the login directory).
func TestExtensionDeployOverRealSSH(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	run, _ := overSSH(t, s)
	ctx := context.Background()

	patch := s.LocalCommit(s.CoreDir, "SECURITY: local patch", map[string]string{"includes/Title.php": "<?php\nclass Title { /* p */ }\n"})
	st, err := gitops.Status(ctx, run, s.CoreDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.LocalCommits) != 1 || st.LocalCommits[0].SHA != patch || len(st.Entries) != 0 {
		t.Fatalf("status over ssh: %+v", st)
	}
	id := gitopstest.ChangeID(40)
	ext, _ := s.LandExtension("Echo: over ssh", id, map[string]string{"includes/Hooks.php": "<?php\nclass Hooks { /* ssh */ }\n"})
	if err := gitops.Fetch(ctx, run, s.CoreDir); err != nil {
		t.Fatal(err)
	}
	in, err := gitops.Incoming(ctx, run, s.CoreDir)
	if err != nil {
		t.Fatal(err)
	}
	if chk := gitops.CheckIncoming(in, []string{id}); !incomingOK(chk) {
		t.Fatalf("incoming over ssh: %+v", chk)
	}
	if err := gitops.Rebase(ctx, run, s.CoreDir); err != nil {
		t.Fatal(err)
	}
	if err := gitops.SubmoduleUpdate(ctx, run, s.CoreDir, "extensions/Echo"); err != nil {
		t.Fatal(err)
	}
	sub, err := gitops.SubmoduleCommit(ctx, run, s.CoreDir, "extensions/Echo")
	if err != nil || sub.Relation != gitops.SubSame || sub.CheckedOut != ext {
		t.Fatalf("submodule over ssh: %+v %v", sub, err)
	}
	if top := s.Git(s.CoreDir, "log", "-1", "--format=%H"); top == patch {
		t.Fatal("rebase did not move the security patch on top of upstream")
	}
	checkMissingDir(t, s, run, "deploy1002")
}

// TestTransportErrorsOverRealSSH stops the deployment host's sshd under
// gitops: each function reports the lost host as a *remote.ConnError, never
// as something git said about the repository, and Revert tries no `git
// revert --abort` on a host it cannot reach.
func TestTransportErrorsOverRealSSH(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	run, c := overSSH(t, s)
	ctx := context.Background()
	if _, err := gitops.SubmoduleCommit(ctx, run, s.CoreDir, "extensions/Echo"); err != nil {
		t.Fatal(err)
	}
	sha := s.Land(gitopstest.ConfigProject, "master", gitopstest.Message("one", gitopstest.ChangeID(41)), map[string]string{"wmf-config/CommonSettings.php": "<?php\n// one\n"})
	s.Git(s.Dir, "pull", "-q", "--rebase")
	var cmds []string
	stop := beforeRevert(run, func() {
		if err := c.Stop(0); err != nil {
			t.Error(err)
		}
	})
	_, err := gitops.Revert(ctx, recordingRun(stop, &cmds), s.Dir, sha, gitops.RevertOptions{})
	var ce *remote.ConnError
	if !errors.As(err, &ce) || ce.Host != "deploy1002" || contains(cmds, "git revert --abort") {
		t.Fatalf("revert with the host gone: %v (commands %q)", err, cmds)
	}
	_, err = gitops.SubmoduleCommit(ctx, run, s.CoreDir, "extensions/Echo")
	if !errors.As(err, &ce) || ce.Host != "deploy1002" || strings.Contains(err.Error(), "records no submodule") {
		t.Fatalf("submodule with the host down: %v", err)
	}
}

// overSSH is a deploy1002 of its own behind a real sshd, running gitops'
// commands with the fixture's git settings; the cluster can stop it.
func overSSH(t *testing.T, s *gitopstest.Staging) (gitops.Run, *sshtest.Cluster) {
	t.Helper()
	c := sshtest.Start(t, 1, sshtest.Names("deploy1002"))
	pool := remote.NewPool(remote.SSHOptions{ConfigPath: c.SSHConfigPath, KnownHosts: []string{c.KnownHostsPath}, IdentityFiles: []string{c.KeyPath}})
	t.Cleanup(func() { _ = pool.Close() })
	ex, err := pool.Get("deploy1002")
	if err != nil {
		t.Fatal(err)
	}
	return withEnv(gitops.FromExecutor(ex), s.Env()), c
}
