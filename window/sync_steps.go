package window

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"porthole/gerrit"
	"porthole/remote"
	"porthole/runbooks"
	"porthole/runbooks/journal"
)

// scapSync runs one production sync command (from the configured template,
// every value quoted) with runScap: detached on the deployment host, with a
// terminal, its progress and questions followed.
func (bp *backport) scapSync(ctx context.Context, sc *runbooks.StepContext, c syncCmd) error {
	key, what := c.Path, "scap sync-file "+c.Path
	if c.Path == "" {
		key, what = "sync-world", "the full sync"
	}
	code, tail, err := runScap(ctx, sc, key, bp.env.Config.StagingDir, c.Cmd)
	var de *remote.DirError
	if errors.As(err, &de) {
		return fmt.Errorf("%s did not run: %w", what, err)
	}
	if err != nil {
		return err
	}
	if code != 0 {
		return fmt.Errorf("%s exited %d: %s — look at the output, then sync again or revert", what, code, strings.Join(tail, " / "))
	}
	return nil
}

func (bp *backport) sync(sg *syncGroup) func(context.Context, *runbooks.StepContext) error {
	return func(ctx context.Context, sc *runbooks.StepContext) error {
		for _, c := range bp.syncCommands(sg, sc.Facts()) {
			if err := bp.scapSync(ctx, sc, c); err != nil {
				return err
			}
			if c.Path == "" {
				sc.Note(runbooks.Info, "full sync done: the l10n cache is rebuilt")
			} else {
				sc.Note(runbooks.Info, "synced %s", c.Path)
			}
		}
		bp.learnSynced(sc, sg)
		return nil
	}
}

// learnSynced records that sync step sg completed: what a revert needs.
func (bp *backport) learnSynced(sc *runbooks.StepContext, sg *syncGroup) {
	sc.Learn(func(f *runbooks.Facts) {
		for _, ch := range sg.Changes {
			cf := f.Change(ch.Number)
			for _, p := range bp.changeSyncPaths(sg, ch) {
				if !hasString(cf.SyncPaths, p) {
					cf.SyncPaths = append(cf.SyncPaths, p)
				}
			}
			cf.Synced = true
		}
		f.MarkSynced(sg.ID)
	})
}

// changeSyncPaths are the paths sync sg deployed for ch (for the full sync,
// the change's own paths).
func (bp *backport) changeSyncPaths(sg *syncGroup, ch *gerrit.Change) []string {
	if !sg.World {
		return []string{sg.Path}
	}
	l := bp.locs[ch.Number]
	if l == nil {
		return nil
	}
	ps := SyncPaths(l.Prefix, ch.Files)
	if len(ps) == 0 && l.Prefix != "" {
		ps = []string{l.Prefix}
	}
	return ps
}

// syncCovered is true when one of the checkout's planned sync paths covers p.
func (bp *backport) syncCovered(g *repoGroup, p string) bool {
	for _, sg := range bp.syncs {
		if sg.World || (sg.Repo == g && coveredBy(p, sg.Path)) {
			return true
		}
	}
	return false
}

// syncedCheck, on resume, says whether sync step sg completed: the facts
// say so, or the journal holds, for every command the step runs, scap's
// exit 0 and its closing line ("Synchronized PATH: …", "Finished scap
// sync-world: …") although porthole stopped before recording the step's end;
// then it records what the sync would have (what a revert needs).
func (bp *backport) syncedCheck(sg *syncGroup) func(context.Context, *runbooks.StepContext) (bool, error) {
	return func(ctx context.Context, sc *runbooks.StepContext) (bool, error) {
		if sc.Facts().Synced[sg.ID] {
			return true, nil
		}
		if sc.Prior != nil {
			cmds := bp.syncCommands(sg, sc.Facts())
			completed := true
			for _, c := range cmds {
				completed = completed && journaledSync(sc.Prior, c)
			}
			if completed {
				bp.learnSynced(sc, sg)
				sc.Note(runbooks.Info, "the journal holds scap's exit 0 and its closing line for %s: it completed before porthole stopped, so it is marked done", countOf(len(cmds), "sync command"))
				return true, nil
			}
		}
		// scap was started by the porthole that stopped: finish the step by
		// reattaching to it (or reading its recorded result), without asking again.
		if !scapStarted(sc) {
			return false, nil
		}
		if err := bp.sync(sg)(ctx, sc); err != nil {
			return false, err
		}
		return true, nil
	}
}

// journaledSync is true when the step's journal holds c's last run with
// exit 0 and scap's closing line for it.
func journaledSync(prior *journal.StepLog, c syncCmd) bool {
	ok := false
	for _, rec := range prior.Commands {
		if strings.Contains(rec.Cmd, c.Cmd) {
			ok = rec.Exit != nil && *rec.Exit == 0 && rec.Error == ""
		}
	}
	if !ok {
		return false
	}
	want := "Synchronized " + c.Path + ": "
	if c.Path == "" {
		want = "Finished scap sync-world: "
	}
	for _, rec := range prior.Output {
		if strings.Contains(rec.Text, want) {
			return true
		}
	}
	return false
}

// unaddressed lists the card's warnings that the window did not act on: a
// localisation change not synced with the full sync (the l10n cache is not
// rebuilt), a /static change without its purge suggested.
func unaddressed(ws []runbooks.Warning, f *runbooks.Facts) []string {
	var open []string
	for _, w := range ws {
		switch w.Code {
		case "l10n":
			if !f.Synced["sync-world"] {
				open = append(open, fmt.Sprintf("change %d's localisation files went out without the l10n cache rebuild: run the full sync (scap sync-world) before calling it done", w.Change))
			}
		case "static":
			purge := false
			for _, s := range f.Suggestions {
				purge = purge || s.Runbook == "purgeList"
			}
			if !purge {
				open = append(open, fmt.Sprintf("change %d changes /static files and no purge is planned: purge their URLs (echo URL | mwscript purgeList.php)", w.Change))
			}
		}
	}
	return open
}
