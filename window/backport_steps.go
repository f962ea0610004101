package window

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"porthole/config"
	"porthole/gerrit"
	"porthole/gitops"
	"porthole/remote"
	"porthole/runbooks"
)

// deployExec runs a command on the deployment host, streaming its output
// into the transcript: for the commands a deployer types.
func deployExec(sc *runbooks.StepContext) gitops.Run {
	return func(ctx context.Context, cmd remote.Command) (remote.Result, error) {
		return sc.Exec(ctx, config.RoleDeploy, cmd)
	}
}

// deployQuery runs a read-only query on the deployment host, keeping its
// output whole (journaled as a command, not line by line).
func deployQuery(sc *runbooks.StepContext) gitops.Run {
	return func(ctx context.Context, cmd remote.Command) (remote.Result, error) {
		return sc.ExecCapture(ctx, config.RoleDeploy, cmd)
	}
}

func (bp *backport) resolve(ctx context.Context, ch *gerrit.Change) (*gerrit.Change, error) {
	return bp.env.Gerrit.Resolve(ctx, changeRef(ch))
}

// changeRef is the reference a change is re-read by: project~number is exact.
func changeRef(ch *gerrit.Change) string {
	if ch.Project != "" {
		return fmt.Sprintf("%s~%d", ch.Project, ch.Number)
	}
	return fmt.Sprint(ch.Number)
}

func (bp *backport) approve(ch *gerrit.Change) func(context.Context, *runbooks.StepContext) error {
	return func(ctx context.Context, sc *runbooks.StepContext) error {
		cur, err := bp.resolve(ctx, ch)
		if err != nil {
			return err
		}
		if cur.Status == "MERGED" {
			sc.Note(runbooks.Info, "change %d was already merged: no +2 needed", ch.Number)
			return nil
		}
		if err := checkState(cur); err != nil {
			return err
		}
		if cur.PatchSet != ch.PatchSet && ch.PatchSet != 0 {
			sc.Note(runbooks.Warn, "change %d has a new patch set since the plan was made (%d → %d): approving the current one", ch.Number, ch.PatchSet, cur.PatchSet)
		}
		at := sc.Now()
		if err := bp.env.Gerrit.Approve(ctx, cur, "Backport"); err != nil {
			return err
		}
		learnApproval(sc, ch.Number, at, cur.PatchSet)
		sc.Note(runbooks.Info, "+2 on change %d patch set %d with message \"Backport\"", ch.Number, cur.PatchSet)
		return nil
	}
}

func (bp *backport) approvedCheck(ch *gerrit.Change) func(context.Context, *runbooks.StepContext) (bool, error) {
	return func(ctx context.Context, sc *runbooks.StepContext) (bool, error) {
		cur, err := bp.resolve(ctx, ch)
		if err != nil {
			return false, err
		}
		if cur.Status == "MERGED" {
			return true, nil
		}
		for _, v := range cur.Labels["Code-Review"] {
			if v.Value >= 2 {
				return true, nil
			}
		}
		return false, nil
	}
}

func (bp *backport) waitMerge(ch *gerrit.Change) func(context.Context, *runbooks.StepContext) error {
	return func(ctx context.Context, sc *runbooks.StepContext) error {
		cfg := bp.env.Config
		cur, err := bp.resolve(ctx, ch)
		if err != nil {
			return err
		}
		var recheckedAt time.Time // CI votes before a "recheck" are stale
		for {
			if cur.Status == "MERGED" {
				bp.noteMerged(sc, cur, 0)
				return nil
			}
			// a patch set uploaded after our +2 and before this wait began
			// is not approved: ask, rather than wait for a merge that will not come
			approved := sc.Facts().Change(ch.Number)
			if ps := approved.ApprovedPatchSet; ps != 0 && ps != cur.PatchSet {
				if err := bp.reapprove(ctx, sc, ch, cur, fmt.Sprintf("patch set %d was uploaded after the +2 on patch set %d", cur.PatchSet, ps)); err != nil {
					return err
				}
				continue
			}
			opts := gerrit.WaitOptions{Interval: cfg.Gerrit.PollInterval, Timeout: cfg.Gerrit.MergeTimeout, CIAccount: cfg.Gerrit.CIAccount, Events: bp.env.Events}
			opts.ApprovedAt = approved.ApprovedAt
			opts.RecheckedAt = recheckedAt
			var last time.Time
			var lastNote string
			res, err := bp.env.Gerrit.WaitForMerge(ctx, cur, opts, func(st gerrit.WaitStatus) {
				now := sc.Now()
				if st.Note != lastNote || now.Sub(last) >= 30*time.Second {
					last, lastNote = now, st.Note
					text := fmt.Sprintf("waiting for change %d to merge: %s elapsed", ch.Number, st.Elapsed.Round(time.Second))
					if st.Note != "" {
						text += " (" + st.Note + ")"
					}
					sc.Note(runbooks.Info, "%s", text)
				}
			})
			if err != nil {
				return err
			}
			if res.Change != nil {
				cur = res.Change
			}
			switch res.Reason {
			case gerrit.WaitMerged:
				bp.noteMerged(sc, cur, res.Elapsed)
				return nil
			case gerrit.WaitNewPatchSet:
				if err := bp.reapprove(ctx, sc, ch, cur, res.Detail); err != nil {
					return err
				}
			case gerrit.WaitVerifyFailed:
				at, err := bp.recheck(ctx, sc, cur, res)
				if err != nil {
					return err
				}
				recheckedAt = at
			default:
				detail := res.Detail
				if detail == "" {
					detail = string(res.Reason)
				}
				return fmt.Errorf("change %d did not merge (%s after %s): %s", ch.Number, res.Reason, res.Elapsed.Round(time.Second), detail)
			}
		}
	}
}

