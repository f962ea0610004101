package window_test

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"porthole/config"
	"porthole/runbooks"
	"porthole/runbooks/journal"
	"porthole/runbooks/runbookstest"
)

// TestSandboxOwnerNotVerifiedRollsBack: the owner says it does not work on
// mwdebug; the deployer picks the rollback: staging goes back to its HEAD
// before the rebase (the security patch kept), the test servers serve the
// old code again, and the window ends "rolled back", not resumable. Then a
// window with two production syncs, the second declined, is paused, not
// stopped.
func TestSandboxOwnerNotVerifiedRollsBack(t *testing.T) {
	t.Parallel() // a sandbox of its own
	sb, env := runbookstest.StartSandbox(t)
	n := sb.Changes["core"]
	php := "php-" + sb.Version
	file := php + "/includes/api/ApiMain.php"
	debug := sb.Config.Hosts[config.RoleTestServers]
	before, err := sb.ReadAppServerFile(debug[0], file)
	if err != nil {
		t.Fatal(err)
	}
	p, err := runbooks.Build(context.Background(), env, "backport", map[string]string{"changes": strconv.Itoa(n)})
	if err != nil {
		t.Fatal(err)
	}
	onDebug := false
	run := runSandbox(t, env, p, runbooks.RunOptions{}, func(g runbooks.GateRequest) string {
		if g.StepID != "owner-verify" {
			return "y"
		}
		now, _ := sb.ReadAppServerFile(debug[0], file)
		onDebug = !bytes.Equal(now, before)
		return "r"
	})
	if !onDebug {
		t.Fatal("the change was not on mwdebug when the owner was asked")
	}
	if !errors.Is(run.err, runbooks.ErrRolledBack) {
		t.Fatalf("want a rolled-back window, got %v", run.err)
	}
	w, err := journal.LoadWindow(run.r.Journal().Path())
	if err != nil {
		t.Fatal(err)
	}
	if w.Status != journal.StatusRolledBack || w.Resumable() || !strings.Contains(w.Why(), "merged in Gerrit but not deployed") {
		t.Fatalf("journal: status %q resumable %v why %q", w.Status, w.Resumable(), w.Why())
	}
	core := sb.StagingDir() + "/" + php
	head := run.r.Facts().Repo(php).StatusHead
	if got := deployGit(t, env, core, "rev-parse", "HEAD"); head == "" || got != head {
		t.Fatalf("staging HEAD %s, want the HEAD before the rebase %s", got, head)
	}
	if subj := deployGit(t, env, core, "log", "-1", "--format=%s"); !strings.HasPrefix(subj, "SECURITY: ") {
		t.Errorf("the security patch is not on top any more: %q", subj)
	}
	for _, h := range append(debug, sb.Config.Hosts[config.RoleAppServers]...) {
		if got, err := sb.ReadAppServerFile(h, file); err != nil || !bytes.Equal(got, before) {
			t.Fatalf("%s still serves the change after the rollback (%v)", h, err)
		}
	}

	// two production syncs; "not now" at the second pauses the window
	p2, err := runbooks.Build(context.Background(), env, "backport",
		map[string]string{"changes": strconv.Itoa(sb.Changes["config"]) + " " + strconv.Itoa(sb.Changes["static"])})
	if err != nil {
		t.Fatal(err)
	}
	run2 := runSandbox(t, env, p2, runbooks.RunOptions{}, func(g runbooks.GateRequest) string {
		if g.StepID == "sync-2" {
			return "n"
		}
		return "y"
	})
	w2, err := journal.LoadWindow(run2.r.Journal().Path())
	if err != nil {
		t.Fatal(err)
	}
	if w2.Status != journal.StatusPaused || !w2.Resumable() || w2.StepState("sync-1") != runbooks.Done || !strings.Contains(w2.Why(), "paused") {
		t.Fatalf("declining the second sync: status %q resumable %v sync-1 %v why %q (err %v)", w2.Status, w2.Resumable(), w2.StepState("sync-1"), w2.Why(), run2.err)
	}
}

