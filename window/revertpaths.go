package window

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"porthole/config"
	"porthole/gitops"
	"porthole/runbooks"
)

// revertSync computes what to sync after reverting t, from the revert's own
// diff (the inverse of the deployed commit's): a file the change added is
// removed by the revert, so its nearest directory that still exists is
// synced (scap refuses a missing path); a rename syncs both sides; a mode
// change or a restored file syncs the file; a submodule the change bumped
// is updated (`git submodule update --checkout PATH`) and synced whole. Localisation
// files, or a removed top-level file of the config checkout, need the full
// sync.
func revertSync(ctx context.Context, run gitops.Run, staging string, t *revertTarget) error {
	changes, err := gitops.DiffRaw(ctx, run, t.Dir, t.SHA)
	if err != nil {
		return fmt.Errorf("reading what %s changed in %s: %w", abbrev(t.SHA), t.Dir, err)
	}
	prefix := strings.TrimPrefix(strings.TrimPrefix(t.Dir, staging), "/")
	var rels []string
	root := false
	for _, c := range changes {
		if IsL10nFile(c.Path) {
			t.World = true
		}
		switch {
		case c.Gitlink() && c.OldMode == "160000" && c.NewMode == "160000":
			t.Subs = append(t.Subs, c.Path)
			rels = append(rels, c.Path)
		case c.Status == 'A' || (c.Gitlink() && c.OldMode == "000000"):
			// the change added it: after the revert it is gone
			d, err := existingDir(ctx, run, t.Dir, t.SHA, path.Dir(c.Path))
			if err != nil {
				return err
			}
			if d == "" {
				root = true
				continue
			}
			rels = append(rels, d)
		default:
			rels = append(rels, c.Path)
		}
	}
	if root {
		if prefix == "" {
			t.World = true
		} else {
			rels = nil
			t.Paths = []string{prefix}
			return nil
		}
	}
	t.Paths = groupPaths(prefix, rels)
	if len(t.Paths) == 0 && !t.World {
		return fmt.Errorf("%s changes nothing in %s: there is nothing to revert", abbrev(t.SHA), t.Dir)
	}
	return nil
}

// existingDir is d, or its nearest parent, that exists both before the
// change (sha^1) and now (HEAD), so it still exists after the revert; "" for
// the checkout's root.
func existingDir(ctx context.Context, run gitops.Run, dir, sha, d string) (string, error) {
	for ; d != "." && d != "/" && d != ""; d = path.Dir(d) {
		before, err := gitops.PathExists(ctx, run, dir, sha+"^1", d)
		if err != nil {
			return "", err
		}
		if !before {
			continue
		}
		now, err := gitops.PathExists(ctx, run, dir, "HEAD", d)
		if err != nil {
			return "", err
		}
		if now {
			return d, nil
		}
	}
	return "", nil
}

// revertSyncNote says why the revert syncs what it syncs, for its gate.
func revertSyncNote(ts []*revertTarget) string {
	var notes []string
	for _, t := range ts {
		if len(t.Subs) > 0 {
			notes = append(notes, fmt.Sprintf("change %d moved %s: after the revert, git submodule update --checkout %s (a submodule with security patches gets only them replayed on the old commit: git rebase --onto OLD NEW)", t.Change.Number, strings.Join(t.Subs, ", "), strings.Join(t.Subs, " ")))
		}
		if t.World {
			notes = append(notes, fmt.Sprintf("change %d touches localisation files: the revert uses the full sync, which rebuilds the l10n cache", t.Change.Number))
		}
	}
	return strings.Join(notes, "\n")
}

// syncCmds are the revert's syncs: one per path, or the full sync.
func (rp *revertPlan) syncCmds() []syncCmd {
	cfg := rp.env.Config
	if rp.world {
		return []syncCmd{{Message: rp.sal, Cmd: config.ExpandCommand(cfg.Commands.SyncWorld, map[string]string{"message": rp.sal})}}
	}
	var out []syncCmd
	for _, p := range rp.paths {
		out = append(out, syncCmd{Path: p, Message: rp.sal, Cmd: config.ExpandCommand(cfg.Commands.SyncFile, map[string]string{"path": p, "message": rp.sal})})
	}
	return out
}

