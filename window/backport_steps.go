package window

import (
	"context"
	"fmt"
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
			opts.RecheckedAt, opts.ReportedFailureAt = approved.RecheckedAt, approved.CIFailureShown
			if shown := approved.CIFailureShown; !shown.IsZero() && !shown.Before(approved.RecheckedAt) {
				sc.Note(runbooks.Info, "change %d's CI failure (%s) was already shown: waiting for CI's next result. Comment \"recheck\" on the change in Gerrit, or have the owner upload a fixed patch set", ch.Number, shown.UTC().Format("15:04:05 UTC"))
			}
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
				if err := bp.recheck(ctx, sc, cur, res); err != nil {
					return err
				}
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
// it returns nil when it commented. No (or a Gerrit that cannot comment)
// fails the step with what to do; the failure is remembered as shown, so
// retrying the step waits for CI's next result instead of failing at once.
func (bp *backport) recheck(ctx context.Context, sc *runbooks.StepContext, cur *gerrit.Change, res gerrit.WaitResult) error {
	if cur.FailedBuild != "" {
		sc.Note(runbooks.Warn, "CI failed on change %d: %s", cur.Number, cur.FailedBuild)
	}
	if g, ok := bp.env.Gerrit.(commenter); ok {
		d, err := sc.Confirm(ctx, runbooks.Gate{Kind: runbooks.GateConfirm,
			Prompt: fmt.Sprintf("Change %d failed CI after the +2. Comment \"recheck\" (CI runs again) and keep waiting?", cur.Number),
			Detail: res.Detail + "\nRecheck only a failure that is not the change's fault (a flaky test, an infrastructure error): read the build first." +
				"\nNo stops this step, with nothing synced: fix the change or recheck it in Gerrit, then retry the step; it waits for CI's next result.",
			Default: "n"})
		if err != nil {
			return err
		}
		if d.Yes() {
			at := sc.Now()
			if err := g.Comment(ctx, cur, "recheck"); err != nil {
				return err
			}
			sc.Learn(func(f *runbooks.Facts) { f.Change(cur.Number).RecheckedAt = at })
			sc.Note(runbooks.Info, "commented \"recheck\" on change %d: waiting for CI again", cur.Number)
			return nil
		}
	}
	if !res.VoteAt.IsZero() {
		sc.Learn(func(f *runbooks.Facts) { f.Change(cur.Number).CIFailureShown = res.VoteAt })
	}
	return fmt.Errorf("%s. Nothing was synced. Fix the change (a new patch set) or comment \"recheck\" on it in Gerrit, then retry this step: it waits for CI's next result", res.Detail)
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

// learnApproval records that change n's patch set ps was +2'd at.
func learnApproval(sc *runbooks.StepContext, n int, at time.Time, ps int) {
	sc.Learn(func(f *runbooks.Facts) {
		cf := f.Change(n)
		cf.ApprovedAt, cf.ApprovedPatchSet = at.UTC(), ps
	})
}
