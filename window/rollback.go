package window

import (
	"context"
	"fmt"
	"path"
	"strings"

	"porthole/config"
	"porthole/gitops"
	"porthole/internal/lazyre"
	"porthole/remote"
	"porthole/runbooks"
)

// ownerVerifyStep waits for the patch owner's word. "No, not verified"
// offers what scap backport offers: roll the window back.
func (bp *backport) ownerVerifyStep() *runbooks.Step {
	who := owners(bp.changes)
	return &runbooks.Step{
		ID: "owner-verify", Title: "Wait for " + who + " to verify on mwdebug", Role: config.RoleLocal,
		Gate: &runbooks.Gate{Kind: runbooks.GateChoice,
			Prompt: fmt.Sprintf("Has %s verified it on mwdebug with X-Wikimedia-Debug?", who),
			Detail: "Ask in #wikimedia-operations: the change is on the test servers; test it with the X-Wikimedia-Debug header (backend=mwdebug…) before it goes to every app server.\n" +
				changeList(bp.changes) + "\n\nRoll back: " + bp.rollbackOutline(),
			Choices: []runbooks.Choice{
				{Key: "y", Label: "Yes, verified: go on to production"},
				{Key: "r", Label: "No, it does not work: roll back (staging to its HEAD before the rebase, security patches kept; test servers re-synced) and end the window"},
				{Key: "n", Label: "Not yet: stop here, nothing is undone (resume later)"},
			},
			Default: "n"},
		Do: func(ctx context.Context, sc *runbooks.StepContext) error {
			if sc.Decision.Choice == "r" {
				return bp.rollback(ctx, sc)
			}
			sc.Note(runbooks.Info, "%s confirmed the change works on the test servers", who)
			return nil
		},
		Check: func(ctx context.Context, sc *runbooks.StepContext) (bool, error) {
			return sc.Facts().Rollback == "", nil // a rollback under way is asked again
		},
	}
}

// rollbackOutline is what a rollback runs, for the gate.
func (bp *backport) rollbackOutline() string {
	var cmds []string
	for _, g := range bp.repos {
		c := "in " + g.Dir + ": git reset --hard <HEAD before the rebase>"
		if g.PHP {
			c += ", git submodule update --checkout <the submodules the rebase moved> (a submodule with security patches: git rebase --onto OLD NEW there)"
		}
		cmds = append(cmds, c)
	}
	cmds = append(cmds, "then "+bp.env.Config.Commands.SyncTestServers+" on the test servers")
	return strings.Join(cmds, "; ")
}

// rollback puts each checkout back at the HEAD recorded by git status before
// the rebase (security patches are under it, so they stay), updates the
// submodules the rebase moved, re-syncs the test servers, and ends the
// window as rolled back.
func (bp *backport) rollback(ctx context.Context, sc *runbooks.StepContext) error {
	sc.Learn(func(f *runbooks.Facts) { f.Rollback = "started" })
	for _, g := range bp.repos {
		rf := sc.Facts().Repo(g.Repo)
		head := rf.StatusHead
		if head == "" {
			sc.Note(runbooks.Info, "%s was not changed in this window: nothing to roll back there", g.Repo)
			continue
		}
		if !shaRe.MatchString(head) {
			return fmt.Errorf("the recorded HEAD of %s (%q) is not a commit id: roll back by hand", g.Repo, head)
		}
		var subs []string
		var moved map[string]string
		if g.PHP {
			subs = mergedPaths(g.SubPaths, rf.MovedSubmodules)
			var err error
			if moved, err = rollbackGitlinks(ctx, sc, g.Repo, g.Dir, subs); err != nil {
				return err
			}
		}
		if _, err := remote.Check(sc.Exec(ctx, config.RoleDeploy, remote.Command{Cmd: gitops.Cmd("reset", "--hard", head), Dir: g.Dir})); err != nil {
			return fmt.Errorf("rolling back %s: %w; the test servers were not re-synced: they still serve the window's change(s)", g.Dir, err)
		}
		// security patches in a submodule are replayed alone on its old commit
		for _, p := range subs {
			if err := rollbackSub(ctx, sc, g.Dir, p, moved[p]); err != nil {
				return fmt.Errorf("rolling back %s stopped at its submodules: it is reset to %s (its HEAD before the rebase, which records their old commits) "+
					"and the test servers were not re-synced: they still serve the window's change(s); %w", g.Dir, abbrev(head), err)
			}
		}
		now, err := gitops.RevParse(ctx, deployQuery(sc), g.Dir, "HEAD")
		if err != nil {
			return err
		}
		if now != head {
			return fmt.Errorf("after git reset --hard, %s is at %s, not %s: look before anything else", g.Dir, abbrev(now), abbrev(head))
		}
		sc.Note(runbooks.Info, "%s is back at %s (its HEAD before the rebase, security patches kept)", g.Repo, abbrev(head))
	}
	if err := bp.syncTestServers(ctx, sc); err != nil {
		return fmt.Errorf("staging is rolled back but the test servers still serve the change: %w", err)
	}
	sc.Learn(func(f *runbooks.Facts) { f.Rollback = "done" })
	var nums []string
	for _, ch := range bp.changes {
		nums = append(nums, fmt.Sprint(ch.Number))
	}
	return &runbooks.RolledBackError{StepID: sc.Step.ID, By: sc.Decision.By, Detail: fmt.Sprintf(
		"staging and the test servers are as before the window; change(s) %s are merged in Gerrit but not deployed: revert them in Gerrit (or merge a fix) so the next deployer's sync does not ship them",
		strings.Join(nums, ", "))}
}

