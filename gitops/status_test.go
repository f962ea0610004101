package gitops_test

import (
	"context"
	"maps"
	"strings"
	"testing"

	"porthole/gitops"
	"porthole/gitops/gitopstest"
	"porthole/remote"
)

// local runs the commands under test on this machine with the fixture's
// git settings given with each command (so that tests need no t.Setenv and
// run in parallel).
func local(s *gitopstest.Staging) gitops.Run {
	return withEnv(gitops.FromExecutor(&remote.Local{Name: "deploy1002"}), s.Env())
}

// withEnv adds env ("K=V") to the environment (Command.Env) of every
// command run runs.
func withEnv(run gitops.Run, env []string) gitops.Run {
	return func(ctx context.Context, cmd remote.Command) (remote.Result, error) {
		e := maps.Clone(cmd.Env)
		if e == nil {
			e = map[string]string{}
		}
		for _, kv := range env {
			k, v, _ := strings.Cut(kv, "=")
			e[k] = v
		}
		cmd.Env = e
		return run(ctx, cmd)
	}
}

func TestStatusCleanStaging(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	st, err := gitops.Status(context.Background(), local(s), s.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Branch != "master" || st.Upstream != "origin/master" || st.Ahead != 0 || st.Behind != 0 {
		t.Fatalf("branch state: %+v", st)
	}
	if len(st.Entries) != 0 || len(st.LocalCommits) != 0 || len(st.Submodules) != 0 {
		t.Fatalf("clean staging reported entries %v local %v subs %v", st.Entries, st.LocalCommits, st.Submodules)
	}
	// php-X is ignored in the config repo, as in production.
	if len(st.Head) != 40 {
		t.Fatalf("head %q", st.Head)
	}
}

func TestStatusSecurityPatchAndDirtyFile(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	ctx := context.Background()
	patch := s.LocalCommit(s.CoreDir, "SECURITY: fix XSS in Title (T999999)", map[string]string{"includes/Title.php": "<?php\nclass Title { /* escaped */ }\n"})
	st, err := gitops.Status(ctx, local(s), s.CoreDir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Ahead != 1 || len(st.LocalCommits) != 1 || st.LocalCommits[0].SHA != patch {
		t.Fatalf("security patch not reported as a local commit: ahead %d, %+v", st.Ahead, st.LocalCommits)
	}
	if !strings.HasPrefix(st.LocalCommits[0].Subject, "SECURITY:") {
		t.Fatalf("subject %q", st.LocalCommits[0].Subject)
	}
	if len(st.Entries) != 0 {
		t.Fatalf("a committed security patch is not dirty: %v", st.Entries)
	}

	s.WriteFile(s.CoreDir, map[string]string{"includes/Setup.php": "<?php\n// hot-patched by hand\n", "stray.txt": "x\n"})
	st, err = gitops.Status(ctx, local(s), s.CoreDir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range st.Entries {
		got[e.Path] = e.XY
	}
	if got["includes/Setup.php"] != ".M" || got["stray.txt"] != "??" || len(got) != 2 {
		t.Fatalf("entries %v", st.Entries)
	}
}

func TestStatusSubmoduleStates(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	ctx := context.Background()
	// A security patch inside the extension: the submodule is ahead of what core records.
	patch := s.LocalCommit(s.EchoDir(), "SECURITY: Echo fix (T888888)", map[string]string{"includes/Hooks.php": "<?php\nclass Hooks { /* fixed */ }\n"})
	st, err := gitops.Status(ctx, local(s), s.CoreDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Entries) != 1 || !st.Entries[0].Submodule || !st.Entries[0].CommitChanged || st.Entries[0].Path != "extensions/Echo" {
		t.Fatalf("entries %+v", st.Entries)
	}
	if len(st.Submodules) != 1 || st.Submodules[0].Relation != gitops.SubAhead || st.Submodules[0].CheckedOut != patch ||
		len(st.Submodules[0].LocalCommits) != 1 {
		t.Fatalf("submodule state %+v", st.Submodules)
	}

	// A file edited inside the extension is dirty, not a patch.
	s.WriteFile(s.EchoDir(), map[string]string{"extension.json": "{}\n"})
	st, err = gitops.Status(ctx, local(s), s.CoreDir)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Entries[0].Modified {
		t.Fatalf("modified submodule not seen: %+v", st.Entries[0])
	}
}

func TestParseStatusQuotedAndRenamed(t *testing.T) {
	out := "# branch.oid 0123456789012345678901234567890123456789\n" +
		"# branch.head (detached)\n" +
		"2 R. N... 100644 100644 100644 aaaa bbbb R100 new name.php\told.php\n" +
		"1 .M N... 100644 100644 100644 aaaa aaaa \"caf\\303\\251.php\"\n" +
		"u UU N... 100644 100644 100644 100644 a b c conflict.php\n" +
		"? untracked dir/file\n"
	st, err := gitops.ParseStatus(out)
	if err != nil {
		t.Fatal(err)
	}
	if st.Branch != "" || st.Head == "" {
		t.Fatalf("detached head: %+v", st)
	}
	want := []string{"new name.php<old.php", "café.php<", "conflict.php<", "untracked dir/file<"}
	for i, e := range st.Entries {
		if got := e.Path + "<" + e.OrigPath; got != want[i] {
			t.Errorf("entry %d: %q, want %q", i, got, want[i])
		}
	}
	if st.Entries[2].Kind != 'u' {
		t.Errorf("unmerged kind %q", st.Entries[2].Kind)
	}
	if _, err := gitops.ParseStatus("1 .M garbage\n"); err == nil {
		t.Error("a short entry line must be an error")
	}
}
