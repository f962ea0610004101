package gitops

import (
	"context"
	"errors"
	"fmt"

	"porthole/remote"
)

// FetchCommand is `git fetch`, as the deployers' procedure writes it.
const FetchCommand = "git fetch"

// RebaseCommand is `git rebase` (onto the upstream), as the procedure writes it.
const RebaseCommand = "git rebase"

// RebaseUndo is how to take back a rebase that went through.
const RebaseUndo = "git reset --hard ORIG_HEAD"

// Fetch runs `git fetch` in dir. A network failure comes back as an *Error
// whose Temporary() is true, so a runner may retry it.
func Fetch(ctx context.Context, run Run, dir string) error {
	_, err := gitCmd(ctx, run, remote.Command{Cmd: FetchCommand, Dir: dir})
	return err
}

// Rebase runs `git rebase` in dir. When git stops (on a conflict) the rebase
// is aborted so the checkout is left as it was, and the error says so; see
// abortFailed.
func Rebase(ctx context.Context, run Run, dir string) error {
	_, err := gitCmd(ctx, run, remote.Command{Cmd: RebaseCommand, Dir: dir})
	if err == nil {
		return nil
	}
	return abortFailed(ctx, run, dir, "rebase", err, "a local security patch may no longer apply: resolve it by hand")
}

// RebaseOntoCommand is `git rebase --onto ONTO UPSTREAM`: the commits of
// UPSTREAM..HEAD replayed on ONTO.
func RebaseOntoCommand(onto, upstream string) string {
	return Cmd("rebase", "--onto", onto, upstream)
}

// RebaseOnto runs `git rebase --onto ONTO UPSTREAM` in dir, e.g. to replay
// a submodule's security patches (the commits after upstream) on the older
// commit a revert records (onto). Both are checked to be commit ids. When
// git stops (on a conflict) the rebase is aborted and dir is left as it was
// (an *Aborted error); see abortFailed.
func RebaseOnto(ctx context.Context, run Run, dir, onto, upstream string) error {
	if err := CheckCommitID("the commit to rebase onto", onto); err != nil {
		return err
	}
	if err := CheckCommitID("the upstream of the rebase", upstream); err != nil {
		return err
	}
	_, err := gitCmd(ctx, run, remote.Command{Cmd: RebaseOntoCommand(onto, upstream), Dir: dir})
	if err == nil {
		return nil
	}
	return abortFailed(ctx, run, dir, "rebase", err, "a local commit no longer applies on "+onto+": replay it by hand")
}

// Aborted is a `git OP` that failed and that `git OP --abort` took back:
// the checkout in Dir is as it was before OP.
type Aborted struct {
	Op   string // rebase, revert
	Dir  string
	Err  error // OP's failure (an *Error)
	Hint string
}

// Error is OP's failure, then that it was aborted and what to do.
func (e *Aborted) Error() string {
	return fmt.Sprintf("%v; %s aborted, %s is unchanged (%s)", e.Err, e.Op, e.Dir, e.Hint)
}

// Unwrap is OP's failure.
func (e *Aborted) Unwrap() error { return e.Err }

// abortFailed is the one rule for a failed `git OP` (rebase, revert) that
// may have left the checkout half-way: only when git ran and failed (an
// *Error, typically a conflict) does `git OP --abort` put it back, and the
// error says whether it did (an *Aborted; hint: what to do then). Any other failure (a
// missing directory, a lost connection) is returned as it is: git did not
// run, or what it did is unknown, and an abort would act on what was not
// checked.
func abortFailed(ctx context.Context, run Run, dir, op string, err error, hint string) error {
	var ge *Error
	if !errors.As(err, &ge) {
		return err
	}
	if _, aerr := git(ctx, run, dir, op, "--abort"); aerr != nil {
		return fmt.Errorf("%w; `git %s --abort` failed too (%v): look at the checkout in %s (git status) and fix it by hand before anything else", err, op, aerr, dir)
	}
	return &Aborted{Op: op, Dir: dir, Err: err, Hint: hint}
}

// ReadFile returns a file of the repository's working tree (`cat PATH`), e.g.
// wikiversions.json in the staging directory.
func ReadFile(ctx context.Context, run Run, dir, file string) ([]byte, error) {
	res, err := run(ctx, remote.Command{Cmd: "cat " + remote.Quote(file), Dir: dir, Keep: true})
	if err != nil {
		return nil, fmt.Errorf("reading %s in %s: %w", file, dir, err)
	}
	if res.ExitCode != 0 {
		return nil, &Error{Cmd: "cat " + remote.Quote(file), Dir: dir, Host: res.Host, ExitCode: res.ExitCode, Stderr: string(res.Stderr)}
	}
	return res.Stdout, nil
}

// DirExists is true when dir exists on the host (`test -d DIR`).
func DirExists(ctx context.Context, run Run, dir string) (bool, error) {
	res, err := run(ctx, remote.Command{Cmd: "test -d " + remote.Quote(dir), Keep: true})
	if err != nil {
		return false, fmt.Errorf("checking %s: %w", dir, err)
	}
	return res.ExitCode == 0, nil
}