// rollbackGitlinks are the commits dir's HEAD records for the submodules
// subs when the rollback of repo begins, read before its reset and
// journaled: a retry or a resume, which finds dir already reset to the old
// commits, replays the security patches from the same commits.
func rollbackGitlinks(ctx context.Context, sc *runbooks.StepContext, repo, dir string, subs []string) (map[string]string, error) {
	if got := sc.Facts().Repo(repo).RollbackGitlinks; got != nil {
		return got, nil
	}
	out := map[string]string{}
	for _, p := range subs {
		c, err := gitops.Gitlink(ctx, deployQuery(sc), dir, "HEAD", p)
		if err != nil {
			return nil, err
		}
		out[p] = c
	}
	sc.Learn(func(f *runbooks.Facts) { f.Repo(repo).RollbackGitlinks = out })
	return out, nil
}

// rollbackSub brings submodule p of dir, which dir's HEAD recorded at moved
// before the rollback reset it, to the commit dir records now. A checkout
// still carrying moved has its local commits on top of moved (security
// patches) replayed alone (updateSub, which says how to do it by hand when
// that conflicts); one that no longer does was brought back already (by a
// first attempt, or by hand) and is left as it is.
func rollbackSub(ctx context.Context, sc *runbooks.StepContext, dir, p, moved string) error {
	q := deployQuery(sc)
	if !shaRe.MatchString(moved) {
		return fmt.Errorf("%s: the commit recorded before the rollback (%q) is not a commit id: roll it back by hand", p, moved)
	}
	st, err := gitops.SubmoduleCommit(ctx, q, dir, p)
	if err != nil {
		return err
	}
	switch st.Relation {
	case gitops.SubUninitState, gitops.SubMissing, gitops.SubBehind, gitops.SubSame:
		return updateSub(ctx, sc, dir, p, nil) // no local commits to keep
	}
	sub := path.Join(dir, p)
	carried, err := subCarries(ctx, q, sub, moved, st.Recorded)
	if err != nil {
		return err
	}
	if !carried && st.Relation == gitops.SubAhead {
		sc.Note(runbooks.Info, "%s: already at %s with %d local commit(s) (security patches) on top", p, abbrev(st.Recorded), len(st.LocalCommits))
		return nil
	}
	kept, err := gitops.IsAncestor(ctx, q, sub, moved, "HEAD")
	if err != nil {
		return err
	}
	if !kept {
		return fmt.Errorf("%s is %s the recorded %s and does not hold %s, the commit it was at before the rollback: bring it to %s by hand, with its security patches, before syncing",
			p, st.Relation, abbrev(st.Recorded), abbrev(moved), abbrev(st.Recorded))
	}
	local, err := gitops.Log(ctx, q, sub, moved+"..HEAD")
	if err != nil {
		return err
	}
	return updateSub(ctx, sc, dir, p, &gitops.SubmoduleState{Path: p, Recorded: moved, LocalCommits: local})
}

var shaRe = lazyre.New(`^[0-9a-f]{40}([0-9a-f]{24})?$`)

func mergedPaths(a, b []string) []string {
	out := append([]string(nil), a...)
	for _, p := range b {
		if !hasString(out, p) {
			out = append(out, p)
		}
	}
	return out
}
