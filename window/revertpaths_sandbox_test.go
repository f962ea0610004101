package window_test

import (
	"context"
	"crypto/sha1"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"porthole/config"
	"porthole/remote"
	"porthole/runbooks"
	"porthole/runbooks/runbookstest"
	"porthole/sandbox"
)

// hostGit runs git in dir on this machine; a failure fails the test.
func hostGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=Direct Pusher", "GIT_AUTHOR_EMAIL=pusher@example.org",
		"GIT_COMMITTER_NAME=Direct Pusher", "GIT_COMMITTER_EMAIL=pusher@example.org")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s in %s: %v: %s", strings.Join(args, " "), dir, err, out)
	}
	return strings.TrimSpace(string(out))
}

// deployRun runs a command on the sandbox's deployment host over SSH.
func deployRun(t *testing.T, env *runbooks.Env, dir, cmd string) string {
	t.Helper()
	res := runOnDeploy(t, env, remote.Command{Cmd: cmd, Dir: dir})
	if res.ExitCode != 0 {
		t.Fatalf("%s in %s: exit %d: %s %s", cmd, dir, res.ExitCode, res.Stdout, res.Stderr)
	}
	return string(res.Stdout)
}

// landOnCore commits edit (git commands in a clone of core's wmf branch)
// straight into the emulator's repository, as a merge would, and returns it.
func landOnCore(t *testing.T, sb *sandbox.Sandbox, subject string, edit func(clone string)) string {
	t.Helper()
	clone := filepath.Join(t.TempDir(), "core")
	branch := "wmf/" + sb.Version
	hostGit(t, filepath.Dir(clone), "clone", "-q", "-b", branch, sb.Gerrit.RepoPath(sandbox.ProjectCore), clone)
	edit(clone)
	hostGit(t, clone, "add", "-A")
	hostGit(t, clone, "commit", "-q", "-m", fmt.Sprintf("%s\n\nChange-Id: I%x\n", subject, sha1.Sum([]byte(subject))))
	hostGit(t, clone, "push", "-q", "origin", "HEAD:refs/heads/"+branch)
	return hostGit(t, clone, "rev-parse", "HEAD")
}

// TestSandboxRevertSyncsWhatTheRevertChanged deploys commits that add,
// delete, rename and chmod files and bump a submodule, then reverts each as
// porthole does: what is synced comes from the revert's own diff, and every
// app server ends up as before the change.
func TestSandboxRevertSyncsWhatTheRevertChanged(t *testing.T) {
	t.Parallel() // each case lands, deploys and reverts in a sandbox of its own
	for i, name := range []string{"add", "delete", "rename", "mode", "submodule"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			revertCase(t, i, name)
		})
	}
	t.Run("submodule-security", func(t *testing.T) {
		t.Parallel()
		revertSubmoduleRebase(t, true)
	})
	t.Run("submodule-rebase", func(t *testing.T) {
		t.Parallel()
		revertSubmoduleRebase(t, false)
	})
}

// revertCaseSpec is one kind of change the revert test lands, deploys and reverts.
type revertCaseSpec struct {
	name   string
	land   func() string // lands the change, returns the commit reverted
	deploy []string      // what deploying it synced, relative to staging
	live   func() bool   // the change is live
	undone func() bool   // every app server is as before it
}

