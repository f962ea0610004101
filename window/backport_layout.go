package window

import (
	"fmt"
	"strings"

	"porthole/config"
	"porthole/gitops"
	"porthole/runbooks"
)

// steps lays the window out: +2 and wait per change; status, fetch, review,
// rebase (and submodule update) per checkout; test servers; the owner's
// confirmation; one sync per path; the post-deploy suggestions.
func (bp *backport) steps(warnings []runbooks.Warning) []*runbooks.Step {
	steps := []*runbooks.Step{bp.preflightStep()}
	lock, unlock := (&backportLock{env: bp.env, sal: bp.sal}).steps()
	steps = append(steps, lock)
	steps = append(steps, bp.approveSteps(warnings, unlock.Command)...)
	steps = append(steps, bp.waitMergeSteps()...)
	for _, g := range bp.repos {
		steps = append(steps, bp.checkoutSteps(g)...)
	}
	steps = append(steps, bp.testServersStep(), bp.ownerVerifyStep())
	for _, sg := range bp.syncs {
		steps = append(steps, bp.syncStep(sg))
	}
	steps = append(steps, &runbooks.Step{
		ID: "post-deploy", Title: "After the sync: checks and maintenance the diff calls for", Role: config.RoleLocal,
		Do: bp.postDeploy, Check: checkNever,
	})
	return append(steps, unlock)
}

// approveSteps are the +2 of each change; the first carries the window's
// gate (a danger gate when a warning is a danger), which says what a no
// does: release, the command that lets the backport lock go.
func (bp *backport) approveSteps(warnings []runbooks.Warning, release string) []*runbooks.Step {
	dangers := 0
	for _, w := range warnings {
		if w.Level == runbooks.Danger {
			dangers++
		}
	}
	var steps []*runbooks.Step
	for i, ch := range bp.changes {
		s := &runbooks.Step{
			ID:    fmt.Sprintf("approve-%d", ch.Number),
			Title: fmt.Sprintf("+2 change %d (Backport)", ch.Number),
			Role:  config.RoleGerrit,
			Do:    bp.approve(ch),
			Check: bp.approvedCheck(ch),
		}
		if i == 0 {
			prompt := fmt.Sprintf("Backport %s? +2 starts Gerrit's gate and submit", countOf(len(bp.changes), "change"))
			// a no here ends the window before it changed anything: the lock step's Release runs
			detail := changeList(bp.changes) + "\n\n(No ends the window here and lets the backport lock go, as scap backport does: " + release + " on the deployment host.)"
			s.Gate = &runbooks.Gate{Kind: runbooks.GateConfirm, Prompt: prompt, Detail: detail, Default: "n"}
			if dangers > 0 {
				s.Gate = dangerGate(bp.changes, warnings, detail)
			}
		}
		steps = append(steps, s)
	}
	return steps
}

// waitMergeSteps wait for each change to merge.
func (bp *backport) waitMergeSteps() []*runbooks.Step {
	var steps []*runbooks.Step
	for _, ch := range bp.changes {
		steps = append(steps, &runbooks.Step{
			ID:    fmt.Sprintf("wait-merge-%d", ch.Number),
			Title: fmt.Sprintf("Wait for change %d to merge", ch.Number),
			Role:  config.RoleGerrit,
			Undo:  "nothing to undo: a merged change only lands in the branch; it is not live until synced",
			Do:    bp.waitMerge(ch),
			Check: bp.mergedCheck(ch),
		})
	}
	return steps
}

// checkoutSteps are one checkout's status, fetch, review and rebase, and for
// a php-X checkout its submodule update.
func (bp *backport) checkoutSteps(g *repoGroup) []*runbooks.Step {
	steps := []*runbooks.Step{
		{
			ID: "status-" + g.Repo, Title: "git status in " + g.Repo, Role: config.RoleDeploy, Dir: g.Dir,
			Command: "git status",
			Do:      bp.status(g), Check: checkNever,
		},
		{
			ID: "fetch-" + g.Repo, Title: "git fetch in " + g.Repo, Role: config.RoleDeploy, Dir: g.Dir,
			Command: gitops.FetchCommand, Retries: 2,
			Undo: "nothing to undo: a fetch only updates the remote-tracking branch",
			Do:   bp.fetch(g), Check: checkNever,
		},
		{
			ID: "review-" + g.Repo, Title: "Review HEAD..@{u} in " + g.Repo + " (" + countOf(len(g.Changes), "expected change") + ")",
			Role: config.RoleDeploy, Dir: g.Dir, Command: gitops.LogPatchCommand(g.PHP),
			Do: bp.review(g), Check: checkNever,
		},
		{
			ID: "rebase-" + g.Repo, Title: "git rebase in " + g.Repo, Role: config.RoleDeploy, Dir: g.Dir,
			Command: gitops.RebaseCommand, Undo: gitops.RebaseUndo + " (in " + g.Dir + ")",
			Do: bp.rebase(g), Check: bp.rebasedCheck(g),
		},
	}
	if g.PHP {
		steps = append(steps, bp.submodulesStep(g))
	}
	return steps
}

// submodulesStep updates the submodules the window's changes move in a php-X
// checkout, or checks them when none moves.
func (bp *backport) submodulesStep(g *repoGroup) *runbooks.Step {
	s := &runbooks.Step{
		ID: "submodules-" + g.Repo, Role: config.RoleDeploy, Dir: g.Dir,
		Undo: "git reset --hard ORIG_HEAD, then git submodule update --checkout for the same paths (in " + g.Dir + "; without --checkout, scap prep's update=rebase leaves them where they are)",
		Do:   bp.submodules(g), Check: checkNever,
	}
	if len(g.SubPaths) == 0 {
		s.Title = "Check " + g.Repo + "'s submodules after the rebase"
		return s
	}
	s.Title = "git submodule update " + strings.Join(g.SubPaths, " ") + " in " + g.Repo
	var cmds []string
	for _, p := range g.SubPaths {
		cmds = append(cmds, gitops.SubmoduleUpdateCommand(p))
	}
	s.Command = strings.Join(cmds, " && ")
	return s
}

// testServersStep syncs the test servers (mwdebug).
func (bp *backport) testServersStep() *runbooks.Step {
	return &runbooks.Step{
		ID: "sync-testservers", Title: "Sync to the test servers (mwdebug)", Role: config.RoleTestServers,
		Command: bp.env.Config.Commands.SyncTestServers, Retries: 1,
		Undo: "revert on the deployment host, then sync the test servers again",
		Do:   bp.syncTestServers, Check: checkNever,
	}
}
