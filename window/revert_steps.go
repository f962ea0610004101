package window

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"

	"porthole/gerrit"
	"porthole/gitops"
	"porthole/remote"
	"porthole/runbooks"
)

func (rp *revertPlan) revertReason(sc *runbooks.StepContext) string {
	who := ""
	if rp.env.User != "" {
		who = rp.env.User + ": "
	}
	if rp.reason != "" {
		return who + rp.reason
	}
	return who + "emergency revert with porthole"
}

func (rp *revertPlan) revert(ctx context.Context, sc *runbooks.StepContext) error {
	for i := len(rp.targets) - 1; i >= 0; i-- {
		t := rp.targets[i]
		n := t.Change.Number
		cf := sc.Facts().Change(n)
		if done := cf.Reverted; done != "" {
			if ok, err := gitops.IsAncestor(ctx, deployQuery(sc), t.Dir, done, "HEAD"); err == nil && ok {
				if err := subsReverted(ctx, deployQuery(sc), t); err != nil {
					return subsNotReverted(t, done, err)
				}
				sc.Note(runbooks.Info, "change %d was already reverted as %s", n, abbrev(done))
				continue
			}
		}
		subs, err := subsBefore(ctx, deployQuery(sc), t.Dir, t.Subs)
		if err != nil {
			return err
		}
		id := cf.RevertChangeID
		if id == "" {
			id = gitops.NewChangeID()
			sc.Learn(func(f *runbooks.Facts) { f.Change(n).RevertChangeID = id })
		}
		res, err := gitops.Revert(ctx, deployExec(sc), t.Dir, t.SHA, gitops.RevertOptions{Reason: rp.revertReason(sc), ChangeID: id})
		if err != nil {
			return err
		}
		sc.Learn(func(f *runbooks.Facts) { f.Change(n).Reverted = res.SHA })
		if err := updateSubs(ctx, sc, t.Dir, t.Subs, subs); err != nil {
			return subsNotReverted(t, res.SHA, err)
		}
		how := ""
		if res.Merge {
			how = " (a merge commit: -m1)"
		}
		sc.Note(runbooks.Info, "reverted %s%s in %s as %s", abbrev(t.SHA), how, t.Dir, abbrev(res.SHA))
	}
	return nil
}

// subsNotReverted is err (a submodule of t not where the revert puts it)
// after where the superproject stands: its revert, reverted, is committed
// and nothing has been synced.
func subsNotReverted(t *revertTarget, reverted string, err error) error {
	return fmt.Errorf("the revert of %s is committed in %s as %s (it records the submodules' old commits) and nothing has been synced; %w",
		abbrev(t.SHA), t.Dir, abbrev(reverted), err)
}

