package window

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"porthole/config"
	"porthole/gerrit"
	"porthole/gitops"
	"porthole/gitops/gitlog"
	"porthole/remote"
	"porthole/runbooks"
)

func (bp *backport) status(g *repoGroup) func(context.Context, *runbooks.StepContext) error {
	return func(ctx context.Context, sc *runbooks.StepContext) error {
		// what the deployer reads, then what porthole checks
		if _, err := sc.Exec(ctx, config.RoleDeploy, remote.Command{Cmd: "git status", Dir: g.Dir}); err != nil {
			return err
		}
		st, err := gitops.Status(ctx, deployQuery(sc), g.Dir)
		if err != nil {
			return err
		}
		f := AssessStatus(st)
		for _, e := range f.Expected {
			sc.Note(runbooks.Info, "%s: %s", g.Repo, e)
		}
		for _, p := range f.Problems {
			sc.Note(runbooks.Danger, "%s: %s", g.Repo, p)
		}
		if len(f.Problems) > 0 {
			return fmt.Errorf("%s is not clean (%s): someone changed the deployment host by hand; ask in #wikimedia-operations, clean it up, then resume",
				g.Dir, firstPaths(f.Problems, 2))
		}
		sc.Learn(func(f *runbooks.Facts) { f.Repo(g.Repo).StatusHead = st.Head })
		sc.Note(runbooks.Info, "%s is clean at %s", g.Repo, abbrev(st.Head))
		return nil
	}
}

func (bp *backport) fetch(g *repoGroup) func(context.Context, *runbooks.StepContext) error {
	return func(ctx context.Context, sc *runbooks.StepContext) error {
		return gitops.Fetch(ctx, deployExec(sc), g.Dir)
	}
}

// patchFile is where a checkout's incoming patch is kept for the diff viewer.
func (bp *backport) patchFile(sc *runbooks.StepContext, repo string) string {
	return filepath.Join(config.StateDir(bp.env.Config), "windows", sc.Plan.ID, "incoming-"+repo+".patch")
}

func (bp *backport) review(g *repoGroup) func(context.Context, *runbooks.StepContext) error {
	return func(ctx context.Context, sc *runbooks.StepContext) error {
		q := deployQuery(sc)
		patch, err := gitops.LogPatch(ctx, q, g.Dir, g.PHP)
		if err != nil {
			return err
		}
		file := bp.patchFile(sc, g.Repo)
		if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
			return fmt.Errorf("saving the incoming patch: %w", err)
		}
		if err := os.WriteFile(file, patch, 0o600); err != nil {
			return fmt.Errorf("saving the incoming patch: %w", err)
		}
		commits, err := gitops.Incoming(ctx, q, g.Dir)
		if err != nil {
			return err
		}
		sc.Learn(func(f *runbooks.Facts) {
			rf := f.Repo(g.Repo)
			rf.PatchFile, rf.Incoming = file, len(commits)
		})
		upstream, err := gitops.RevParse(ctx, q, g.Dir, "@{u}")
		if err != nil {
			return err
		}
		chk := gitops.CheckIncoming(commits, g.changeIDs())
		for _, ch := range g.Changes {
			for _, c := range chk.Matched[ch.ChangeID] {
				sc.Note(runbooks.Info, "✓ %s %s (change %d)", c.Short(), c.Subject, ch.Number)
			}
		}
		for _, c := range chk.Merges {
			sc.Note(runbooks.Info, "✓ %s %s (Gerrit's merge commit)", c.Short(), c.Subject)
		}
		if len(chk.Missing) > 0 {
			return bp.missing(ctx, sc, g, chk.Missing)
		}
		if len(chk.Extra) > 0 {
			if err := bp.decideExtras(ctx, sc, g, chk.Extra, patch); err != nil {
				return err
			}
		}
		if g.PHP {
			moved, err := gitops.ChangedSubmodules(ctx, q, g.Dir, "HEAD", upstream)
			if err != nil {
				return err
			}
			sc.Learn(func(f *runbooks.Facts) { f.Repo(g.Repo).MovedSubmodules = moved })
		}
		sc.Learn(func(f *runbooks.Facts) { f.Repo(g.Repo).Upstream = upstream })
		sc.Note(runbooks.Info, "%s: %s to rebase onto %s; the diff is in %s", g.Repo, countOf(len(commits), "commit"), abbrev(upstream), file)
		return nil
	}
}

// missing explains why an expected change is not among the fetched commits.
func (bp *backport) missing(ctx context.Context, sc *runbooks.StepContext, g *repoGroup, ids []string) error {
	var msgs []string
	for _, id := range ids {
		num := 0
		for _, ch := range g.Changes {
			if ch.ChangeID == id {
				num = ch.Number
			}
		}
		c, inHead, err := gitops.FindByChangeID(ctx, deployQuery(sc), g.Dir, "HEAD", id)
		switch {
		case err != nil:
			return err
		case inHead:
			msgs = append(msgs, fmt.Sprintf("change %d is already in HEAD (%s): someone rebased it before; ask who, and whether it is synced", num, c.Short()))
		default:
			msgs = append(msgs, fmt.Sprintf("change %d (%s) is not among the fetched commits HEAD..@{u}: is it really merged on %s? run the fetch again", num, id, g.Repo))
		}
	}
	for _, m := range msgs {
		sc.Note(runbooks.Danger, "%s", m)
	}
	return errors.New(msgs[0])
}

