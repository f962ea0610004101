package window

import (
	"context"
	"fmt"
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
	world   bool   // the full sync (scap sync-world) instead of sync-file
	from    string // the window this revert was started from (params["from"]), "" for none
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
	rp := &revertPlan{env: env, reason: strings.TrimSpace(params["reason"]), from: params["from"]}
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
	detail = append(detail, "on the deployment host, holding scap's backport lock ("+rp.lock().file()+") until the window ends:")
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
		Do:   rp.lockThenRevert, Check: rp.revertedCheck,
	}
	if len(rp.targets) == 1 {
		revert.Dir = rp.targets[0].Dir
		revert.Command = revertCommand(rp.targets[0])
	}
	steps := []*runbooks.Step{revert}
	ids := syncStepIDs(syncs)
	for i, c := range syncs {
		c, id := c, ids[i]
		title := "Sync " + c.Path + " to all app servers (revert)"
		if c.Path == "" {
			title = "Full sync (scap sync-world: rebuilds the l10n cache) to all app servers (revert)"
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
	_, unlock := rp.lock().steps()
	return append(steps, unlock)
}

// syncStepIDs are the ids of the revert's sync steps, one per command.
func syncStepIDs(syncs []syncCmd) []string {
	ids := make([]string, len(syncs))
	for i, c := range syncs {
		ids[i] = fmt.Sprintf("revert-sync-%d", i+1)
		if c.Path == "" {
			ids[i] = "revert-sync-world"
		}
	}
	return ids
}

// lock is scap's backport lock as the revert holds it: taken right after
// the confirmation (a declined revert holds nothing), released at the end.
func (rp *revertPlan) lock() *backportLock {
	return &backportLock{env: rp.env, sal: rp.sal, parent: rp.from}
}

// lockThenRevert takes the backport lock (or waits for it, or stops with
// scap's message), then reverts.
func (rp *revertPlan) lockThenRevert(ctx context.Context, sc *runbooks.StepContext) error {
	if err := rp.lock().take(ctx, sc); err != nil {
		return err
	}
	return rp.revert(ctx, sc)
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
