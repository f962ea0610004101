package window

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"

	"porthole/config"
	"porthole/gerrit"
	"porthole/gitops"
	"porthole/remote"
	"porthole/runbooks"
)

// revertTarget is one change to revert: what to revert, where, what to sync.
type revertTarget struct {
	Change *gerrit.Change
	SHA    string   // the deployed commit
	Dir    string   // where the revert is made (an extension's own checkout for a submodule)
	Merge  bool     // a merge commit: reverted with -m1
	Paths  []string // sync paths relative to staging, from the revert's own diff
	Subs   []string // submodules the change moved: updated after the revert
	World  bool     // localisation files: the full sync rebuilds the l10n cache
}

// revertPlan is a revert window's data, shared by its steps.
type revertPlan struct {
	env     *runbooks.Env
	targets []*revertTarget
	reason  string
	sal     string
	paths   []string
	world   bool // the full sync (scap sync-world) instead of sync-file
}

// BuildRevert builds an emergency revert for params["changes"]: revert each
// on the deployment host and sync at once (one confirmation, no CI wait), then
// push the reverts for review and log them. It works from a porthole window's
// variables carried in params (merged:N, repo:N, syncpath:N, and subject:N,
// project:N, branch:N, bugs:N so Gerrit is not needed) or, for any merged
// change, by resolving and locating it.
func BuildRevert(ctx context.Context, env *runbooks.Env, params map[string]string) (*runbooks.Plan, error) {
	nums := strings.Fields(params["changes"])
	if len(nums) == 0 {
		return nil, fmt.Errorf("no change given to revert: name the change(s), e.g. porthole revert 12345")
	}
	if env == nil || env.Config == nil || env.Hosts == nil {
		return nil, fmt.Errorf("revert needs the configuration and the deployment host: check the config file")
	}
	rp := &revertPlan{env: env, reason: strings.TrimSpace(params["reason"])}
	var loc *locator
	var changes []*gerrit.Change
	for _, ref := range nums {
		t, err := rp.target(ctx, params, ref, &loc)
		if err != nil {
			return nil, err
		}
		for _, o := range rp.targets {
			if o.Change.Number == t.Change.Number {
				t = nil
				break
			}
		}
		if t == nil {
			continue
		}
		rp.targets = append(rp.targets, t)
		changes = append(changes, t.Change)
	}
	if err := rp.syncPlan(ctx, &loc); err != nil {
		return nil, err
	}
	for _, t := range rp.targets {
		rp.world = rp.world || t.World
		for _, p := range t.Paths {
			if !hasString(rp.paths, p) {
				rp.paths = append(rp.paths, p)
			}
		}
	}
	rp.paths = dedupeCovered(rp.paths)
	rp.sal = RevertSAL(changes, env.Config.SALFormat)
	plan := &runbooks.Plan{
		ID:      windowID(env, "revert", changes),
		Kind:    "revert",
		Title:   windowTitle("Revert", changes),
		Changes: changes,
		Params:  params,
	}
	plan.Steps = rp.steps()
	return plan, nil
}

// syncPlan computes each target's sync paths from what its revert will
// change (read-only git on the deployment host).
func (rp *revertPlan) syncPlan(ctx context.Context, loc **locator) error {
	if *loc == nil {
		l, err := newLocator(rp.env)
		if err != nil {
			return err
		}
		*loc = l
	}
	for _, t := range rp.targets {
		if err := revertSync(ctx, (*loc).run, rp.env.Config.StagingDir, t); err != nil {
			return err
		}
	}
	return nil
}

// RevertSAL is the SAL text of a revert: the configured format with each
// link wrapped as Revert "[[gerrit:N|subject (T1)]]".
func RevertSAL(changes []*gerrit.Change, format string) string {
	if format == "" {
		format = gerrit.DefaultSALFormat
	}
	var links []string
	for _, ch := range changes {
		links = append(links, `Revert "`+gerrit.SALLink(ch)+`"`)
	}
	joined := strings.Join(links, ", ")
	if !strings.Contains(format, "{links}") {
		return strings.TrimSpace(format + " " + joined)
	}
	return strings.ReplaceAll(format, "{links}", joined)
}

