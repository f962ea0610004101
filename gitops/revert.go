package gitops

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"porthole/remote"
)

// RevertCommand is the exact revert command: `git revert --no-edit [-m1] --end-of-options SHA`.
func RevertCommand(sha string, merge bool) string {
	if merge {
		return Cmd("revert", "--no-edit", "-m1", "--end-of-options", sha)
	}
	return Cmd("revert", "--no-edit", "--end-of-options", sha)
}

// RevertOptions shape the revert commit's message.
type RevertOptions struct {
	Reason   string // "Reason for revert: …" paragraph; none when empty
	ChangeID string // Change-Id footer Gerrit needs; NewChangeID() when empty
}

// RevertResult is what Revert did.
type RevertResult struct {
	Reverted Commit // the commit that was reverted
	Merge    bool   // it was a merge commit: reverted with -m1
	SHA      string // the new revert commit
	ChangeID string // its Change-Id
	Message  string
}

// NewChangeID makes a fresh Change-Id (I + 40 hex digits).
func NewChangeID() string {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return "I" + hex.EncodeToString(b[:])
}

// RevertMessage is the message of the revert commit, in git's and Gerrit's form.
func RevertMessage(c Commit, merge bool, opts RevertOptions) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Revert %q\n\n", c.Subject)
	if merge && len(c.Parents) > 0 {
		fmt.Fprintf(&b, "This reverts commit %s, reversing\nchanges made to %s.\n\n", c.SHA, c.Parents[0])
	} else {
		fmt.Fprintf(&b, "This reverts commit %s.\n\n", c.SHA)
	}
	if r := strings.TrimSpace(opts.Reason); r != "" {
		fmt.Fprintf(&b, "Reason for revert: %s\n\n", r)
	}
	fmt.Fprintf(&b, "Change-Id: %s\n", opts.ChangeID)
	return b.String()
}

// Revert reverts sha in dir: it tells a merge commit from a plain one (and
// adds -m1 for it), runs `git revert --no-edit [-m1] SHA`, then amends the
// message to add the reason and the Change-Id Gerrit needs. When git stops
// (on a conflict) the revert is aborted and dir is left unchanged; a revert
// git did not answer (a missing directory, a lost connection) is not
// aborted: see abortFailed.
func Revert(ctx context.Context, run Run, dir, sha string, opts RevertOptions) (*RevertResult, error) {
	if err := CheckCommitID("the commit to revert", sha); err != nil {
		return nil, err
	}
	cs, err := Log(ctx, run, dir, sha+"^!")
	if err != nil {
		return nil, err
	}
	if len(cs) != 1 {
		return nil, fmt.Errorf("%s is not one commit in %s", sha, dir)
	}
	c := cs[0]
	if opts.ChangeID == "" {
		opts.ChangeID = NewChangeID()
	}
	res := &RevertResult{Reverted: c, Merge: c.IsMerge(), ChangeID: opts.ChangeID}
	if _, err := gitCmd(ctx, run, remote.Command{Cmd: RevertCommand(c.SHA, res.Merge), Dir: dir}); err != nil {
		return nil, abortFailed(ctx, run, dir, "revert", err, "later commits touch the same lines: revert by hand")
	}
	res.Message = RevertMessage(c, res.Merge, opts)
	if _, err := git(ctx, run, dir, "commit", "--amend", "--quiet", "-m", res.Message); err != nil {
		return nil, err
	}
	res.SHA, err = RevParse(ctx, run, dir, "HEAD")
	if err != nil {
		return nil, err
	}
	return res, nil
}

// PushArgs are the git arguments (after `git`) that push src for review on
// branch with a topic: `push origin SRC:refs/for/BRANCH%topic=TOPIC`.
func PushArgs(src, branch, topic string) []string {
	ref := src + ":refs/for/" + branch
	if topic != "" {
		ref += "%topic=" + topic
	}
	return []string{"push", "origin", ref}
}

// Push runs `git ARGS` (from PushArgs) in dir and returns git's report
// (Gerrit names the new change on stderr).
func Push(ctx context.Context, run Run, dir string, args []string) (string, error) {
	res, err := git(ctx, run, dir, args...)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(res.Stderr) + string(res.Stdout)), nil
}