// TestSandboxRollbackKeepsExtensionSecurityPatch: an extension change is
// rolled back while the extension's checkout carries a security patch and
// update=rebase (as scap prep sets it): the extension goes back to its old
// commit with only the patch on top, and mwdebug serves the old code.
func TestSandboxRollbackKeepsExtensionSecurityPatch(t *testing.T) {
	t.Parallel() // a sandbox of its own
	sb, env := runbookstest.StartSandbox(t)
	php := "php-" + sb.Version
	core := sb.StagingDir() + "/" + php
	echo := core + "/extensions/Echo"
	deployGit(t, env, core, "config", "submodule.extensions/Echo.update", "rebase")
	deployGit(t, env, echo, "-c", "user.name=Security Team", "-c", "user.email=security@example.org",
		"commit", "-q", "--allow-empty", "-m", "SECURITY: Escape notification titles")
	patched := deployGit(t, env, echo, "rev-parse", "HEAD")
	file := php + "/extensions/Echo/includes/Formatters/EchoMentionPresentationModel.php"
	debug := sb.Config.Hosts[config.RoleTestServers]
	before, err := sb.ReadAppServerFile(debug[0], file)
	if err != nil {
		t.Fatal(err)
	}
	p, err := runbooks.Build(context.Background(), env, "backport", map[string]string{"changes": strconv.Itoa(sb.Changes["extension"])})
	if err != nil {
		t.Fatal(err)
	}
	run := runSandbox(t, env, p, runbooks.RunOptions{}, func(g runbooks.GateRequest) string {
		if g.StepID == "owner-verify" {
			return "r"
		}
		return "y"
	})
	if !errors.Is(run.err, runbooks.ErrRolledBack) {
		t.Fatalf("want a rolled-back window, got %v", run.err)
	}
	if got := deployGit(t, env, echo, "rev-parse", "HEAD"); got != patched {
		recorded := strings.Fields(deployGit(t, env, core, "ls-tree", "HEAD", "extensions/Echo"))[2]
		if parent := deployGit(t, env, echo, "rev-parse", "HEAD^"); parent != recorded {
			t.Fatalf("Echo is at %s on %s, want the security patch alone on the old commit %s", got, parent, recorded)
		}
	}
	if subj := deployGit(t, env, echo, "log", "-1", "--format=%s"); subj != "SECURITY: Escape notification titles" {
		t.Errorf("the security patch is not on top of Echo: %q", subj)
	}
	for _, h := range debug {
		if got, err := sb.ReadAppServerFile(h, file); err != nil || !bytes.Equal(got, before) {
			t.Fatalf("%s still serves the extension change after the rollback (%v)", h, err)
		}
	}
}

// TestSandboxRollbackExtensionUpdateRebase: an extension change is rolled
// back while the extension has no security patch and update=rebase (as
// scap prep sets it). A plain `git submodule update` would be `git rebase
// OLD` on the new commit, which leaves it there: the extension must end
// at the old commit core records, and mwdebug serve the old code.
func TestSandboxRollbackExtensionUpdateRebase(t *testing.T) {
	t.Parallel() // a sandbox of its own
	sb, env := runbookstest.StartSandbox(t)
	php := "php-" + sb.Version
	core := sb.StagingDir() + "/" + php
	echo := core + "/extensions/Echo"
	deployGit(t, env, core, "config", "submodule.extensions/Echo.update", "rebase")
	old := deployGit(t, env, echo, "rev-parse", "HEAD")
	file := php + "/extensions/Echo/includes/Formatters/EchoMentionPresentationModel.php"
	debug := sb.Config.Hosts[config.RoleTestServers]
	before, err := sb.ReadAppServerFile(debug[0], file)
	if err != nil {
		t.Fatal(err)
	}
	p, err := runbooks.Build(context.Background(), env, "backport", map[string]string{"changes": strconv.Itoa(sb.Changes["extension"])})
	if err != nil {
		t.Fatal(err)
	}
	moved := ""
	run := runSandbox(t, env, p, runbooks.RunOptions{}, func(g runbooks.GateRequest) string {
		if g.StepID == "owner-verify" {
			moved = deployGit(t, env, echo, "rev-parse", "HEAD")
			return "r"
		}
		return "y"
	})
	if !errors.Is(run.err, runbooks.ErrRolledBack) {
		t.Fatalf("want a rolled-back window, got %v", run.err)
	}
	if moved == old {
		t.Fatal("the window did not move Echo before the rollback")
	}
	if got := deployGit(t, env, echo, "rev-parse", "HEAD"); got != old {
		t.Fatalf("Echo is at %s after the rollback, want its old commit %s (the window moved it to %s)", got, old, moved)
	}
	for _, h := range debug {
		if got, err := sb.ReadAppServerFile(h, file); err != nil || !bytes.Equal(got, before) {
			t.Fatalf("%s still serves the extension change after the rollback (%v)", h, err)
		}
	}
}
