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

// abortFailed is the one rule for a failed `git OP` (rebase, revert) that
// may have left the checkout half-way: only when git ran and failed (an
// *Error, typically a conflict) does `git OP --abort` put it back, and the
// error says whether it did (hint: what to do then). Any other failure (a
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
	return fmt.Errorf("%w; %s aborted, %s is unchanged (%s)", err, op, dir, hint)
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
