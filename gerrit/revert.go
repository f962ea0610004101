package gerrit

import (
	"context"
	"fmt"
	"porthole/internal/lazyre"
	"strings"

	gg "github.com/andygrunwald/go-gerrit"
)

// RevertTopic is the topic a pushed revert carries: revert-SHA.
func RevertTopic(sha string) string { return "revert-" + sha }

var (
	shaRe    = lazyre.New(`^[0-9a-f]{7,40}$`)
	branchRe = lazyre.New(`^[A-Za-z0-9][A-Za-z0-9._/-]*$`)
)

// CheckRevertPush says whether branch and sha make a sane revert push
// (a plain branch name and a hex commit id), so a bad value is caught before
// anything reaches git.
func CheckRevertPush(branch, sha string) error {
	b := strings.TrimPrefix(branch, "refs/heads/")
	if !branchRe.MatchString(b) || strings.Contains(b, "..") || strings.HasSuffix(b, "/") || strings.HasSuffix(b, ".lock") {
		return fmt.Errorf("cannot push a revert to branch %q: not a branch name; use the change's branch, e.g. wmf/1.44.0-wmf.5 or master", branch)
	}
	if !shaRe.MatchString(sha) {
		return fmt.Errorf("cannot push a revert of %q: not a commit id; use the full SHA-1 of the commit being reverted", sha)
	}
	return nil
}

// RevertComment is the message left on a reverted change, as scap backport
// --revert words it ("<user> created a revert of this change as <Change-Id>"),
// followed by the revert's web link.
func RevertComment(by string, revert *Change, webURL string) string {
	return fmt.Sprintf("%s created a revert of this change as %s\n\n%s", by, revert.ChangeID, webURL)
}

// CommentRevert leaves RevertComment on the original change (a message-only
// review of its current revision; a merged change takes one), so its page
// links to the revert. by is who reverted, e.g. user@deploy1002.
func (c *Client) CommentRevert(ctx context.Context, original, revert *Change, by string) error {
	if original == nil || revert == nil {
		return fmt.Errorf("comment the revert: no change given")
	}
	if revert.ChangeID == "" {
		return fmt.Errorf("comment the revert of change %d: the revert (change %d) has no Change-Id: resolve it first", original.Number, revert.Number)
	}
	web := revert.WebURL
	if web == "" {
		web = c.WebURL(revert.Project, revert.Number)
	}
	in := &gg.ReviewInput{Message: RevertComment(by, revert, web)}
	_, resp, err := c.api.Changes.SetReview(ctx, changeID(original), "current", in)
	if err = c.fail(ctx, fmt.Sprintf("comment the revert on change %d", original.Number), resp, err); err != nil {
		if isNotFound(err) {
			return &NotFoundError{Ref: fmt.Sprint(original.Number), Host: c.base.Host, User: c.user}
		}
		return err
	}
	return nil
}