func (rp *revertPlan) revertedCheck(ctx context.Context, sc *runbooks.StepContext) (bool, error) {
	for _, t := range rp.targets {
		done := sc.Facts().Change(t.Change.Number).Reverted
		if done == "" {
			return false, nil
		}
		ok, err := gitops.IsAncestor(ctx, deployQuery(sc), t.Dir, done, "HEAD")
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func (rp *revertPlan) sync(id string, c syncCmd) func(context.Context, *runbooks.StepContext) error {
	return func(ctx context.Context, sc *runbooks.StepContext) error {
		bp := &backport{env: rp.env}
		if err := bp.scapSync(ctx, sc, c); err != nil {
			return err
		}
		sc.Learn(func(f *runbooks.Facts) {
			f.MarkSynced(id)
			for _, sid := range syncStepIDs(rp.syncCmds()) {
				if !f.Synced[sid] {
					return
				}
			}
			for _, t := range rp.targets { // every sync done: the reverts are live
				f.Change(t.Change.Number).Synced = true
			}
		})
		what := c.Path
		if what == "" {
			what = "the window's changes (full sync)"
		}
		sc.Note(runbooks.Info, "the revert of %s is live on every app server", what)
		return nil
	}
}

func (rp *revertPlan) push(t *revertTarget) func(context.Context, *runbooks.StepContext) error {
	return func(ctx context.Context, sc *runbooks.StepContext) error {
		n := t.Change.Number
		rev := sc.Facts().Change(n).Reverted
		if rev == "" {
			return fmt.Errorf("change %d was not reverted in this window: nothing to push", n)
		}
		if err := gerrit.CheckRevertPush(t.Change.Branch, t.SHA); err != nil {
			return fmt.Errorf("%w — the revert IS live but not in Gerrit yet", err)
		}
		// The checkout may carry local security patches under the revert:
		// only the revert, rebuilt on @{u}, goes to Gerrit.
		res, err := gitops.PushRevertForReview(ctx, deployExec(sc), gitops.ReviewPush{
			Dir: t.Dir, Local: rev, Reverted: t.SHA, Branch: t.Change.Branch, Topic: gerrit.RevertTopic(t.SHA)})
		if err != nil {
			return fmt.Errorf("%w — the revert IS live and synced but not in Gerrit yet", err)
		}
		sc.Learn(func(f *runbooks.Facts) { f.Change(n).ReviewCommit = res.Commit })
		if res.Commit == rev {
			sc.Note(runbooks.Info, "pushed the revert %s for review (its parent is %s, nothing else was pushed)", abbrev(rev), res.Base)
		} else {
			sc.Note(runbooks.Info, "pushed the revert alone for review as %s, built on %s (%s): the local commits under %s stay on the deployment host",
				abbrev(res.Commit), res.Base, abbrev(res.BaseSHA), abbrev(rev))
		}
		if res.Output != "" {
			sc.Note(runbooks.Info, "%s", res.Output)
		}
		if res.Cleanup != nil {
			sc.Note(runbooks.Warn, "%v", res.Cleanup)
		}
		return nil
	}
}

// reviewPushOutline is what the push step runs, in order: the local revert
// (REVERT) is rebuilt alone on the upstream in a temporary worktree (TMP) as
// NEW, which must be the only commit in @{u}..NEW before it is pushed. A
// detached checkout (an extension) uses origin/BRANCH for @{u}.
func reviewPushOutline(t *revertTarget) string {
	push := remote.QuoteAll(gitops.PushArgs("NEW", t.Change.Branch, gerrit.RevertTopic(t.SHA))...)
	return "git worktree add --detach TMP @{u} && git -C TMP cherry-pick --ff REVERT && git worktree remove --force TMP && git rev-list @{u}..NEW && git " + push
}

func (rp *revertPlan) pushedCheck(t *revertTarget) func(context.Context, *runbooks.StepContext) (bool, error) {
	return func(ctx context.Context, sc *runbooks.StepContext) (bool, error) {
		id := sc.Facts().Change(t.Change.Number).RevertChangeID
		if id == "" || rp.env.Gerrit == nil {
			return false, nil
		}
		if _, err := rp.env.Gerrit.Resolve(ctx, revertRef(t, id)); err != nil {
			return false, nil
		}
		return true, nil
	}
}

// revertRef names the pushed revert exactly: project~branch~Change-Id.
func revertRef(t *revertTarget, id string) string {
	project := t.Change.Project
	if project == "" {
		return id
	}
	return project + "~" + t.Change.Branch + "~" + id
}

func (rp *revertPlan) lookup(t *revertTarget) func(context.Context, *runbooks.StepContext) error {
	return func(ctx context.Context, sc *runbooks.StepContext) error {
		n := t.Change.Number
		id := sc.Facts().Change(n).RevertChangeID
		if id == "" {
			return fmt.Errorf("change %d has no revert in this window", n)
		}
		if rp.env.Gerrit == nil {
			return fmt.Errorf("no Gerrit configured: find the revert of %d (Change-Id %s) in Gerrit by hand", n, id)
		}
		ch, err := rp.env.Gerrit.Resolve(ctx, revertRef(t, id))
		if err != nil {
			return fmt.Errorf("the revert of %d (Change-Id %s) is not in Gerrit: %w", n, id, err)
		}
		sc.Learn(func(f *runbooks.Facts) { f.Change(n).RevertChange = ch.Number })
		rp.commentOriginal(ctx, sc, t.Change, ch)
		url := ch.WebURL
		if url == "" {
			url = fmt.Sprintf("change %d", ch.Number)
		}
		sc.Note(runbooks.Info, "the revert of %d is change %d (%s): it needs review and CI to merge; until then %s carries it as a local commit",
			n, ch.Number, url, path.Base(t.Dir))
		return nil
	}
}

func (rp *revertPlan) log(ctx context.Context, sc *runbooks.StepContext) error {
	var parts []string
	facts := sc.Facts()
	for _, t := range rp.targets {
		n := t.Change.Number
		cf := facts.Change(n)
		parts = append(parts, fmt.Sprintf("%d → revert %s (change %d)", n, abbrev(cf.Reverted), cf.RevertChange))
	}
	sc.Learn(func(f *runbooks.Facts) { f.SAL = rp.sal })
	sc.Note(runbooks.Info, "SAL: %s", rp.sal)
	sc.Note(runbooks.Info, "reverted and synced: %s; tell the owners and the task", strings.Join(parts, "; "))
	return nil
}

// BuildRevertFrom builds the revert of a backport window's synced changes
// from what it learned (the TUI's `r` key mid-window). It needs neither Gerrit
// nor the deployment host to build: everything is in facts.
func BuildRevertFrom(ctx context.Context, env *runbooks.Env, plan *runbooks.Plan, facts *runbooks.Facts) (*runbooks.Plan, error) {
	if plan == nil {
		return nil, fmt.Errorf("no window to revert")
	}
	if facts == nil {
		facts = &runbooks.Facts{}
	}
	params := map[string]string{"reason": "emergency revert during window " + plan.ID, "from": plan.ID}
	var nums []string
	for _, ch := range plan.Changes {
		n := strconv.Itoa(ch.Number)
		cf := facts.Change(ch.Number)
		if !cf.Synced {
			continue
		}
		nums = append(nums, n)
		for k, v := range map[string]string{"merged": cf.Commit, "repo": cf.Repo, "syncpath": strings.Join(cf.SyncPaths, "\n")} {
			if v != "" {
				params[k+":"+n] = v
			}
		}
		if cf.MergeCommit {
			params["mergecommit:"+n] = "1"
		}
		params["subject:"+n] = ch.Subject
		params["project:"+n] = ch.Project
		params["branch:"+n] = ch.Branch
		params["changeid:"+n] = ch.ChangeID
		params["bugs:"+n] = strings.Join(ch.Bugs, " ")
	}
	if len(nums) == 0 {
		return nil, fmt.Errorf("nothing of window %s is synced yet, so there is nothing live to revert: stop the window (and reset the staging checkout) instead", plan.ID)
	}
	params["changes"] = strings.Join(nums, " ")
	return runbooks.Build(ctx, env, "revert", params)
}

// revertCommenter is what a Gerrit client needs to tell the original change
// about its revert (*gerrit.Client has it).
type revertCommenter interface {
	CommentRevert(ctx context.Context, original, revert *gerrit.Change, by string) error
}

// commentOriginal comments on the reverted change with a link to its revert,
// as scap does. The revert is live and pushed already: a failure is noted,
// not fatal.
func (rp *revertPlan) commentOriginal(ctx context.Context, sc *runbooks.StepContext, original, revert *gerrit.Change) {
	c, ok := rp.env.Gerrit.(revertCommenter)
	if !ok {
		return
	}
	if err := c.CommentRevert(ctx, original, revert, rp.env.User); err != nil {
		sc.Note(runbooks.Warn, "could not comment on change %d about its revert (%v): tell its owner by hand", original.Number, err)
		return
	}
	sc.Note(runbooks.Info, "commented on change %d: reverted as change %d", original.Number, revert.Number)
}
