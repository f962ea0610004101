package window_test

import (
	"context"
	"strings"
	"testing"

	"porthole/config"
	"porthole/runbooks"
	"porthole/runbooks/runbookstest"
	"porthole/sandbox"
)

// TestSandboxRevertSubmodulePatchConflict reverts an Echo bump whose
// checkout carries a security patch on the very lines the bump changed: the
// patch cannot be replayed on the old commit. The revert stops with staging
// consistent and says exactly how: the superproject's revert is committed,
// Echo is back at the bumped commit with its patch (the rebase aborted, no
// rebase in progress), nothing was synced, and the command to replay the
// patch by hand, in Echo's directory. Retried without that done, the step
// still refuses (it does not sync the reverted change); done by hand as
// said, the retry goes through and the revert is live.
func TestSandboxRevertSubmodulePatchConflict(t *testing.T) {
	t.Parallel() // a sandbox of its own
	sb, env := runbookstest.StartSandbox(t)
	php := "php-" + sb.Version
	core := sb.StagingDir() + "/" + php
	echo := core + "/extensions/Echo"
	hooks := php + "/extensions/Echo/includes/Hooks.php"
	apps := sb.Config.Hosts[config.RoleAppServers]
	if _, err := sb.Gerrit.PushDirect(sandbox.ProjectEcho, "wmf/"+sb.Version, "Hooks: log hooks twice",
		map[string]string{"includes/Hooks.php": "<?php\n// twice\n"}); err != nil {
		t.Fatal(err)
	}
	sha := hostGit(t, "/", "--git-dir="+sb.Gerrit.RepoPath(sandbox.ProjectCore), "rev-parse", "wmf/"+sb.Version)
	old := strings.Fields(deployGit(t, env, core, "ls-tree", "HEAD", "extensions/Echo"))[2]
	deployGit(t, env, core, "fetch", "-q")
	deployGit(t, env, core, "reset", "-q", "--hard", "@{u}") // the bump deployed
	deployGit(t, env, core, "submodule", "update", "-q", "extensions/Echo")
	new := deployGit(t, env, echo, "rev-parse", "HEAD")
	// the security patch rewrites the line the bump wrote
	deployRun(t, env, echo, `printf '<?php\n// twice, escaped\n' > includes/Hooks.php`)
	deployGit(t, env, echo, "-c", "user.name=Security Team", "-c", "user.email=security@example.org",
		"commit", "-q", "-a", "-m", "SECURITY: Escape hook names")
	patch := deployGit(t, env, echo, "rev-parse", "HEAD")
	liveBefore, err := sb.ReadAppServerFile(apps[0], hooks)
	if err != nil {
		t.Fatal(err)
	}
	n := "4300"
	rp, err := runbooks.Build(context.Background(), env, "revert", map[string]string{"changes": n, "merged:" + n: sha, "repo:" + n: core,
		"syncpath:" + n: php + "/extensions/Echo", "subject:" + n: "test submodule patch conflict",
		"project:" + n: sandbox.ProjectCore, "branch:" + n: "wmf/" + sb.Version})
	if err != nil {
		t.Fatal(err)
	}
	replay := "in " + echo + " run `git rebase --onto " + old + " " + new + "`"
	var failures []string
	answer := func(g runbooks.GateRequest) string {
		if !strings.HasSuffix(g.Gate.Prompt, "Retry it?") {
			return "y"
		}
		failures = append(failures, g.Gate.Prompt)
		if b, _ := sb.ReadAppServerFile(apps[0], hooks); string(b) != string(liveBefore) {
			t.Errorf("an app server's Echo changed before the revert was done: %q, was %q", b, liveBefore)
		}
		switch len(failures) {
		case 1: // as the first failure left it; retried as it is
			checkPatchConflictStaging(t, env, core, echo, old, patch)
			return "r"
		case 2: // the deployer does what the error says, then retries
			deployRun(t, env, echo, "git rebase --onto "+old+" "+new+" >/dev/null 2>&1 || true")
			deployRun(t, env, echo, `printf '<?php\n// once, escaped\n' > includes/Hooks.php && git add includes/Hooks.php`)
			deployGit(t, env, echo, "-c", "core.editor=true", "rebase", "--continue")
			return "r"
		}
		return "n"
	}
	run := runSandbox(t, env, rp, runbooks.RunOptions{AskOnFailure: true}, answer)
	if len(failures) != 2 {
		t.Fatalf("the revert step failed %d time(s), want 2 (err %v): %q", len(failures), run.err, failures)
	}
	reverted := deployGit(t, env, core, "rev-parse", "HEAD")[:10]
	for i, want := range [][]string{{
		"the revert of " + sha[:10] + " is committed in " + core + " as " + reverted, "nothing has been synced",
		"`git rebase --abort` ran, so extensions/Echo is back where it was: at " + new[:10] + " with its 1 security patch(es) on top",
		"not at the " + old[:10] + " the superproject records", replay,
	}, {
		"the revert of " + sha[:10] + " is committed in " + core + " as " + reverted, "nothing has been synced",
		"extensions/Echo still has " + new[:10] + ", the commit the reverted change moved it to", replay,
	}} {
		for _, w := range want {
			if !strings.Contains(failures[i], w) {
				t.Errorf("failure %d does not say %q:\n%s", i+1, w, failures[i])
			}
		}
	}
	if run.err != nil {
		t.Fatalf("after the patch was replayed by hand: %v", run.err)
	}
	if got := deployGit(t, env, echo, "log", "--format=%s", old+"..HEAD"); got != "SECURITY: Escape hook names" {
		t.Errorf("Echo has %q on top of %s", got, old[:10])
	}
	if b, _ := sb.ReadAppServerFile(apps[0], hooks); string(b) != "<?php\n// once, escaped\n" {
		t.Errorf("the app servers' Echo after the revert: %q", b)
	}
}

// checkPatchConflictStaging: core's HEAD is the revert and records old for
// Echo; Echo is at patch, clean, with no rebase in progress.
func checkPatchConflictStaging(t *testing.T, env *runbooks.Env, core, echo, old, patch string) {
	t.Helper()
	if subj := deployGit(t, env, core, "log", "-1", "--format=%s"); !strings.HasPrefix(subj, "Revert ") {
		t.Errorf("core's HEAD is %q, want the revert", subj)
	}
	if rec := strings.Fields(deployGit(t, env, core, "ls-tree", "HEAD", "extensions/Echo"))[2]; rec != old {
		t.Errorf("core records Echo at %s, want the old %s", rec, old)
	}
	checkReplayAborted(t, env, echo, patch)
}

// checkReplayAborted: Echo (checked out in echo) is at patch, where
// it was before a replay that conflicted, clean, with no rebase in progress.
func checkReplayAborted(t *testing.T, env *runbooks.Env, echo, patch string) {
	t.Helper()
	if head := deployGit(t, env, echo, "rev-parse", "HEAD"); head != patch {
		t.Errorf("Echo is at %s, want where it was, %s (the patch)", head, patch)
	}
	if st := deployGit(t, env, echo, "status", "--porcelain"); st != "" {
		t.Errorf("Echo's checkout is not clean: %q", st)
	}
	for _, d := range []string{"rebase-merge", "rebase-apply"} {
		p := deployGit(t, env, echo, "rev-parse", "--path-format=absolute", "--git-path", d)
		if out := deployRun(t, env, echo, "test -e "+p+" && echo yes || true"); strings.TrimSpace(out) != "" {
			t.Errorf("a rebase is still in progress in Echo (%s)", p)
		}
	}
}
