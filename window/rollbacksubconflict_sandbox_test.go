package window_test

import (
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

// TestSandboxRollbackSubmodulePatchConflict rolls back an Echo bump while
// Echo's checkout carries a security patch on the very line the bump
// changed: the patch cannot be replayed on the old commit. The rollback
// stops saying where things stand: core reset to its HEAD before the
// rebase, Echo back at the bumped commit with its patch (the rebase
// aborted), the test servers not re-synced, and the git rebase --onto to
// run by hand. Retried as left, it stops the same way (it does not sync the
// bump back to the test servers); done by hand as said, the retry goes
// through, the window is rolled back and mwdebug serves the old Echo with
// the patch. The same with the window stopped after the first failure and
// resumed: the journaled commits are replayed from, not the reset HEAD's.
func TestSandboxRollbackSubmodulePatchConflict(t *testing.T) {
	for _, resume := range []bool{false, true} {
		t.Run(map[bool]string{false: "retried", true: "resumed"}[resume], func(t *testing.T) {
			rollbackPatchConflict(t, resume)
		})
	}
}

// rollbackPatchConflict runs TestSandboxRollbackSubmodulePatchConflict,
// stopping the window after the first failure and resuming it when resume.
func rollbackPatchConflict(t *testing.T, resume bool) {
	t.Parallel() // a sandbox of its own
	sb, env := runbookstest.StartSandbox(t)
	php := "php-" + sb.Version
	core := sb.StagingDir() + "/" + php
	echo := core + "/extensions/Echo"
	model := "includes/Formatters/EchoMentionPresentationModel.php"
	file := php + "/extensions/Echo/" + model
	debug := sb.Config.Hosts[config.RoleTestServers][0]
	coreBefore := deployGit(t, env, core, "rev-parse", "HEAD")
	old := strings.Fields(deployGit(t, env, core, "ls-tree", "HEAD", "extensions/Echo"))[2]
	p, err := runbooks.Build(context.Background(), env, "backport", map[string]string{"changes": strconv.Itoa(sb.Changes["extension"])})
	if err != nil {
		t.Fatal(err)
	}
	var new, patch string
	var served []byte // what mwdebug serves when the owner is asked: the bump
	var failures []string
	escaped := `sed "s|^\(\t\t\t'[^']*',\)$|\1 // escaped|"` // the patch, on a line ending '…', or '...',
	escape := escaped + " -i " + model
	answer := func(g runbooks.GateRequest) string {
		switch {
		case g.StepID == "owner-verify" && !strings.HasSuffix(g.Gate.Prompt, "Retry it?") && patch != "":
			return "r" // asked again on resume
		case g.StepID == "owner-verify" && !strings.HasSuffix(g.Gate.Prompt, "Retry it?"):
			new = deployGit(t, env, echo, "rev-parse", "HEAD")
			served, _ = sb.ReadAppServerFile(debug, file)
			// the security patch rewrites the line the bump wrote
			deployRun(t, env, echo, escape)
			deployGit(t, env, echo, "-c", "user.name=Security Team", "-c", "user.email=security@example.org",
				"commit", "-q", "-a", "-m", "SECURITY: Escape mention titles")
			patch = deployGit(t, env, echo, "rev-parse", "HEAD")
			return "r"
		case !strings.HasSuffix(g.Gate.Prompt, "Retry it?"):
			return "y"
		}
		failures = append(failures, g.StepID+": "+g.Gate.Prompt)
		if b, _ := sb.ReadAppServerFile(debug, file); string(b) != string(served) {
			t.Errorf("mwdebug's Echo changed before the rollback was done: %q, was %q", b, served)
		}
		switch len(failures) {
		case 1: // as the first failure left it; retried as it is
			if got := deployGit(t, env, core, "rev-parse", "HEAD"); got != coreBefore {
				t.Errorf("core is at %s, want its HEAD before the rebase %s", got, coreBefore)
			}
			checkReplayAborted(t, env, echo, patch)
			if resume {
				return "n" // the window stops; resumed below
			}
			return "r"
		case 2: // the deployer does what the error says, then retries
			deployRun(t, env, echo, "git rebase --onto "+old+" "+new+" >/dev/null 2>&1 || true")
			deployRun(t, env, echo, "git show "+old+":"+model+" > "+model+" && "+escape+" && git add "+model)
			deployGit(t, env, echo, "-c", "core.editor=true", "rebase", "--continue")
			return "r"
		}
		return "n"
	}
	run := runSandbox(t, env, p, runbooks.RunOptions{AskOnFailure: true}, answer)
	if resume {
		state, err := journal.LoadWindow(run.r.Journal().Path())
		if err != nil {
			t.Fatal(err)
		}
		rp, opts, err := runbooks.Resume(context.Background(), env, state)
		if err != nil {
			t.Fatalf("resuming after the first failure (%v): %v", run.err, err)
		}
		opts.AskOnFailure = true
		run = runSandbox(t, env, rp, opts, answer)
	}
	if len(failures) != 2 {
		t.Fatalf("the rollback failed %d time(s), want 2 (err %v): %q", len(failures), run.err, failures)
	}
	replay := "in " + echo + " run `git rebase --onto " + old + " " + new + "`"
	for i, f := range failures {
		for _, w := range []string{"owner-verify: ",
			"rolling back " + core + " stopped at its submodules: it is reset to " + coreBefore[:10] + " (its HEAD before the rebase",
			"the test servers were not re-synced: they still serve the window's change(s)",
			"`git rebase --abort` ran, so extensions/Echo is back where it was: at " + new[:10] + " with its 1 security patch(es) on top",
			"not at the " + old[:10] + " the superproject records", replay,
		} {
			if !strings.Contains(f, w) {
				t.Errorf("failure %d does not say %q:\n%s", i+1, w, f)
			}
		}
	}
	if !errors.Is(run.err, runbooks.ErrRolledBack) {
		t.Fatalf("after the patch was replayed by hand: %v, want a rolled-back window", run.err)
	}
	if got := deployGit(t, env, echo, "log", "--format=%s", old+"..HEAD"); got != "SECURITY: Escape mention titles" {
		t.Errorf("Echo has %q on top of %s", got, old[:10])
	}
	want := deployRun(t, env, echo, "git show "+old+":"+model+" | "+escaped)
	if b, _ := sb.ReadAppServerFile(debug, file); string(b) != want || !strings.Contains(want, "// escaped") {
		t.Errorf("mwdebug's Echo after the rollback:\n%s\nwant the old one with the patch:\n%s", b, want)
	}
	w, err := journal.LoadWindow(run.r.Journal().Path())
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Facts.Repo(php).RollbackGitlinks["extensions/Echo"]; got != new {
		t.Errorf("the journal records Echo at %q before the rollback, want %s", got, new)
	}
}
