package gerrit

import (
	"fmt"
	"regexp"
	"strings"
)

// RevertTopic is the topic a pushed revert carries: revert-SHA.
func RevertTopic(sha string) string { return "revert-" + sha }

var (
	shaRe    = regexp.MustCompile(`^[0-9a-f]{7,40}$`)
	branchRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]*$`)
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
