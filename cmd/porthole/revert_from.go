package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"porthole/config"
	"porthole/gerrit"
	"porthole/maint"
	"porthole/runbooks"
	"porthole/runbooks/journal"
	"porthole/window"
)

const revertFromUsage = `usage: porthole revert --from WINDOW [--change N]... [-config FILE]
Reverts the changes a past backport window synced to production (all of them,
or only those named with --change), from what its journal recorded: the
deployed commit, its checkout and the paths it synced. Nothing is asked of
Gerrit before the sync. The revert runs as porthole revert does: one
confirmation, revert and sync first, then push the revert for review.
WINDOW may be any unique prefix of a window id (porthole log lists them).`

// changeList collects repeated --change N.
type changeList []int

func (c *changeList) String() string { return fmt.Sprint(*c) }

func (c *changeList) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n <= 0 {
		return fmt.Errorf("--change %q: give a change number, e.g. --change 12345", s)
	}
	*c = append(*c, n)
	return nil
}

// hasFrom says the revert's arguments name a past window (--from).
func hasFrom(args []string) bool {
	for _, a := range args {
		if a == "--from" || a == "-from" || strings.HasPrefix(a, "--from=") || strings.HasPrefix(a, "-from=") {
			return true
		}
	}
	return false
}

// runRevertFrom is porthole revert --from WINDOW: the revert of a past
// window's synced changes, through the same runner, gates and journal as
// porthole revert.
func runRevertFrom(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("porthole revert", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	ef := addEnvFlags(fs)
	from := fs.String("from", "", "the past window whose changes to revert")
	var only changeList
	fs.Var(&only, "change", "revert only this change of the window (repeatable)")
	reason := fs.String("reason", "", "not taken with --from")
	pos, help, err := parseArgs(fs, args, revertFromUsage, runOut)
	if help || err != nil {
		return err
	}
	if len(pos) > 0 || *from == "" {
		return usageError{msg: "with --from WINDOW, name the changes with --change N (or none for all)\n" + revertFromUsage}
	}
	if *reason != "" {
		return usageError{msg: "--reason is not taken with --from yet: the revert's message says it reverts changes of window " + *from +
			"; give the reason in the SAL and the task\n" + revertFromUsage}
	}
	cfg, err := loadConfig(ef)
	if err != nil {
		return err
	}
	w, all, err := pastWindow(config.StateDir(cfg), *from)
	if err != nil {
		return err
	}
	env, cleanup, err := envFromConfig(ctx, cfg, ef)
	if err != nil {
		return err
	}
	defer cleanup()
	plan, err := buildRevertFrom(ctx, env, w, all, only)
	if err != nil {
		return err
	}
	undos := maint.UndosAfterRevert(w, planNumbers(plan), all)
	printUndos(runOut, "Before you confirm: this deploy's maintenance runs will need undoing", undos)
	j, err := openJournal(env, plan)
	if err != nil {
		return err
	}
	defer j.Close()
	runPrintPlan(runOut, env, plan, nil)
	r := runbooks.NewRunner(env, plan, j, runbooks.RunOptions{})
	r.Start(ctx)
	if err := runDrive(ctx, r, env, plan, false, nil); err != nil {
		return err
	}
	printUndos(runOut, "The revert is live: now undo this deploy's maintenance", undos)
	return nil
}

// pastWindow reads the journal of backport window id, and lists every window.
func pastWindow(state, id string) (*journal.WindowState, []journal.WindowSummary, error) {
	path, err := journal.FindWindow(state, id)
	if err != nil {
		return nil, nil, err
	}
	w, err := journal.LoadWindow(path)
	if err != nil {
		return nil, nil, err
	}
	if w.Kind != "backport" {
		return nil, nil, fmt.Errorf("window %s is a %s window, not a backport: only a backport's changes can be reverted with --from", w.ID, w.Kind)
	}
	all, err := journal.ListWindows(state)
	if err != nil {
		return nil, nil, err
	}
	return w, all, nil
}

// buildRevertFrom builds the revert of the picked (or all) synced changes of
// window w that no later revert window has reverted yet.
func buildRevertFrom(ctx context.Context, env *runbooks.Env, w *journal.WindowState, all []journal.WindowSummary, only []int) (*runbooks.Plan, error) {
	plan := window.PlanOfWindow(w)
	done := journal.RevertsSince(w.ID, all)
	picked := only
	if len(picked) == 0 {
		for _, ch := range window.SyncedChanges(plan, w.Facts) {
			picked = append(picked, ch.Number)
		}
	}
	var left, gone []int
	for _, n := range picked {
		if r, ok := done[n]; ok {
			if !r.Synced {
				return nil, window.NotLiveRevert(w.ID, n, r)
			}
			gone = append(gone, n)
			if len(only) > 0 {
				return nil, fmt.Errorf("change %d of window %s was already reverted, in window %s (porthole log show %s)", n, w.ID, r.Window, r.Window)
			}
			continue
		}
		left = append(left, n)
	}
	if len(picked) > 0 && len(left) == 0 {
		return nil, fmt.Errorf("every synced change of window %s was already reverted (changes %s): nothing is left to revert", w.ID, joinInts(gone))
	}
	if len(gone) > 0 {
		fmt.Fprintf(runOut, "already reverted, left alone: %s\n", joinInts(gone))
	}
	return window.BuildRevertOf(ctx, env, plan, w.Facts, left)
}

// printUndos prints the maintenance to undo after the revert, under head.
func printUndos(out io.Writer, head string, undos []maint.Undo) {
	if len(undos) == 0 {
		return
	}
	fmt.Fprintln(out, head+":")
	for _, u := range undos {
		fmt.Fprintf(out, "  - %s\n", u.Text)
	}
}

// revertHint is what porthole log show adds under a backport window whose
// changes reached production: the commands that revert those not reverted
// since (state: the state dir, to find the later reverts).
func revertHint(w *journal.WindowState, state string) string {
	if w.Kind != "backport" {
		return ""
	}
	all, _ := journal.ListWindows(state)
	done := journal.RevertsSince(w.ID, all)
	var synced []*gerrit.Change
	var b strings.Builder
	for _, ch := range window.SyncedChanges(window.PlanOfWindow(w), w.Facts) {
		switch r, ok := done[ch.Number]; {
		case ok && r.Synced:
			fmt.Fprintf(&b, "- change %d was reverted in window %s\n", ch.Number, r.Window)
			continue
		case ok:
			fmt.Fprintf(&b, "- change %d is reverted on the deployment host by window %s, not synced yet: porthole run --resume %s\n", ch.Number, r.Window, r.Window)
			continue
		}
		synced = append(synced, ch)
	}
	gone := b.String()
	b.Reset()
	if len(synced) == 0 && gone == "" {
		return ""
	}
	b.WriteString("\n## Revert\n\n" + gone)
	if len(synced) == 0 {
		return b.String()
	}
	if gone != "" {
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "To revert what this window synced (revert and sync first, then push for review):\n\n    porthole revert --from %s\n", w.ID)
	if len(synced) > 1 {
		b.WriteString("\nor one change only:\n\n")
		for _, ch := range synced {
			fmt.Fprintf(&b, "    porthole revert --from %s --change %d    # %s\n", w.ID, ch.Number, oneLine(ch.Subject, 60))
		}
	}
	return b.String()
}

func planNumbers(p *runbooks.Plan) []int {
	var out []int
	for _, ch := range p.Changes {
		out = append(out, ch.Number)
	}
	return out
}

func joinInts(ns []int) string {
	var s []string
	for _, n := range ns {
		s = append(s, strconv.Itoa(n))
	}
	return strings.Join(s, ", ")
}