// decideExtras shows commits nobody asked for and asks what to do.
func (bp *backport) decideExtras(ctx context.Context, sc *runbooks.StepContext, g *repoGroup, extra []gitops.Commit, patch []byte) error {
	var lines []string
	for _, c := range extra {
		line := fmt.Sprintf("%s %s (%s)", c.Short(), c.Subject, c.Author)
		lines = append(lines, line)
		sc.Note(runbooks.Warn, "✗ not part of this window: %s", line)
	}
	gate := runbooks.Gate{Kind: runbooks.GateChoice,
		Prompt: fmt.Sprintf("%s came with the fetch of %s: deploy them too?", countOf(len(extra), "unexpected commit"), g.Repo),
		Detail: strings.Join(lines, "\n") + "\n\nThey are not part of the changes you +2'd. Ask their authors in #wikimedia-operations before deploying them.",
		Choices: []runbooks.Choice{{Key: "d", Label: "Show their diff"}, {Key: "a", Label: "Deploy all (the extra commits go live too)"},
			{Key: "n", Label: "Abort the window"}},
		Default: "n"}
	for {
		d, err := sc.Confirm(ctx, gate)
		if err != nil {
			return err
		}
		switch d.Choice {
		case "d":
			for _, c := range extra {
				sc.Note(runbooks.Warn, "%s", commitSegment(patch, c.SHA, 300))
			}
			continue
		case "a":
			return bp.acceptExtras(sc, g, extra, patch)
		default:
			return fmt.Errorf("unexpected commits in %s (%s): window aborted by the deployer; nothing was rebased", g.Repo, firstPaths(lines, 2))
		}
	}
}

// acceptExtras records the extra commits and what each needs synced, so
// that the sync gates show them with their own SAL text.
func (bp *backport) acceptExtras(sc *runbooks.StepContext, g *repoGroup, extra []gitops.Commit, patch []byte) error {
	pcs, err := gitops.ParsePatchLog(patch)
	if err != nil {
		return err
	}
	var extras []runbooks.ExtraCommit
	var all []string
	for _, c := range extra {
		var files []gerrit.File
		for _, pc := range pcs {
			if pc.SHA != c.SHA {
				continue
			}
			for _, f := range pc.Files {
				gf := gerrit.File{Path: f.NewName, OldPath: f.OldName}
				switch {
				case f.IsDelete:
					gf.Path, gf.Status = f.OldName, "D"
				case f.IsRename:
					gf.Status = "R"
				}
				files = append(files, gf)
			}
		}
		paths := SyncPaths(g.Prefix, files)
		extras = append(extras, runbooks.ExtraCommit{SHA: c.SHA, Author: c.Author, Subject: c.Subject, Paths: paths})
		for _, p := range paths {
			if !hasString(all, p) {
				all = append(all, p)
			}
		}
	}
	sc.Learn(func(f *runbooks.Facts) {
		rf := f.Repo(g.Repo)
		rf.Extras, rf.SyncExtra = extras, all
	})
	sc.Note(runbooks.Warn, "deploying %s too, decided by %s; their paths (%s) are added to the production syncs, each with its own SAL text",
		countOf(len(extra), "unexpected commit"), sc.Decision.By, strings.Join(all, ", "))
	return nil
}

// commitSegment is one commit's part of a git log -p text, cut to max lines.
func commitSegment(patch []byte, sha string, max int) string {
	_, commits := gitlog.SplitLog(patch)
	for _, c := range commits {
		head, _, _ := bytes.Cut(c, []byte("\n"))
		if got, ok := gitlog.CommitHeader(head); !ok || got != sha {
			continue
		}
		lines := strings.Split(strings.TrimSuffix(string(c), "\n"), "\n")
		if len(lines) > max {
			lines = append(lines[:max], fmt.Sprintf("… %d more lines in the saved patch", len(lines)-max))
		}
		return strings.Join(lines, "\n")
	}
	return "commit " + sha + ": not in the saved patch"
}

func (bp *backport) rebase(g *repoGroup) func(context.Context, *runbooks.StepContext) error {
	return func(ctx context.Context, sc *runbooks.StepContext) error {
		up := sc.Facts().Repo(g.Repo).Upstream
		if up == "" {
			return fmt.Errorf("%s was not reviewed in this window: run the review step first", g.Repo)
		}
		q := deployQuery(sc)
		cur, err := gitops.RevParse(ctx, q, g.Dir, "@{u}")
		if err != nil {
			return err
		}
		if cur != up {
			return fmt.Errorf("the upstream of %s moved since the review (%s → %s: someone fetched again): run the review again before rebasing", g.Repo, abbrev(up), abbrev(cur))
		}
		if err := gitops.Rebase(ctx, deployExec(sc), g.Dir); err != nil {
			return err
		}
		ok, err := gitops.IsAncestor(ctx, q, g.Dir, up, "HEAD")
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("after git rebase, HEAD of %s does not contain the reviewed %s: look at git log before anything else", g.Dir, abbrev(up))
		}
		return bp.recordMerged(ctx, sc, g)
	}
}