// revertCase lands, deploys and reverts case name (the i-th) in a sandbox of its own.
func revertCase(t *testing.T, i int, name string) {
	sb, env := runbookstest.StartSandbox(t)
	php := "php-" + sb.Version
	core := sb.StagingDir() + "/" + php
	apps := sb.Config.Hosts[config.RoleAppServers]
	exists := func(p string) bool {
		_, err := os.Lstat(filepath.Join(sb.AppServerDir(apps[len(apps)-1]), p))
		return err == nil
	}
	mode := func(p string) os.FileMode {
		st, err := os.Stat(filepath.Join(sb.AppServerDir(apps[0]), p))
		if err != nil {
			t.Fatal(err)
		}
		return st.Mode().Perm()
	}
	hooks := php + "/extensions/Echo/includes/Hooks.php"
	echoBefore, err := sb.ReadAppServerFile(apps[0], hooks)
	if err != nil {
		t.Fatal(err)
	}
	cases := []revertCaseSpec{
		{"add", func() string {
			return landOnCore(t, sb, "Add a poll API", func(c string) {
				_ = os.MkdirAll(filepath.Join(c, "includes/poll"), 0o755)
				_ = os.WriteFile(filepath.Join(c, "includes/poll/PollApi.php"), []byte("<?php\n// poll\n"), 0o644)
			})
		}, []string{php + "/includes/poll/PollApi.php"},
			func() bool { return exists(php + "/includes/poll/PollApi.php") },
			func() bool { return !exists(php+"/includes/poll/PollApi.php") && !exists(php+"/includes/poll") }},
		{"delete", func() string {
			return landOnCore(t, sb, "Remove Defines.php", func(c string) { hostGit(t, c, "rm", "-q", "includes/Defines.php") })
		}, []string{php + "/includes"},
			func() bool { return !exists(php + "/includes/Defines.php") },
			func() bool { return exists(php + "/includes/Defines.php") }},
		{"rename", func() string {
			return landOnCore(t, sb, "Move the parser", func(c string) {
				_ = os.MkdirAll(filepath.Join(c, "includes/parsing"), 0o755)
				hostGit(t, c, "mv", "includes/parser/Parser.php", "includes/parsing/Parser.php")
			})
		}, []string{php + "/includes"},
			func() bool {
				return exists(php+"/includes/parsing/Parser.php") && !exists(php+"/includes/parser/Parser.php")
			},
			func() bool {
				return !exists(php+"/includes/parsing/Parser.php") && exists(php+"/includes/parser/Parser.php")
			}},
		{"mode", func() string {
			return landOnCore(t, sb, "Make ApiMain executable", func(c string) {
				_ = os.Chmod(filepath.Join(c, "includes/api/ApiMain.php"), 0o755)
			})
		}, []string{php + "/includes/api/ApiMain.php"},
			func() bool { return mode(php+"/includes/api/ApiMain.php")&0o100 != 0 },
			func() bool { return mode(php+"/includes/api/ApiMain.php")&0o100 == 0 }},
		{"submodule", func() string {
			if _, err := sb.Gerrit.PushDirect(sandbox.ProjectEcho, "wmf/"+sb.Version, "Hooks: log every hook",
				map[string]string{"includes/Hooks.php": "<?php\n// every hook is logged\n"}); err != nil {
				t.Fatal(err)
			}
			return hostGit(t, "/", "--git-dir="+sb.Gerrit.RepoPath(sandbox.ProjectCore), "rev-parse", "wmf/"+sb.Version)
		}, []string{php + "/extensions/Echo"},
			func() bool {
				b, _ := sb.ReadAppServerFile(apps[0], hooks)
				return strings.Contains(string(b), "every hook")
			},
			func() bool { b, _ := sb.ReadAppServerFile(apps[0], hooks); return string(b) == string(echoBefore) }},
	}
	for _, tc := range cases {
		if tc.name != name {
			continue
		}
		func() {
			sha := tc.land()
			deployGit(t, env, core, "fetch", "-q")
			deployGit(t, env, core, "rebase", "-q")
			deployGit(t, env, core, "submodule", "update", "-q", "extensions/Echo")
			for _, p := range tc.deploy {
				deployRun(t, env, sb.StagingDir(), "scap sync-file "+remote.Quote(p)+" 'Backport: test deploy'")
			}
			if !tc.live() {
				t.Fatal("the change is not live after deploying it")
			}
			n := strconv.Itoa(4100 + i)
			params := map[string]string{"changes": n, "merged:" + n: sha, "repo:" + n: core,
				"syncpath:" + n: strings.Join(tc.deploy, "\n"), "subject:" + n: "test " + tc.name,
				"project:" + n: sandbox.ProjectCore, "branch:" + n: "wmf/" + sb.Version}
			rp, err := runbooks.Build(context.Background(), env, "revert", params)
			if err != nil {
				t.Fatal(err)
			}
			var syncs []string
			for _, s := range rp.Steps {
				if strings.HasPrefix(s.ID, "revert-sync-") {
					syncs = append(syncs, s.Command)
				}
			}
			t.Logf("revert syncs: %q", syncs)
			run := runSandbox(t, env, rp, runbooks.RunOptions{}, nil)
			if !tc.undone() {
				t.Fatalf("after the revert the app servers still have the change (syncs %q, err %v)", syncs, run.err)
			}
			for _, step := range []string{"revert", "revert-log"} {
				if st := run.r.States()[step]; st != runbooks.Done {
					t.Errorf("%s is %s: %v", step, st, run.err)
				}
			}
		}()
	}
}

