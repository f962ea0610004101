package window_test

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"porthole/config"
	"porthole/gerrit/gerrittest"
	"porthole/internal/testreq"
	"porthole/remote"
	"porthole/runbooks"
	"porthole/runbooks/runbookstest"
	"porthole/sandbox"
	"porthole/window"
)

// deployGit runs git in dir on the sandbox's deployment host over SSH and
// returns its trimmed stdout; a failure fails the test.
func deployGit(t *testing.T, env *runbooks.Env, dir string, args ...string) string {
	t.Helper()
	ex, err := env.Hosts.One(config.RoleDeploy)
	if err != nil {
		t.Fatal(err)
	}
	res, err := ex.Run(context.Background(), remote.Command{Cmd: "git " + remote.QuoteAll(args...), Dir: dir, Keep: true})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("git %s in %s: %v exit %d: %s", strings.Join(args, " "), dir, err, res.ExitCode, res.Stderr)
	}
	return strings.TrimSpace(string(res.Stdout))
}

// emulatorChanges lists every change the emulator holds (numbers below 5000).
func emulatorChanges(srv *gerrittest.Server) []gerrittest.ChangeState {
	var out []gerrittest.ChangeState
	for n := 1; n < 5000; n++ { // the sandbox numbers its changes from 1000
		if st := srv.Change(n); st.Number != 0 {
			out = append(out, st)
		}
	}
	return out
}

