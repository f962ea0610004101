// Package window holds the backport window and the emergency revert: where
// each change lives on the deployment host, the warnings of its card, the
// incoming check, the sync plan and the revert plan, as runbooks of the engine.
package window

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"porthole/config"
	"porthole/gerrit"
	"porthole/runbooks"
	"porthole/runbooks/journal"
)

func init() {
	runbooks.Register("backport", BuildBackport)
	runbooks.Register("revert", buildRevertChecked)
}

// backport is one window's plan data, shared by its steps' closures.
type backport struct {
	env     *runbooks.Env
	changes []*gerrit.Change
	locs    map[int]*Location
	repos   []*repoGroup
	syncs   []*syncGroup
	sal     string
}

// repoGroup is one checkout the window fetches and rebases.
type repoGroup struct {
	Repo     string
	Dir      string
	PHP      bool // a php-X checkout (core and its submodules)
	Prefix   string
	Changes  []*gerrit.Change
	SubPaths []string // submodule paths the window's extension changes move
	subNames map[string]string
	lastSync *syncGroup
}

// syncGroup is one `scap sync-file` path (or the full sync) and the changes it deploys.
type syncGroup struct {
	ID      string
	Path    string
	Repo    *repoGroup
	Changes []*gerrit.Change
	World   bool     // the full sync that rebuilds l10n (scap sync-world)
	Paths   []string // for the full sync: the paths it stands for
}

// BuildBackport builds the backport window for params["changes"] (numbers,
// URLs or Change-Ids separated by spaces): it resolves each change, locates
// it on the deployment host (read-only commands), computes the warnings and
// the SAL text, and lays out the steps.
func BuildBackport(ctx context.Context, env *runbooks.Env, params map[string]string) (*runbooks.Plan, error) {
	refs := strings.Fields(params["changes"])
	if len(refs) == 0 {
		return nil, fmt.Errorf("no change given: name one or more changes, e.g. 12345 or https://gerrit.wikimedia.org/r/c/mediawiki/core/+/12345")
	}
	if env == nil || env.Config == nil || env.Gerrit == nil || env.Hosts == nil {
		return nil, fmt.Errorf("backport needs the configuration, Gerrit and the deployment host: check the config file")
	}
	bp := &backport{env: env, locs: map[int]*Location{}}
	seen := map[int]bool{}
	for _, ref := range refs {
		ch, err := env.Gerrit.Resolve(ctx, ref)
		if err != nil {
			return nil, err
		}
		if seen[ch.Number] {
			continue
		}
		seen[ch.Number] = true
		if err := checkState(ch); err != nil {
			return nil, err
		}
		bp.changes = append(bp.changes, ch)
	}
	loc, err := newLocator(env)
	if err != nil {
		return nil, err
	}
	var warnings []runbooks.Warning
	for _, ch := range bp.changes {
		l, err := loc.locate(ctx, ch)
		if err != nil {
			return nil, err
		}
		bp.locs[ch.Number] = l
		warnings = append(warnings, ChangeWarnings(ch, l)...)
	}
	warnings = append(warnings, WindowWarnings(ctx, env, bp.changes)...)
	if err := bp.group(); err != nil {
		return nil, err
	}
	bp.sal = gerrit.SAL(bp.changes, env.Config.SALFormat)

	plan := &runbooks.Plan{
		ID:       windowID(env, "backport", bp.changes),
		Kind:     "backport",
		Title:    windowTitle("Backport", bp.changes),
		Changes:  bp.changes,
		Params:   params,
		Warnings: warnings,
	}
	plan.Steps = bp.steps(warnings)
	return plan, nil
}

// windowID names a window: UTC time, kind and change numbers.
func windowID(env *runbooks.Env, kind string, changes []*gerrit.Change) string {
	now := time.Now()
	if env.Now != nil {
		now = env.Now()
	}
	var nums []string
	for _, ch := range changes {
		nums = append(nums, strconv.Itoa(ch.Number))
	}
	return journal.NewWindowID(kind, now) + "-" + strings.Join(nums, "-")
}

func windowTitle(verb string, changes []*gerrit.Change) string {
	if len(changes) == 1 {
		ch := changes[0]
		return fmt.Sprintf("%s %d (%s %s): %s", verb, ch.Number, ch.Project, ch.Branch, ch.Subject)
	}
	var nums []string
	for _, ch := range changes {
		nums = append(nums, strconv.Itoa(ch.Number))
	}
	return fmt.Sprintf("%s %d changes: %s", verb, len(changes), strings.Join(nums, ", "))
}