// revertSubmoduleRebase: a submodule bump reverted with update=rebase (as
// scap prep sets it), the checkout carrying a security patch (patched) or
// not: the revert puts the submodule back at the old commit, with only the
// patch on top or exactly there (a plain `git submodule update` would leave
// it at the reverted commit, `git rebase OLD` being a no-op on it).
func revertSubmoduleRebase(t *testing.T, patched bool) {
	sb, env := runbookstest.StartSandbox(t)
	php := "php-" + sb.Version
	core := sb.StagingDir() + "/" + php
	apps := sb.Config.Hosts[config.RoleAppServers]
	hooks := php + "/extensions/Echo/includes/Hooks.php"
	if _, err := sb.Gerrit.PushDirect(sandbox.ProjectEcho, "wmf/"+sb.Version, "Hooks: log hooks twice",
		map[string]string{"includes/Hooks.php": "<?php\n// twice\n"}); err != nil {
		t.Fatal(err)
	}
	sha := hostGit(t, "/", "--git-dir="+sb.Gerrit.RepoPath(sandbox.ProjectCore), "rev-parse", "wmf/"+sb.Version)
	echo := core + "/extensions/Echo"
	old := deployGit(t, env, echo, "rev-parse", "HEAD")
	deployGit(t, env, core, "fetch", "-q")
	deployGit(t, env, core, "reset", "-q", "--hard", "@{u}") // the bump deployed
	deployGit(t, env, core, "submodule", "update", "-q", "extensions/Echo")
	if patched {
		deployGit(t, env, echo, "-c", "user.name=Security Team", "-c", "user.email=security@example.org",
			"commit", "-q", "--allow-empty", "-m", "SECURITY: Escape hook names")
	}
	params := func(n string) map[string]string {
		return map[string]string{"changes": n, "merged:" + n: sha, "repo:" + n: core,
			"syncpath:" + n: php + "/extensions/Echo", "subject:" + n: "test submodule security",
			"project:" + n: sandbox.ProjectCore, "branch:" + n: "wmf/" + sb.Version}
	}
	deployGit(t, env, core, "config", "submodule.extensions/Echo.update", "rebase")
	rp, err := runbooks.Build(context.Background(), env, "revert", params("4200"))
	if err != nil {
		t.Fatal(err)
	}
	if run := runSandbox(t, env, rp, runbooks.RunOptions{}, nil); run.err != nil {
		t.Fatalf("revert: %v", run.err)
	}
	recorded := strings.Fields(deployGit(t, env, core, "ls-tree", "HEAD", "extensions/Echo"))[2]
	if recorded != old {
		t.Fatalf("the revert records Echo at %s, want its old commit %s", recorded, old)
	}
	if !patched {
		if got := deployGit(t, env, echo, "rev-parse", "HEAD"); got != old {
			t.Errorf("Echo is at %s after the revert, want its old commit %s", got, old)
		}
	} else if parent := deployGit(t, env, echo, "rev-parse", "HEAD^"); parent != recorded {
		t.Errorf("Echo's patch sits on %s, want the commit the revert records %s", parent, recorded)
	} else if subj := deployGit(t, env, echo, "log", "-1", "--format=%s"); subj != "SECURITY: Escape hook names" {
		t.Errorf("the security patch is not on top of Echo after the revert: %q", subj)
	}
	if b, _ := sb.ReadAppServerFile(apps[0], hooks); strings.Contains(string(b), "twice") {
		t.Error("the reverted Echo change is still live")
	}
}
