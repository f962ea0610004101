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

func TestIncomingExactlyTheChange(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	ctx := context.Background()
	id := gitopstest.ChangeID(1)
	sha := s.Land(gitopstest.ConfigProject, "master", gitopstest.Message("Enable FileExporter for sourceswiki", id, "T198594"),
		map[string]string{"wmf-config/InitialiseSettings.php": "<?php\nreturn [ 'wgFileExporter' => true ];\n"})
	if err := gitops.Fetch(ctx, local(s), s.Dir); err != nil {
		t.Fatal(err)
	}
	in, err := gitops.Incoming(ctx, local(s), s.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(in) != 1 || in[0].SHA != sha || in[0].Subject != "Enable FileExporter for sourceswiki" || in[0].Author != "Deployer <deployer@example.org>" {
		t.Fatalf("incoming %+v", in)
	}
	chk := gitops.CheckIncoming(in, []string{id})
	if !incomingOK(chk) || len(chk.Matched[id]) != 1 {
		t.Fatalf("check %+v", chk)
	}
	if err := gitops.Rebase(ctx, local(s), s.Dir); err != nil {
		t.Fatal(err)
	}
	head, err := gitops.RevParse(ctx, local(s), s.Dir, "HEAD")
	if err != nil || head != sha {
		t.Fatalf("after rebase HEAD %s (%v), want %s", head, err, sha)
	}
	c, ok, err := gitops.FindByChangeID(ctx, local(s), s.Dir, "HEAD", id)
	if err != nil || !ok || c.SHA != sha {
		t.Fatalf("FindByChangeID: %v %v %+v", err, ok, c)
	}
	if _, ok, _ := gitops.FindByChangeID(ctx, local(s), s.Dir, "HEAD", gitopstest.ChangeID(99)); ok {
		t.Fatal("found a Change-Id that is nowhere")
	}
}

func TestIncomingExtraCommitFlagged(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	ctx := context.Background()
	id := gitopstest.ChangeID(2)
	extra := s.Land(gitopstest.CoreProject, s.Branch, "Direct push nobody reviewed\n", map[string]string{"includes/Setup.php": "<?php\n// surprise\n"})
	mine := s.Land(gitopstest.CoreProject, s.Branch, gitopstest.Message("cache: fix TTL", id, "T1"), map[string]string{"includes/cache/Cache.php": "<?php\nclass Cache {\n\tconst TTL = 3600;\n}\n"})
	if err := gitops.Fetch(ctx, local(s), s.CoreDir); err != nil {
		t.Fatal(err)
	}
	in, err := gitops.Incoming(ctx, local(s), s.CoreDir)
	if err != nil {
		t.Fatal(err)
	}
	chk := gitops.CheckIncoming(in, []string{id, gitopstest.ChangeID(3)})
	if incomingOK(chk) || len(chk.Extra) != 1 || chk.Extra[0].SHA != extra || chk.Matched[id][0].SHA != mine {
		t.Fatalf("check %+v", chk)
	}
	if len(chk.Missing) != 1 || chk.Missing[0] != gitopstest.ChangeID(3) {
		t.Fatalf("missing %v", chk.Missing)
	}
	if moved, err := gitops.ChangedSubmodules(ctx, local(s), s.CoreDir, "HEAD", "@{u}"); err != nil || len(moved) != 0 {
		t.Fatalf("core-only commits moved submodules %v (%v)", moved, err)
	}
}

func TestIncomingMergeCommitIsPartOfTheChange(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	ctx := context.Background()
	id := gitopstest.ChangeID(4)
	change, merge := s.LandMerge(gitopstest.CoreProject, s.Branch, gitopstest.Message("Title: fix", id),
		map[string]string{"includes/Title.php": "<?php\nclass Title { /* fix */ }\n"},
		map[string]string{"includes/Setup.php": "<?php\n// other\n"})
	if err := gitops.Fetch(ctx, local(s), s.CoreDir); err != nil {
		t.Fatal(err)
	}
	in, err := gitops.Incoming(ctx, local(s), s.CoreDir)
	if err != nil {
		t.Fatal(err)
	}
	chk := gitops.CheckIncoming(in, []string{id})
	if len(chk.Merges) != 1 || chk.Merges[0].SHA != merge || chk.Matched[id][0].SHA != change {
		t.Fatalf("check %+v", chk)
	}
	// The commit that landed first is nobody's change: flagged.
	if len(chk.Extra) != 1 || chk.Extra[0].Subject != "Unrelated commit landing first" {
		t.Fatalf("extra %+v", chk.Extra)
	}
}

func TestExtensionBumpMatchedAndSubmoduleChecked(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	ctx := context.Background()
	id := gitopstest.ChangeID(5)
	ext, bump := s.LandExtension("Echo: fix notification count (T2)", id, map[string]string{"includes/Hooks.php": "<?php\nclass Hooks { /* count */ }\n"})
	if err := gitops.Fetch(ctx, local(s), s.CoreDir); err != nil {
		t.Fatal(err)
	}
	in, err := gitops.Incoming(ctx, local(s), s.CoreDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(in) != 1 || in[0].SHA != bump || len(in[0].ChangeIDs) != 1 || in[0].ChangeIDs[0] != id {
		t.Fatalf("the bump commit's indented Change-Id: %+v", in)
	}
	if chk := gitops.CheckIncoming(in, []string{id}); !incomingOK(chk) {
		t.Fatalf("check %+v", chk)
	}
	moved, err := gitops.ChangedSubmodules(ctx, local(s), s.CoreDir, "HEAD", "@{u}")
	if err != nil || len(moved) != 1 || moved[0] != "extensions/Echo" {
		t.Fatalf("moved submodules %v %v", moved, err)
	}
	patch, err := gitops.LogPatch(ctx, local(s), s.CoreDir, true)
	if err != nil {
		t.Fatal(err)
	}
	pcs, err := gitops.ParsePatchLog(patch)
	if err != nil {
		t.Fatal(err)
	}
	if len(pcs) != 1 || len(pcs[0].Files) != 1 || pcs[0].Files[0].NewName != "extensions/Echo/includes/Hooks.php" {
		t.Fatalf("--submodule=diff log: %+v\n%s", pcs, patch)
	}
	if err := gitops.Rebase(ctx, local(s), s.CoreDir); err != nil {
		t.Fatal(err)
	}
	// Rebased but submodule not updated yet: the check must see it.
	st, err := gitops.SubmoduleCommit(ctx, local(s), s.CoreDir, "extensions/Echo")
	if err != nil {
		t.Fatal(err)
	}
	if st.Recorded != ext || st.Relation != gitops.SubBehind {
		t.Fatalf("before update: %+v", st)
	}
	if err := gitops.SubmoduleUpdate(ctx, local(s), s.CoreDir, "extensions/Echo"); err != nil {
		t.Fatal(err)
	}
	st, err = gitops.SubmoduleCommit(ctx, local(s), s.CoreDir, "extensions/Echo")
	if err != nil {
		t.Fatal(err)
	}
	if st.Recorded != ext || st.CheckedOut != ext || st.Relation != gitops.SubSame {
		t.Fatalf("after update: %+v", st)
	}
	b, err := os.ReadFile(filepath.Join(s.EchoDir(), "includes/Hooks.php"))
	if err != nil || !strings.Contains(string(b), "count") {
		t.Fatalf("extension file not updated: %q %v", b, err)
	}
}

func TestSubmoduleUninitialised(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	s.Git(s.CoreDir, "submodule", "deinit", "-q", "-f", "extensions/Echo")
	st, err := gitops.SubmoduleCommit(context.Background(), local(s), s.CoreDir, "extensions/Echo")
	if err != nil {
		t.Fatal(err)
	}
	if st.Relation != gitops.SubUninitState || st.CheckedOut != "" {
		t.Fatalf("%+v", st)
	}
}

// SubmoduleCommit says "records no submodule" only when git answered so (a
// path HEAD has nothing at); git failing for another reason (the directory
// is no repository) is reported as git's own error.
func TestSubmoduleCommitSaysOnlyWhatGitSaid(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	ctx := context.Background()
	_, err := gitops.SubmoduleCommit(ctx, local(s), s.CoreDir, "extensions/Nope")
	var ge *gitops.Error
	if !asError(err, &ge) || ge.ExitCode != 1 || !strings.Contains(err.Error(), s.CoreDir+" records no submodule at extensions/Nope") {
		t.Fatalf("a path that is no submodule: %v", err)
	}
	// s.Root exists but is no repository (nor inside one: the ceiling stops git's search).
	run := withEnv(local(s), []string{"GIT_CEILING_DIRECTORIES=" + filepath.Dir(s.Root)})
	_, err = gitops.SubmoduleCommit(ctx, run, s.Root, "extensions/Echo")
	if !asError(err, &ge) || ge.ExitCode != 128 || !strings.Contains(err.Error(), "not a git repository") {
		t.Fatalf("not a repository: %v", err)
	}
	if strings.Contains(err.Error(), "records no submodule") {
		t.Fatalf("not a repository reported as no submodule: %v", err)
	}
}

func TestRebaseConflictIsAborted(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	ctx := context.Background()
	s.LocalCommit(s.CoreDir, "SECURITY: patch Title", map[string]string{"includes/Title.php": "<?php\nclass Title { /* local */ }\n"})
	before, _ := gitops.RevParse(ctx, local(s), s.CoreDir, "HEAD")
	s.Land(gitopstest.CoreProject, s.Branch, gitopstest.Message("Title: upstream", gitopstest.ChangeID(6)), map[string]string{"includes/Title.php": "<?php\nclass Title { /* upstream */ }\n"})
	if err := gitops.Fetch(ctx, local(s), s.CoreDir); err != nil {
		t.Fatal(err)
	}
	err := gitops.Rebase(ctx, local(s), s.CoreDir)
	if err == nil || !strings.Contains(err.Error(), "rebase aborted") {
		t.Fatalf("conflicting rebase: %v", err)
	}
	after, _ := gitops.RevParse(ctx, local(s), s.CoreDir, "HEAD")
	st, serr := gitops.Status(ctx, local(s), s.CoreDir)
	if serr != nil || after != before || st.Branch != s.Branch || len(st.Entries) != 0 {
		t.Fatalf("checkout not restored: head %s→%s, %+v %v", before, after, st, serr)
	}
}

func TestFetchNetworkErrorIsTemporary(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	s.Git(s.Dir, "remote", "set-url", "origin", "http://127.0.0.1:1/operations/mediawiki-config")
	err := gitops.Fetch(context.Background(), local(s), s.Dir)
	var ge *gitops.Error
	if err == nil || !asError(err, &ge) || !ge.Temporary() {
		t.Fatalf("fetch from a dead remote: %v", err)
	}
	if !strings.Contains(err.Error(), "git fetch in "+s.Dir+" on deploy1002 exited 128") {
		t.Fatalf("message %q", err)
	}
	// A non-network failure is not temporary.
	err = gitops.Rebase(context.Background(), local(s), filepath.Join(s.Root, "nowhere"))
	if err == nil || (asError(err, &ge) && ge.Temporary()) {
		t.Fatalf("rebase in a missing dir: %v", err)
	}
}

// A command in a directory that does not exist runs nowhere (not in the
// test's own directory, a checkout of porthole) and says so, also with the
// git settings given with the command (Command.Env): Rebase does not report
// success, nor try `git rebase --abort`.
func TestMissingDirIsAnError(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	checkMissingDir(t, s, local(s), "deploy1002")
}

// checkMissingDir runs Rebase, Fetch, Status and SubmoduleCommit through run
// in a directory of s that does not exist on host: each must fail with the
// *remote.DirError alone.
func checkMissingDir(t *testing.T, s *gitopstest.Staging, run gitops.Run, host string) {
	t.Helper()
	ctx := context.Background()
	nowhere := filepath.Join(s.Root, "nowhere")
	var cmds []string
	run = recordingRun(run, &cmds)
	errs := map[string]error{"rebase": gitops.Rebase(ctx, run, nowhere), "fetch": gitops.Fetch(ctx, run, nowhere)}
	_, errs["status"] = gitops.Status(ctx, run, nowhere)
	_, errs["submodule"] = gitops.SubmoduleCommit(ctx, run, nowhere, "extensions/Echo")
	for name, err := range errs {
		var de *remote.DirError
		if !errors.As(err, &de) || de.Dir != nowhere || de.Host != host {
			t.Errorf("%s in a missing dir: %v", name, err)
			continue
		}
		// The command never ran: the message is the directory's, naming no git command.
		if want := nowhere + " does not exist on " + host; err.Error() != want {
			t.Errorf("%s: %q, want %q", name, err, want)
		}
	}
	if len(cmds) != len(errs) {
		t.Errorf("commands run: %q (one each: no rebase --abort)", cmds)
	}
}

// recordingRun is run, keeping every command line it runs in cmds.
func recordingRun(run gitops.Run, cmds *[]string) gitops.Run {
	return func(ctx context.Context, cmd remoteCommand) (remoteResult, error) {
		*cmds = append(*cmds, cmd.Cmd)
		return run(ctx, cmd)
	}
}

func TestReadFileAndSubmodules(t *testing.T) {
	t.Parallel()
	s := gitopstest.NewIsolated(t)
	ctx := context.Background()
	b, err := gitops.ReadFile(ctx, local(s), s.Dir, "wikiversions.json")
	if err != nil || !strings.Contains(string(b), `"php-`+gitopstest.Version+`"`) {
		t.Fatalf("%s %v", b, err)
	}
	if _, err := gitops.ReadFile(ctx, local(s), s.Dir, "no such file.json"); err == nil {
		t.Fatal("missing file must fail")
	}
	subs, err := gitops.Submodules(ctx, local(s), s.CoreDir)
	if err != nil || len(subs) != 1 {
		t.Fatalf("%+v %v", subs, err)
	}
	if subs[0].Path != "extensions/Echo" || !subs[0].Matches(gitopstest.EchoProject) || subs[0].Matches("mediawiki/extensions/Flow") {
		t.Fatalf("%+v", subs[0])
	}
	if _, err := gitops.FindSubmodule(subs, "mediawiki/extensions/Flow", s.CoreDir); err == nil || !strings.Contains(err.Error(), "not a submodule") {
		t.Fatalf("FindSubmodule: %v", err)
	}
	none, err := gitops.Submodules(ctx, local(s), s.Dir)
	if err != nil || len(none) != 0 {
		t.Fatalf("config repo has no submodules: %v %v", none, err)
	}
	ok, err := gitops.DirExists(ctx, local(s), s.CoreDir)
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	ok, _ = gitops.DirExists(ctx, local(s), s.Dir+"/php-1.99.0-wmf.1")
	if ok {
		t.Fatal("missing dir exists?")
	}
}

func TestSubmoduleProjectFromURL(t *testing.T) {
	for url, want := range map[string]string{
		"https://gerrit.wikimedia.org/r/mediawiki/extensions/Echo":    "mediawiki/extensions/Echo",
		"https://gerrit.wikimedia.org/r/mediawiki/skins/Vector.git":   "mediawiki/skins/Vector",
		"/tmp/x/origin/mediawiki/extensions/Echo.git":                 "tmp/x/origin/mediawiki/extensions/Echo",
		"ssh://user@gerrit.wikimedia.org:29418/mediawiki/vendor.git/": "mediawiki/vendor",
	} {
		if got := (gitops.Submodule{URL: url}).Project(); got != want {
			t.Errorf("%s → %q, want %q", url, got, want)
		}
	}
	rel := gitops.Submodule{Path: "skins/Vector", URL: "../../skins/Vector"}
	if !rel.Matches("mediawiki/skins/Vector") {
		t.Error("relative URL must match by path")
	}
}

// incomingOK is true when the incoming commits are exactly the expected changes.
func incomingOK(c gitops.IncomingCheck) bool { return len(c.Extra) == 0 && len(c.Missing) == 0 }