// group sorts the changes into checkouts and sync paths.
func (bp *backport) group() error {
	byRepo := map[string]*repoGroup{}
	for _, ch := range bp.changes {
		l := bp.locs[ch.Number]
		g := byRepo[l.Repo]
		if g == nil {
			g = &repoGroup{Repo: l.Repo, Dir: l.Dir, PHP: l.Kind != KindConfig, subNames: map[string]string{}}
			if g.PHP {
				g.Prefix = l.Repo
			}
			byRepo[l.Repo] = g
			bp.repos = append(bp.repos, g)
		}
		g.Changes = append(g.Changes, ch)
		if l.Kind == KindSubmodule && g.subNames[l.SubPath] == "" {
			g.SubPaths = append(g.SubPaths, l.SubPath)
			g.subNames[l.SubPath] = l.SubName
		}
	}
	// sync paths, per checkout, in the order the changes came
	for _, g := range bp.repos {
		var paths []string
		pathChanges := map[string][]*gerrit.Change{}
		for _, ch := range g.Changes {
			l := bp.locs[ch.Number]
			ps := SyncPaths(l.Prefix, ch.Files)
			if len(ps) == 0 {
				if l.Kind != KindSubmodule {
					return fmt.Errorf("change %d lists no files, so porthole cannot tell what to sync: check it in Gerrit", ch.Number)
				}
				ps = []string{l.Prefix}
			}
			paths = append(paths, ps...)
			for _, p := range ps {
				pathChanges[p] = append(pathChanges[p], ch)
			}
		}
		for _, p := range dedupeCovered(paths) {
			sg := &syncGroup{Path: p, Repo: g}
			for q, chs := range pathChanges {
				if coveredBy(q, p) {
					for _, ch := range chs {
						if !hasChange(sg.Changes, ch) {
							sg.Changes = append(sg.Changes, ch)
						}
					}
				}
			}
			sortChanges(sg.Changes, bp.changes)
			bp.syncs = append(bp.syncs, sg)
			g.lastSync = sg
		}
	}
	for i, sg := range bp.syncs {
		sg.ID = fmt.Sprintf("sync-%d", i+1)
	}
	if needsWorld(bp.changes) {
		// localisation files: one full sync, which rebuilds the l10n cache
		world := &syncGroup{ID: "sync-world", World: true, Changes: bp.changes}
		for _, sg := range bp.syncs {
			world.Paths = append(world.Paths, sg.Path)
		}
		bp.syncs = []*syncGroup{world}
		for _, g := range bp.repos {
			g.lastSync = world
		}
	}
	return nil
}

func hasChange(chs []*gerrit.Change, ch *gerrit.Change) bool {
	for _, c := range chs {
		if c.Number == ch.Number {
			return true
		}
	}
	return false
}

// sortChanges orders chs as they appear in order.
func sortChanges(chs []*gerrit.Change, order []*gerrit.Change) {
	pos := map[int]int{}
	for i, c := range order {
		pos[c.Number] = i
	}
	for i := 1; i < len(chs); i++ {
		for j := i; j > 0 && pos[chs[j].Number] < pos[chs[j-1].Number]; j-- {
			chs[j], chs[j-1] = chs[j-1], chs[j]
		}
	}
}

// changeIDs are the Change-Ids the review of a checkout expects.
func (g *repoGroup) changeIDs() []string {
	var ids []string
	for _, ch := range g.Changes {
		ids = append(ids, ch.ChangeID)
	}
	return ids
}

func owners(chs []*gerrit.Change) string {
	var names []string
	seen := map[string]bool{}
	for _, ch := range chs {
		n := ownerName(ch)
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

func changeList(chs []*gerrit.Change) string {
	var b strings.Builder
	for _, ch := range chs {
		fmt.Fprintf(&b, "%d  %s %s  %s (%s)\n", ch.Number, ch.Project, ch.Branch, ch.Subject, ownerName(ch))
	}
	return strings.TrimRight(b.String(), "\n")
}

func countOf(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// checkNever is a Check for a step that is always run again on resume.
func checkNever(context.Context, *runbooks.StepContext) (bool, error) { return false, nil }

// subdir of a checkout, for a submodule path.
func subdir(g *repoGroup, p string) string { return path.Join(g.Dir, p) }

// syncStep is one production sync: its gate is recomputed when asked, from
// what the review brought in (see syncCommands).
func (bp *backport) syncStep(sg *syncGroup) *runbooks.Step {
	cfg := bp.env.Config
	var nums []string
	for _, ch := range sg.Changes {
		nums = append(nums, strconv.Itoa(ch.Number))
	}
	title := "Sync " + sg.Path + " to all app servers"
	paths := sg.Path
	if sg.World {
		title = "Full sync (scap sync-world: rebuilds the l10n cache) to all app servers"
		paths = strings.Join(sg.Paths, " ")
	}
	return &runbooks.Step{
		ID: sg.ID, Title: title, Role: config.RoleDeploy, Dir: cfg.StagingDir,
		Command: bp.syncCommands(sg, &runbooks.Facts{})[0].Cmd, Irreversible: true,
		PauseOnDecline: len(bp.syncs) > 1,
		Gate:           bp.syncGateOf(sg, &runbooks.Facts{}, true),
		GateFunc:       bp.syncGate(sg),
		Undo:           "porthole revert " + strings.Join(nums, " ") + " (git revert on the deployment host, then scap sync-file " + paths + " 'Backport: Revert …')",
		Do:             bp.sync(sg), Check: bp.syncedCheck(sg),
	}
}