// TestSandboxRevertNeverPublishesTheSecurityPatch backports a change in the
// sandbox, where the deployment host's checkout carries a local SECURITY
// commit on top of origin, then reverts it as the TUI's `r` does: the revert
// goes live on top of the security patch, but Gerrit receives the revert
// alone, built on @{u} (origin/BRANCH for a detached extension checkout),
// with the same Change-Id as the local revert.
func TestSandboxRevertNeverPublishesTheSecurityPatch(t *testing.T) {
	t.Parallel() // a sandbox of its own
	for _, kind := range []string{"core", "extension"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			testreq.Tmux(t) // a window runs scap detached in tmux
			sb, err := sandbox.Start(context.Background(), sandbox.Options{Dir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = sb.Close() })
			env := runbookstest.SandboxEnv(t, sb)
			n := sb.Changes[kind]
			num := strconv.Itoa(n)
			p, err := runbooks.Build(context.Background(), env, "backport", map[string]string{"changes": num})
			if err != nil {
				t.Fatal(err)
			}
			r, err := runbookstest.RunPlan(t, env, p, nil)
			if err != nil {
				t.Fatalf("backport window: %v", err)
			}
			facts := r.Facts()
			dir, deployed := facts.Change(n).Repo, facts.Change(n).Commit
			if dir == "" || deployed == "" {
				t.Fatalf("window facts lack repo/commit for %d: %+v", n, facts.Change(n))
			}
			if kind == "extension" {
				// the extension's checkout carries its own security patch, as production's can
				deployGit(t, env, dir, "-c", "user.name=Security Team", "-c", "user.email=security@example.org",
					"commit", "-q", "--allow-empty", "-m", "SECURITY: Escape notification titles\n\nBug: T393002\n")
			}
			security := strings.Fields(deployGit(t, env, dir, "log", "--format=%H", "--grep=^SECURITY: ", deployed+"..HEAD"))
			if len(security) != 1 {
				t.Fatalf("%s: want one local SECURITY commit above the deployed change, got %q", dir, security)
			}

			pressed := time.Now()
			rp, err := window.BuildRevertFrom(context.Background(), env, p, r.Facts())
			if err != nil {
				t.Fatal(err)
			}
			var synced time.Time
			var cmds []string
			r2, err := runbookstest.RunPlan(t, env, rp, func(e runbooks.Event) {
				switch ev := e.(type) {
				case runbooks.StepFinished:
					if strings.HasPrefix(ev.StepID, "revert-sync-") && ev.State == runbooks.Done {
						synced = time.Now()
					}
				case runbooks.CommandRun:
					cmds = append(cmds, ev.Result.Cmd)
				}
			})
			if err != nil {
				t.Fatalf("revert: %v", err)
			}
			t.Logf("REVERT TIMING (%s): press revert → old file on every app server: %s", kind, synced.Sub(pressed).Round(time.Millisecond))
			v := r2.Facts().Change(n)
			local, id := v.Reverted, v.RevertChangeID

			// on the deployment host: the revert is on top, the security patch is still there
			if head := deployGit(t, env, dir, "rev-parse", "HEAD"); head != local {
				t.Errorf("HEAD of %s is %s, want the local revert %s", dir, head, local)
			}
			if got := deployGit(t, env, dir, "log", "--format=%H", "-2"); got != local+"\n"+security[0] {
				t.Errorf("%s: want the revert on top of the security commit %s, got %q", dir, security[0], got)
			}
			msg := deployGit(t, env, dir, "log", "-1", "--format=%B", local)
			if !strings.Contains(msg, "\nChange-Id: "+id) || !strings.Contains(msg, "Reason for revert: ") {
				t.Errorf("local revert message lacks the Change-Id %s or the reason:\n%s", id, msg)
			}
			if wt := deployGit(t, env, dir, "worktree", "list", "--porcelain"); strings.Count(wt, "worktree ") != 1 {
				t.Errorf("a temporary worktree was left behind:\n%s", wt)
			}

			// in Gerrit: the revert change alone, with revert_of, and no trace of the security patch
			var revert gerrittest.ChangeState
			for _, st := range emulatorChanges(sb.Gerrit) {
				if strings.HasPrefix(st.Subject, "SECURITY") {
					t.Errorf("change %d is the SECURITY patch: %q", st.Number, st.Subject)
				}
				for _, rev := range st.Revisions {
					if rev == security[0] || rev == local {
						t.Errorf("change %d holds commit %s from the deployment host (its parent is the security patch)", st.Number, rev)
					}
				}
				if st.RevertOf == n {
					if revert.Number != 0 {
						t.Errorf("two reverts of %d: %d and %d", n, revert.Number, st.Number)
					}
					revert = st
				}
			}
			if revert.Number == 0 {
				t.Fatalf("no change in the emulator reverts %d", n)
			}
			if revert.ChangeID != id || revert.Status != "NEW" || revert.Topic != "revert-"+deployed {
				t.Errorf("revert change %d: Change-Id %s topic %q status %s, want %s, revert-%s, NEW", revert.Number, revert.ChangeID, revert.Topic, revert.Status, id, deployed)
			}
			if got := v.RevertChange; got != revert.Number {
				t.Errorf("window found revert change %d, emulator has %d", got, revert.Number)
			}
			// and the original change says where its revert is, as scap's comment does
			if msgs := strings.Join(sb.Gerrit.Change(n).Messages, "\n"); !strings.Contains(msgs, "created a revert of this change as "+id) {
				t.Errorf("change %d has no comment about its revert:\n%s", n, msgs)
			}
			bare := sb.Gerrit.RepoPath(revert.Project)
			if err := exec.Command("git", "--git-dir="+bare, "cat-file", "-e", security[0]+"^{commit}").Run(); err == nil {
				t.Errorf("the SECURITY commit %s reached Gerrit's %s repository", security[0], revert.Project)
			}
			out, err := exec.Command("git", "--git-dir="+bare, "rev-list", "refs/heads/"+revert.Branch+".."+revert.Revision).Output()
			if err != nil || strings.TrimSpace(string(out)) != revert.Revision {
				t.Errorf("the revert change is not one commit on %s: rev-list %q (%v)", revert.Branch, out, err)
			}
			var worktreeAdd bool
			for _, c := range cmds {
				worktreeAdd = worktreeAdd || strings.Contains(c, "git worktree add --detach")
			}
			if !worktreeAdd {
				t.Errorf("the transcript does not show the review commit being built in a worktree: %q", cmds)
			}
		})
	}
}