func (bp *backport) rebasedCheck(g *repoGroup) func(context.Context, *runbooks.StepContext) (bool, error) {
	return func(ctx context.Context, sc *runbooks.StepContext) (bool, error) {
		up := sc.Facts().Repo(g.Repo).Upstream
		if up == "" {
			return false, nil
		}
		ok, err := gitops.IsAncestor(ctx, deployQuery(sc), g.Dir, up, "HEAD")
		if err != nil || !ok {
			return false, err
		}
		return true, bp.recordMerged(ctx, sc, g)
	}
}

// recordMerged finds each config or core change's commit in the rebased
// checkout and records what a revert needs.
func (bp *backport) recordMerged(ctx context.Context, sc *runbooks.StepContext, g *repoGroup) error {
	for _, ch := range g.Changes {
		l := bp.locs[ch.Number]
		if l.Kind == KindSubmodule {
			continue
		}
		if err := bp.recordCommit(ctx, sc, ch, l.Dir); err != nil {
			return err
		}
	}
	return nil
}

func (bp *backport) recordCommit(ctx context.Context, sc *runbooks.StepContext, ch *gerrit.Change, dir string) error {
	c, ok, err := gitops.FindByChangeID(ctx, deployQuery(sc), dir, "HEAD", ch.ChangeID)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s does not contain change %d (%s) after the update: look at git log there before syncing", dir, ch.Number, ch.ChangeID)
	}
	sc.Learn(func(f *runbooks.Facts) {
		cf := f.Change(ch.Number)
		cf.Commit, cf.Repo, cf.MergeCommit = c.SHA, dir, c.IsMerge()
	})
	return nil
}

func (bp *backport) submodules(g *repoGroup) func(context.Context, *runbooks.StepContext) error {
	return func(ctx context.Context, sc *runbooks.StepContext) error {
		q := deployQuery(sc)
		moved := sc.Facts().Repo(g.Repo).MovedSubmodules
		paths := append([]string(nil), g.SubPaths...)
		for _, p := range moved {
			if !hasString(paths, p) {
				paths = append(paths, p)
			}
		}
		if len(paths) == 0 {
			sc.Note(runbooks.Info, "the rebase moved no submodule in %s: nothing to update", g.Repo)
			return nil
		}
		var subs []gitops.Submodule
		for _, p := range paths {
			if _, err := sc.Exec(ctx, config.RoleDeploy, remote.Command{Cmd: gitops.Cmd("status", p), Dir: g.Dir}); err != nil {
				return err
			}
			before, err := gitops.SubmoduleCommit(ctx, q, g.Dir, p)
			if err != nil {
				return err
			}
			if len(before.LocalCommits) > 0 {
				if subs == nil {
					if subs, err = gitops.Submodules(ctx, q, g.Dir); err != nil {
						return err
					}
				}
				name := p
				for _, s := range subs {
					if s.Path == p {
						name = s.Name
					}
				}
				mode, err := gitops.SubmoduleUpdateMode(ctx, q, g.Dir, name)
				if err != nil {
					return err
				}
				if mode != "rebase" && mode != "merge" {
					return fmt.Errorf("%s has %s (security patches) that `git submodule update` (update=%s) would drop: set submodule.%s.update=rebase or re-apply them by hand; nothing was changed",
						p, countOf(len(before.LocalCommits), "local commit"), mode, name)
				}
			}
			if err := gitops.SubmoduleUpdate(ctx, deployExec(sc), g.Dir, p); err != nil {
				return err
			}
			after, err := gitops.SubmoduleCommit(ctx, q, g.Dir, p)
			if err != nil {
				return err
			}
			switch {
			case after.Relation == gitops.SubSame && len(before.LocalCommits) > 0:
				return fmt.Errorf("git submodule update dropped %s in %s: re-apply the security patches before syncing", countOf(len(before.LocalCommits), "local commit"), p)
			case after.Relation == gitops.SubSame:
				sc.Note(runbooks.Info, "%s: checked out %s, as %s records ✓", p, abbrev(after.CheckedOut), g.Repo)
			case after.Relation == gitops.SubAhead && len(before.LocalCommits) > 0:
				sc.Note(runbooks.Info, "%s: %s on top of the recorded %s, security patches kept ✓", p, countOf(len(after.LocalCommits), "local commit"), abbrev(after.Recorded))
			default:
				return fmt.Errorf("%s is at %s after `git submodule update` but %s records %s (%s): fix it by hand before syncing anything",
					p, abbrev(after.CheckedOut), g.Repo, abbrev(after.Recorded), after.Relation)
			}
		}
		for _, ch := range g.Changes {
			l := bp.locs[ch.Number]
			if l.Kind != KindSubmodule {
				continue
			}
			if err := bp.recordCommit(ctx, sc, ch, subdir(g, l.SubPath)); err != nil {
				return err
			}
		}
		return nil
	}
}

func hasString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