// target finds what to revert for one change.
func (rp *revertPlan) target(ctx context.Context, params map[string]string, ref string, loc **locator) (*revertTarget, error) {
	key := func(k string) string { return params[k+":"+ref] }
	t := &revertTarget{}
	if key("subject") != "" && key("branch") != "" && key("project") != "" {
		n, err := strconv.Atoi(ref)
		if err != nil {
			return nil, fmt.Errorf("revert: %q is not a change number", ref)
		}
		t.Change = &gerrit.Change{Number: n, Project: key("project"), Branch: key("branch"), Subject: key("subject"),
			ChangeID: key("changeid"), Bugs: strings.Fields(key("bugs")), Status: "MERGED"}
	} else {
		if rp.env.Gerrit == nil {
			return nil, fmt.Errorf("revert of %s needs Gerrit to find the change: check the gerrit section of the config", ref)
		}
		ch, err := rp.env.Gerrit.Resolve(ctx, ref)
		if err != nil {
			return nil, err
		}
		if ch.Status != "MERGED" {
			return nil, fmt.Errorf("change %d is %s, not merged: there is nothing deployed to revert (abandon it in Gerrit instead)", ch.Number, strings.ToLower(ch.Status))
		}
		t.Change = ch
		ref = strconv.Itoa(ch.Number)
	}
	t.SHA, t.Dir, t.Merge = key("merged"), key("repo"), key("mergecommit") == "1"
	if p := key("syncpath"); p != "" {
		t.Paths = strings.Split(p, "\n")
	}
	if t.SHA != "" && t.Dir != "" && len(t.Paths) > 0 {
		return t, nil
	}
	// not from a porthole window: locate it and find the deployed commit (read-only)
	if *loc == nil {
		l, err := newLocator(rp.env)
		if err != nil {
			return nil, err
		}
		*loc = l
	}
	l, err := (*loc).locate(ctx, t.Change)
	if err != nil {
		return nil, err
	}
	if t.Dir == "" {
		t.Dir = l.RevertDir
	}
	if len(t.Paths) == 0 {
		t.Paths = SyncPaths(l.Prefix, t.Change.Files)
		if len(t.Paths) == 0 {
			if l.Kind != KindSubmodule {
				return nil, fmt.Errorf("change %d lists no files, so porthole cannot tell what to sync: check it in Gerrit", t.Change.Number)
			}
			t.Paths = []string{l.Prefix}
		}
	}
	if t.SHA == "" {
		if t.Change.ChangeID == "" {
			return nil, fmt.Errorf("change %d has no Change-Id to look for in %s", t.Change.Number, t.Dir)
		}
		c, ok, err := gitops.FindByChangeID(ctx, (*loc).run, t.Dir, "HEAD", t.Change.ChangeID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("change %d (%s) is not in HEAD of %s on the deployment host: it was never deployed there, so there is nothing to revert",
				t.Change.Number, t.Change.ChangeID, t.Dir)
		}
		t.SHA, t.Merge = c.SHA, c.IsMerge()
	}
	return t, nil
}