// commenter posts a comment on a change (*gerrit.Client does).
type commenter interface {
	Comment(ctx context.Context, ch *gerrit.Change, message string) error
}

// recheck is CI failing after the +2: it shows the failed build and asks
// whether to comment "recheck" (Zuul runs the gate again) and wait again;
// it returns when it commented. No (or a Gerrit that cannot comment) ends
// the wait with the failure.
func (bp *backport) recheck(ctx context.Context, sc *runbooks.StepContext, cur *gerrit.Change, res gerrit.WaitResult) (time.Time, error) {
	failed := fmt.Errorf("change %d did not merge (%s after %s): %s", cur.Number, res.Reason, res.Elapsed.Round(time.Second), res.Detail)
	g, ok := bp.env.Gerrit.(commenter)
	if !ok {
		return time.Time{}, failed
	}
	if cur.FailedBuild != "" {
		sc.Note(runbooks.Warn, "CI failed on change %d: %s", cur.Number, cur.FailedBuild)
	}
	d, err := sc.Confirm(ctx, runbooks.Gate{Kind: runbooks.GateConfirm,
		Prompt:  fmt.Sprintf("Change %d failed CI after the +2. Comment \"recheck\" (CI runs again) and keep waiting?", cur.Number),
		Detail:  res.Detail + "\nRecheck only a failure that is not the change's fault (a flaky test, an infrastructure error): read the build first.",
		Default: "n"})
	if err != nil {
		return time.Time{}, err
	}
	if !d.Yes() {
		return time.Time{}, failed
	}
	at := sc.Now()
	if err := g.Comment(ctx, cur, "recheck"); err != nil {
		return time.Time{}, err
	}
	sc.Note(runbooks.Info, "commented \"recheck\" on change %d: waiting for CI again", cur.Number)
	return at, nil
}

// reapprove asks whether to +2 a change's new patch set, and does.
func (bp *backport) reapprove(ctx context.Context, sc *runbooks.StepContext, ch, cur *gerrit.Change, detail string) error {
	d, err := sc.Confirm(ctx, runbooks.Gate{Kind: runbooks.GateConfirm,
		Prompt:  fmt.Sprintf("Change %d was updated to patch set %d while waiting. Re-approve and continue?", ch.Number, cur.PatchSet),
		Detail:  strings.TrimSpace(detail + "\nLook at what changed in the new patch set before you +2 it again."),
		Default: "n"})
	if err != nil {
		return err
	}
	if !d.Yes() {
		return fmt.Errorf("change %d has a new patch set (%d) and was not re-approved: the window stops here", ch.Number, cur.PatchSet)
	}
	at := sc.Now()
	if err := bp.env.Gerrit.Approve(ctx, cur, "Backport"); err != nil {
		return err
	}
	learnApproval(sc, ch.Number, at, cur.PatchSet)
	sc.Note(runbooks.Info, "+2 again on change %d patch set %d", ch.Number, cur.PatchSet)
	return nil
}

func (bp *backport) noteMerged(sc *runbooks.StepContext, cur *gerrit.Change, elapsed time.Duration) {
	rev := cur.MergedRevision
	if rev == "" {
		rev = cur.CurrentRevision
	}
	sc.Learn(func(f *runbooks.Facts) { f.Change(cur.Number).GerritMerged = rev })
	if elapsed > 0 {
		sc.Note(runbooks.Info, "change %d merged after %s (%s)", cur.Number, elapsed.Round(time.Second), abbrev(rev))
	} else {
		sc.Note(runbooks.Info, "change %d is merged (%s)", cur.Number, abbrev(rev))
	}
}

