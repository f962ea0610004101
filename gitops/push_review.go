package gitops

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"porthole/remote"
)

// ReviewBase finds what a commit for review on branch is built on in dir:
// `@{u}` when the checkout is on a branch that tracks BRANCH (php-X, the
// staging directory), else refs/remotes/origin/BRANCH (an extension's
// detached submodule checkout). It returns the name as the deployer would
// type it and its commit.
func ReviewBase(ctx context.Context, run Run, dir, branch string) (name, sha string, err error) {
	branch = strings.TrimPrefix(branch, "refs/heads/")
	up, uerr := out(ctx, run, dir, "rev-parse", "--abbrev-ref", "@{u}")
	if uerr == nil && up != "" {
		if up != branch && !strings.HasSuffix(up, "/"+branch) {
			return "", "", fmt.Errorf("%s tracks %s, not %s: the revert cannot be built on it; push it for review by hand on %s", dir, up, branch, branch)
		}
		name = "@{u}"
	} else {
		var ge *Error
		if uerr != nil && !errors.As(uerr, &ge) {
			return "", "", uerr // the host, not git
		}
		name = "refs/remotes/origin/" + branch
	}
	sha, err = RevParse(ctx, run, dir, name)
	if err != nil {
		return "", "", fmt.Errorf("%s has no %s to build the review commit on (%v): run `git fetch origin` there, then retry", dir, name, err)
	}
	return name, sha, nil
}

// ReviewPush says how to push a local revert for review: the local commit,
// the commit it reverts, and where it goes.
type ReviewPush struct {
	Dir      string // the checkout on the deployment host
	Local    string // the local revert commit (may sit on top of security patches)
	Reverted string // the commit it reverts, which Base must contain
	Branch   string // the change's branch, e.g. wmf/1.44.0-wmf.5
	Topic    string // revert-SHA
}

// ReviewPushResult is what PushRevertForReview did.
type ReviewPushResult struct {
	Base    string // @{u} or refs/remotes/origin/BRANCH
	BaseSHA string
	Commit  string // the pushed commit: Local cherry-picked onto Base (Local itself when its parent is Base)
	Output  string // git push's report (Gerrit names the change there)
	// Cleanup is set when the temporary worktree could not be removed
	// (the push itself went through); the error says what to remove.
	Cleanup error
}

// PushRevertForReview pushes the local revert alone for review, never the
// local commits under it (security patches): in a temporary worktree at
// @{u} it cherry-picks the revert (same message, same Change-Id), removes
// the worktree, checks that `git rev-list BASE..COMMIT` is that one commit,
// and pushes it to refs/for/BRANCH%topic=TOPIC. Every command goes through
// run. If the revert does not apply on the base, nothing is pushed.
func PushRevertForReview(ctx context.Context, run Run, rp ReviewPush) (*ReviewPushResult, error) {
	if err := CheckCommitID("the local revert", rp.Local); err != nil {
		return nil, err
	}
	if err := CheckCommitID("the reverted commit", rp.Reverted); err != nil {
		return nil, err
	}
	base, baseSHA, err := ReviewBase(ctx, run, rp.Dir, rp.Branch)
	if err != nil {
		return nil, err
	}
	res := &ReviewPushResult{Base: base, BaseSHA: baseSHA}
	if ok, err := IsAncestor(ctx, run, rp.Dir, rp.Reverted, base); err != nil {
		return nil, err
	} else if !ok {
		return nil, fmt.Errorf("the reverted commit %s is not in %s (%s) of %s: run `git fetch origin` there, then retry; nothing was pushed",
			short(rp.Reverted), base, short(baseSHA), rp.Dir)
	}
	mk, err := run(ctx, remote.Command{Cmd: "mktemp -d -t porthole-revert.XXXXXX", Keep: true})
	if err != nil || mk.ExitCode != 0 {
		return nil, fmt.Errorf("cannot make a temporary directory on the deployment host for the review commit (mktemp exited %d: %s %v): free /tmp, then retry",
			mk.ExitCode, strings.TrimSpace(string(mk.Stderr)), err)
	}
	tmp := strings.TrimSpace(string(mk.Stdout))
	if tmp == "" || !strings.HasPrefix(tmp, "/") {
		return nil, fmt.Errorf("mktemp on the deployment host printed %q, not a directory: retry", tmp)
	}
	commit, err := buildReviewCommit(ctx, run, rp, base, tmp)
	if _, rerr := git(ctx, run, rp.Dir, "worktree", "remove", "--force", tmp); rerr != nil {
		res.Cleanup = fmt.Errorf("the temporary worktree %s is left behind (%v): remove it with `git worktree remove --force %s` in %s",
			tmp, rerr, remote.Quote(tmp), rp.Dir)
	}
	if err != nil {
		if res.Cleanup != nil {
			err = fmt.Errorf("%w; %v", err, res.Cleanup)
		}
		return nil, err
	}
	res.Commit = commit
	if err := CheckOnlyCommit(ctx, run, rp.Dir, base, commit); err != nil {
		return nil, err
	}
	res.Output, err = Push(ctx, run, rp.Dir, PushArgs(commit, rp.Branch, rp.Topic))
	if err != nil {
		return nil, err
	}
	return res, nil
}

// buildReviewCommit makes the review commit in a worktree at base in tmp
// and returns it; a conflict is aborted and reported.
func buildReviewCommit(ctx context.Context, run Run, rp ReviewPush, base, tmp string) (string, error) {
	if _, err := git(ctx, run, rp.Dir, "worktree", "add", "--detach", tmp, base); err != nil {
		return "", err
	}
	if _, err := git(ctx, run, tmp, "cherry-pick", "--ff", "--end-of-options", rp.Local); err != nil {
		var ge *Error
		if errors.As(err, &ge) {
			_, _ = git(ctx, run, tmp, "cherry-pick", "--abort")
			return "", fmt.Errorf("the revert %s does not apply on %s of %s (%v): nothing was pushed; the production revert is live and synced. "+
				"Make the revert in Gerrit instead (the Revert button on the change), and keep the local commit until it merges", short(rp.Local), base, rp.Dir, err)
		}
		return "", err
	}
	return RevParse(ctx, run, tmp, "HEAD")
}

// CheckOnlyCommit refuses a push that would carry more than commit: `git
// rev-list BASE..COMMIT` must list commit alone. The error names the extra
// commits (local security patches must never reach Gerrit).
func CheckOnlyCommit(ctx context.Context, run Run, dir, base, commit string) error {
	o, err := out(ctx, run, dir, "rev-list", "--end-of-options", base+".."+commit)
	if err != nil {
		return err
	}
	revs := strings.Fields(o)
	if len(revs) == 1 && revs[0] == commit {
		return nil
	}
	if len(revs) == 0 {
		return fmt.Errorf("%s is already in %s of %s: there is nothing new to push for review", short(commit), base, dir)
	}
	var extra []string
	for _, r := range revs {
		if r == commit {
			continue
		}
		line := short(r)
		if cs, err := Log(ctx, run, dir, r+"^!"); err == nil && len(cs) == 1 {
			line += " " + cs[0].Subject
		}
		extra = append(extra, line)
	}
	return fmt.Errorf("refusing to push %s for review: %s..%s holds %d commits, not just the revert; the others would be published too: %s. Nothing was pushed",
		short(commit), base, short(commit), len(revs), strings.Join(extra, "; "))
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