// revertCommand is what reverting t runs in its directory.
func revertCommand(t *revertTarget) string {
	c := gitops.RevertCommand(t.SHA, t.Merge)
	for _, p := range t.Subs {
		c += " && " + gitops.SubmoduleCheckoutCommand(p)
	}
	return c
}

// subsBefore reads, before the revert, each submodule the change moved:
// the commit recorded and the local commits (security patches) on top.
func subsBefore(ctx context.Context, q gitops.Run, dir string, paths []string) (map[string]*gitops.SubmoduleState, error) {
	out := map[string]*gitops.SubmoduleState{}
	for _, p := range paths {
		st, err := gitops.SubmoduleCommit(ctx, q, dir, p)
		if err != nil {
			return nil, err
		}
		out[p] = st
	}
	return out, nil
}

// updateSubs brings each submodule to the commit the revert records; see
// updateSub. On an error it stops: the submodules before were updated,
// the one that failed says where it stands, those after were not touched.
func updateSubs(ctx context.Context, sc *runbooks.StepContext, dir string, paths []string, before map[string]*gitops.SubmoduleState) error {
	for _, p := range paths {
		if err := updateSub(ctx, sc, dir, p, before[p]); err != nil {
			return err
		}
	}
	return nil
}

// updateSub brings submodule p to the commit the superproject now records.
// A submodule carrying local commits (b) gets only those replayed on it
// (`git rebase --onto OLD NEW`): `git submodule update` would drop them
// (update=checkout) or replay the reverted commits too (update=rebase).
// One without is checked out at that commit (subCheckout).
func updateSub(ctx context.Context, sc *runbooks.StepContext, dir, p string, b *gitops.SubmoduleState) error {
	if b == nil || len(b.LocalCommits) == 0 {
		return subCheckout(ctx, sc, dir, p)
	}
	after, err := gitops.SubmoduleCommit(ctx, deployQuery(sc), dir, p)
	if err != nil {
		return err
	}
	if !shaRe.MatchString(after.Recorded) || !shaRe.MatchString(b.Recorded) {
		return fmt.Errorf("%s: unexpected recorded commits %q, %q", p, after.Recorded, b.Recorded)
	}
	sub := path.Join(dir, p)
	if err := gitops.RebaseOnto(ctx, deployExec(sc), sub, after.Recorded, b.Recorded); err != nil {
		return replayFailed(p, sub, after.Recorded, b.Recorded, len(b.LocalCommits), err)
	}
	now, err := gitops.SubmoduleCommit(ctx, deployQuery(sc), dir, p)
	if err != nil {
		return err
	}
	if now.Relation != gitops.SubAhead || len(now.LocalCommits) != len(b.LocalCommits) {
		return fmt.Errorf("%s is %s the recorded %s with %d local commit(s) after the rebase, want %d on top: look before syncing",
			p, now.Relation, abbrev(now.Recorded), len(now.LocalCommits), len(b.LocalCommits))
	}
	sc.Note(runbooks.Info, "%s: back at %s with its %d local commit(s) (security patches) replayed on top", p, abbrev(after.Recorded), len(b.LocalCommits))
	return nil
}

// subCheckout brings submodule p, which has no local commits to keep, to
// exactly the commit the superproject records (`git submodule update
// --checkout`, whatever its update mode: with update=rebase a plain update
// leaves a submodule at the newer commit it is undoing), and checks it is
// there.
func subCheckout(ctx context.Context, sc *runbooks.StepContext, dir, p string) error {
	if err := gitops.SubmoduleCheckout(ctx, deployExec(sc), dir, p); err != nil {
		return err
	}
	now, err := gitops.SubmoduleCommit(ctx, deployQuery(sc), dir, p)
	if err != nil {
		return err
	}
	if now.Relation != gitops.SubSame {
		return fmt.Errorf("%s is at %s after `%s` but the superproject records %s (%s): look before syncing",
			p, abbrev(now.CheckedOut), gitops.SubmoduleCheckoutCommand(p), abbrev(now.Recorded), now.Relation)
	}
	sc.Note(runbooks.Info, "%s: checked out %s, as the superproject records ✓", p, abbrev(now.CheckedOut))
	return nil
}