func (rp *revertPlan) steps() []*runbooks.Step {
	cfg := rp.env.Config
	var cmds, detail []string
	for i := len(rp.targets) - 1; i >= 0; i-- { // newest first
		t := rp.targets[i]
		c := "cd " + remote.Quote(t.Dir) + " && " + revertCommand(t)
		cmds = append(cmds, c)
	}
	detail = append(detail, "on the deployment host:")
	for _, c := range cmds {
		detail = append(detail, "$ "+c)
	}
	syncs := rp.syncCmds()
	detail = append(detail, "then at once, in "+cfg.StagingDir+", to every app server"+rp.appServers()+":")
	for _, c := range syncs {
		detail = append(detail, "$ "+c.Cmd)
	}
	if note := revertSyncNote(rp.targets); note != "" {
		detail = append(detail, note)
	}
	detail = append(detail, "then the revert is pushed to Gerrit for review (no waiting on CI).")
	revert := &runbooks.Step{
		ID: "revert", Title: "git revert " + revertNums(rp.targets) + " on the deployment host", Role: config.RoleDeploy,
		Command: strings.Join(cmds, " && "),
		Gate: &runbooks.Gate{Kind: runbooks.GateConfirm, Prompt: "Revert and sync to all app servers now?",
			Detail: strings.Join(detail, "\n"), Default: "n"},
		Undo: "before the sync: git reset --hard ORIG_HEAD in each directory; after it, deploy the change again",
		Do:   rp.revert, Check: rp.revertedCheck,
	}
	if len(rp.targets) == 1 {
		revert.Dir = rp.targets[0].Dir
		revert.Command = revertCommand(rp.targets[0])
	}
	steps := []*runbooks.Step{revert}
	for i, c := range syncs {
		c := c
		id := fmt.Sprintf("revert-sync-%d", i+1)
		title := "Sync " + c.Path + " to all app servers (revert)"
		if c.Path == "" {
			id, title = "revert-sync-world", "Full sync (scap sync-world: rebuilds the l10n cache) to all app servers (revert)"
		}
		steps = append(steps, &runbooks.Step{
			ID: id, Title: title, Role: config.RoleDeploy, Dir: cfg.StagingDir,
			Command: c.Cmd, Irreversible: true, CoveredBy: "revert",
			Undo: "deploy the change again (a new backport window)",
			Do:   rp.sync(id, c), Check: func(ctx context.Context, sc *runbooks.StepContext) (bool, error) {
				return sc.Facts().Synced[id], nil
			},
		})
	}
	for _, t := range rp.targets {
		t := t
		n := t.Change.Number
		steps = append(steps, &runbooks.Step{
			ID: fmt.Sprintf("push-revert-%d", n), Title: fmt.Sprintf("Push the revert of %d to Gerrit for review", n), Role: config.RoleDeploy, Dir: t.Dir,
			Command: reviewPushOutline(t),
			Retries: 1,
			Undo:    "abandon the revert change in Gerrit",
			Do:      rp.push(t), Check: rp.pushedCheck(t),
		})
	}
	for _, t := range rp.targets {
		t := t
		steps = append(steps, &runbooks.Step{
			ID: fmt.Sprintf("revert-change-%d", t.Change.Number), Title: fmt.Sprintf("Find the revert of %d in Gerrit", t.Change.Number), Role: config.RoleGerrit,
			Do: rp.lookup(t), Check: checkNever,
		})
	}
	steps = append(steps, &runbooks.Step{ID: "revert-log", Title: "Log the revert", Role: config.RoleLocal, Do: rp.log, Check: checkNever})
	return steps
}

func (rp *revertPlan) appServers() string {
	if hn, ok := rp.env.Hosts.(config.HostNamer); ok {
		if names := hn.Names(config.RoleAppServers); len(names) > 0 {
			return fmt.Sprintf(" (%d: %s)", len(names), firstPaths(names, 5))
		}
	}
	return ""
}

func revertNums(ts []*revertTarget) string {
	var nums []string
	for _, t := range ts {
		nums = append(nums, strconv.Itoa(t.Change.Number))
	}
	return strings.Join(nums, ", ")
}

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
			return fmt.Errorf("%w — %s is reverted in %s but its submodules are not updated: fix them before syncing", err, abbrev(t.SHA), t.Dir)
		}
		how := ""
		if res.Merge {
			how = " (a merge commit: -m1)"
		}
		sc.Note(runbooks.Info, "reverted %s%s in %s as %s", abbrev(t.SHA), how, t.Dir, abbrev(res.SHA))
	}
	return nil
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
		sc.Learn(func(f *runbooks.Facts) { f.MarkSynced(id) })
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