func (bp *backport) mergedCheck(ch *gerrit.Change) func(context.Context, *runbooks.StepContext) (bool, error) {
	return func(ctx context.Context, sc *runbooks.StepContext) (bool, error) {
		cur, err := bp.resolve(ctx, ch)
		if err != nil {
			return false, err
		}
		if cur.Status != "MERGED" {
			return false, nil
		}
		bp.noteMerged(sc, cur, 0)
		return true, nil
	}
}

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
	s := string(patch)
	i := strings.Index(s, "commit "+sha)
	if i < 0 {
		return "commit " + sha + ": not in the saved patch"
	}
	rest := s[i+len("commit "+sha):]
	if j := strings.Index(rest, "\ncommit "); j >= 0 {
		rest = rest[:j]
	}
	lines := strings.Split("commit "+sha+rest, "\n")
	if len(lines) > max {
		lines = append(lines[:max], fmt.Sprintf("… %d more lines in the saved patch", len(lines)-max))
	}
	return strings.Join(lines, "\n")
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

func (bp *backport) syncTestServers(ctx context.Context, sc *runbooks.StepContext) error {
	cmd := bp.env.Config.Commands.SyncTestServers
	if cmd == "" {
		return fmt.Errorf("no test-server sync command configured: set commands.sync_testservers (e.g. scap pull)")
	}
	res, err := sc.ExecAll(ctx, config.RoleTestServers, remote.Command{Cmd: cmd}, remote.FanOutOptions{Name: "sync-testservers"})
	if err != nil {
		return err
	}
	var failed []string
	for _, hr := range res {
		switch {
		case hr.Err != nil:
			failed = append(failed, fmt.Sprintf("%s (%v)", hr.Host, hr.Err))
		case hr.Skipped:
			failed = append(failed, hr.Host+" (not started)")
		case hr.Result.ExitCode != 0:
			failed = append(failed, fmt.Sprintf("%s (exit %d)", hr.Host, hr.Result.ExitCode))
		}
	}
	if len(failed) > 0 {
		return &syncError{msg: fmt.Sprintf("%s failed on %d of %d test servers: %s", cmd, len(failed), len(res), strings.Join(failed, ", ")), transient: allTransient(res)}
	}
	sc.Note(runbooks.Info, "%s done on %s", cmd, countOf(len(res), "test server"))
	return nil
}

// syncError is a fan-out that failed; transient when every failure was a connection error.
type syncError struct {
	msg       string
	transient bool
}

func (e *syncError) Error() string   { return e.msg }
func (e *syncError) Transient() bool { return e.transient }

func allTransient(res []remote.HostResult) bool {
	any := false
	for _, hr := range res {
		if hr.Failed() {
			if hr.Err == nil || !runbooks.IsTransient(hr.Err) {
				return false
			}
			any = true
		}
	}
	return any
}

func (bp *backport) postDeploy(ctx context.Context, sc *runbooks.StepContext) error {
	var patch []byte
	for _, g := range bp.repos {
		f := sc.Facts().Repo(g.Repo).PatchFile
		if f == "" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			sc.Note(runbooks.Warn, "cannot read the saved patch of %s (%v): no maintenance suggestions for it", g.Repo, err)
			continue
		}
		patch = append(patch, b...)
	}
	sugs := runbooks.Suggest(patch, bp.changes)
	for _, s := range sugs {
		sc.Note(runbooks.Info, "suggested: %s %s: %s", s.Runbook, paramString(s.Params), s.Reason)
	}
	if sugs == nil {
		sugs = []runbooks.Suggestion{}
	}
	sc.Learn(func(f *runbooks.Facts) { f.Suggestions, f.Suggested = sugs, true })
	if open := unaddressed(sc.Plan.Warnings, sc.Facts()); len(open) > 0 {
		for _, o := range open {
			sc.Note(runbooks.Danger, "%s", o)
		}
		return fmt.Errorf("the window is not done: %s", strings.Join(open, "; "))
	}
	sc.Note(runbooks.Info, "ask %s to verify again with X-Wikimedia-Debug turned off, and watch the error logs (logspam-watch) for a few minutes", owners(bp.changes))
	sc.Note(runbooks.Info, "if it misbehaves: porthole revert (r) reverts on the deployment host and syncs first, then pushes the revert to Gerrit")
	return nil
}

func paramString(p map[string]string) string {
	var keys []string
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+"="+p[k])
	}
	return strings.Join(parts, " ")
}

// learnApproval records that change n's patch set ps was +2'd at.
func learnApproval(sc *runbooks.StepContext, n int, at time.Time, ps int) {
	sc.Learn(func(f *runbooks.Facts) {
		cf := f.Change(n)
		cf.ApprovedAt, cf.ApprovedPatchSet = at.UTC(), ps
	})
}