// replayFailed says where submodule p (checked out in sub) stands after
// replaying its n security patches from new onto old failed: put back at
// new with them (the rebase was aborted), and the command to replay them by
// hand; or, when the rebase was not aborted, that it must be looked at.
func replayFailed(p, sub, old, new string, n int, err error) error {
	what := fmt.Sprintf("replaying %s's %d local commit(s) (security patches) onto %s", p, n, abbrev(old))
	var ab *gitops.Aborted
	if !errors.As(err, &ab) {
		return fmt.Errorf("%s: %w — look at %s (git status) before syncing", what, err, sub)
	}
	return fmt.Errorf("%s stopped (%w); `git rebase --abort` ran, so %s is back where it was: at %s with its %d security patch(es) on top, "+
		"not at the %s the superproject records. %s",
		what, ab.Err, p, abbrev(new), n, abbrev(old), replayByHand(sub, old, new, fmt.Sprintf("only the %d patch(es)", n)))
}

// replayByHand is what a deployer runs to replay a submodule's security
// patches (the commits after new) onto old, the commit the superproject
// records, and how to check it; patches says what the log should list.
func replayByHand(sub, old, new, patches string) string {
	return fmt.Sprintf("By hand, before syncing: in %s run `%s`, resolve the conflict (git status, then git rebase --continue) "+
		"and check that `git log --oneline %s..HEAD` lists %s", sub, gitops.RebaseOntoCommand(old, new), abbrev(old), patches)
}

// subsReverted checks, when t was reverted earlier (a retry or a resume
// after updateSubs stopped), that each submodule it moved is where the
// revert put it: the commit the superproject records, alone or with local
// commits (security patches) on top that do not include the commit t
// moved it to. A replay that stopped and was not finished by hand is
// reported, never synced.
func subsReverted(ctx context.Context, q gitops.Run, t *revertTarget) error {
	for _, p := range t.Subs {
		st, err := gitops.SubmoduleCommit(ctx, q, t.Dir, p)
		if err != nil {
			return err
		}
		if st.Relation == gitops.SubSame {
			continue
		}
		if st.Relation != gitops.SubAhead {
			return fmt.Errorf("%s is %s the recorded %s: bring it there (%s) before syncing", p, st.Relation, abbrev(st.Recorded), gitops.SubmoduleCheckoutCommand(p))
		}
		moved, err := gitops.Gitlink(ctx, q, t.Dir, t.SHA, p)
		if err != nil {
			return err
		}
		sub := path.Join(t.Dir, p)
		carried, err := subCarries(ctx, q, sub, moved, st.Recorded)
		if err != nil {
			return err
		}
		if !carried {
			continue
		}
		return fmt.Errorf("%s still has %s, the commit the reverted change moved it to, under its local commits, not the %s the superproject records. %s",
			p, abbrev(moved), abbrev(st.Recorded), replayByHand(sub, st.Recorded, moved, "only its security patches"))
	}
	return nil
}

// subCarries tells whether the submodule checked out in sub still carries
// moved, the commit a change now undone (reverted, rolled back) moved it
// to, where the superproject records recorded: moved is under its HEAD and
// not under recorded (a change that moved it backwards, to a commit the
// recorded one contains, leaves nothing to take away).
func subCarries(ctx context.Context, q gitops.Run, sub, moved, recorded string) (bool, error) {
	kept, err := gitops.IsAncestor(ctx, q, sub, moved, "HEAD")
	if err != nil || !kept {
		return false, err
	}
	back, err := gitops.IsAncestor(ctx, q, sub, moved, recorded)
	return !back, err
}
