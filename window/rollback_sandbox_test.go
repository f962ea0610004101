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
	"porthole/sandbox"
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

// echoRollback is a sandbox whose core checkout sets Echo's update to
// rebase (as scap prep does), a window on the Echo change, and what mwdebug
// served before it.
type echoRollback struct {
	sb         *sandbox.Sandbox
	env        *runbooks.Env
	core, echo string // the php-X checkout and its Echo submodule on the deployment host
	file       string // the change's file, relative to the staging dir
	debug      []string
	before     []byte
	p          *runbooks.Plan
}

// newEchoRollback starts the sandbox; setup, when not nil, runs before the
// window is built (a security patch in Echo's checkout).
func newEchoRollback(t *testing.T, setup func(env *runbooks.Env, echo string)) *echoRollback {
	t.Helper()
	sb, env := runbookstest.StartSandbox(t)
	php := "php-" + sb.Version
	f := &echoRollback{sb: sb, env: env, core: sb.StagingDir() + "/" + php}
	f.echo = f.core + "/extensions/Echo"
	deployGit(t, env, f.core, "config", "submodule.extensions/Echo.update", "rebase")
	if setup != nil {
		setup(env, f.echo)
	}
	f.file = php + "/extensions/Echo/includes/Formatters/EchoMentionPresentationModel.php"
	f.debug = sb.Config.Hosts[config.RoleTestServers]
	var err error
	if f.before, err = sb.ReadAppServerFile(f.debug[0], f.file); err != nil {
		t.Fatal(err)
	}
	if f.p, err = runbooks.Build(context.Background(), env, "backport", map[string]string{"changes": strconv.Itoa(sb.Changes["extension"])}); err != nil {
		t.Fatal(err)
	}
	return f
}

// rollBack runs the window, answering r (roll back) at the owner's
// verification after atVerify (when not nil), and wants it rolled back.
func (f *echoRollback) rollBack(t *testing.T, atVerify func()) {
	t.Helper()
	run := runSandbox(t, f.env, f.p, runbooks.RunOptions{}, func(g runbooks.GateRequest) string {
		if g.StepID == "owner-verify" {
			if atVerify != nil {
				atVerify()
			}
			return "r"
		}
		return "y"
	})
	if !errors.Is(run.err, runbooks.ErrRolledBack) {
		t.Fatalf("want a rolled-back window, got %v", run.err)
	}
}

// servesOld fails the test when a test server still serves the change.
func (f *echoRollback) servesOld(t *testing.T) {
	t.Helper()
	for _, h := range f.debug {
		if got, err := f.sb.ReadAppServerFile(h, f.file); err != nil || !bytes.Equal(got, f.before) {
			t.Fatalf("%s still serves the extension change after the rollback (%v)", h, err)
		}
	}
}

// TestSandboxRollbackKeepsExtensionSecurityPatch: an extension change is
// rolled back while the extension's checkout carries a security patch and
// update=rebase (as scap prep sets it): the extension goes back to its old
// commit with only the patch on top, and mwdebug serves the old code.
func TestSandboxRollbackKeepsExtensionSecurityPatch(t *testing.T) {
	t.Parallel() // a sandbox of its own
	var patched string
	f := newEchoRollback(t, func(env *runbooks.Env, echo string) {
		deployGit(t, env, echo, "-c", "user.name=Security Team", "-c", "user.email=security@example.org",
			"commit", "-q", "--allow-empty", "-m", "SECURITY: Escape notification titles")
		patched = deployGit(t, env, echo, "rev-parse", "HEAD")
	})
	f.rollBack(t, nil)
	env, echo, core := f.env, f.echo, f.core
	if got := deployGit(t, env, echo, "rev-parse", "HEAD"); got != patched {
		recorded := strings.Fields(deployGit(t, env, core, "ls-tree", "HEAD", "extensions/Echo"))[2]
		if parent := deployGit(t, env, echo, "rev-parse", "HEAD^"); parent != recorded {
			t.Fatalf("Echo is at %s on %s, want the security patch alone on the old commit %s", got, parent, recorded)
		}
	}
	if subj := deployGit(t, env, echo, "log", "-1", "--format=%s"); subj != "SECURITY: Escape notification titles" {
		t.Errorf("the security patch is not on top of Echo: %q", subj)
	}
	f.servesOld(t)
}

// TestSandboxRollbackExtensionUpdateRebase: an extension change is rolled
// back while the extension has no security patch and update=rebase (as
// scap prep sets it). A plain `git submodule update` would be `git rebase
// OLD` on the new commit, which leaves it there: the extension must end
// at the old commit core records, and mwdebug serve the old code.
func TestSandboxRollbackExtensionUpdateRebase(t *testing.T) {
	t.Parallel() // a sandbox of its own
	f := newEchoRollback(t, nil)
	old := deployGit(t, f.env, f.echo, "rev-parse", "HEAD")
	moved := ""
	f.rollBack(t, func() { moved = deployGit(t, f.env, f.echo, "rev-parse", "HEAD") })
	if moved == old {
		t.Fatal("the window did not move Echo before the rollback")
	}
	if got := deployGit(t, f.env, f.echo, "rev-parse", "HEAD"); got != old {
		t.Fatalf("Echo is at %s after the rollback, want its old commit %s (the window moved it to %s)", got, old, moved)
	}
	f.servesOld(t)
}
