package gitops

import (
	"context"
	"fmt"
	"strings"

	"porthole/remote"
)

// TreeChange is one path a commit changes, from `git diff --raw`.
type TreeChange struct {
	OldMode, NewMode string // "100644", "100755", "120000", "160000" (a submodule), "000000" (none)
	Status           byte   // 'A', 'D', 'M', 'T'
	Path             string
}

// Gitlink is true when the path is a submodule on either side.
func (c TreeChange) Gitlink() bool { return c.OldMode == "160000" || c.NewMode == "160000" }

// DiffRaw is what commit sha changes against its first parent (renames as
// a delete and an add, so both sides are seen), by
// `git diff --raw -z --no-renames SHA^1 SHA`.
func DiffRaw(ctx context.Context, run Run, dir, sha string) ([]TreeChange, error) {
	if err := CheckRev(sha); err != nil {
		return nil, err
	}
	res, err := git(ctx, run, dir, "diff", "--raw", "-z", "--no-renames", "--no-ext-diff", sha+"^1", sha, "--")
	if err != nil {
		return nil, err
	}
	return ParseDiffRaw(string(res.Stdout))
}

// ParseDiffRaw parses `git diff --raw -z` output: ":OLD NEW SHA SHA S\0PATH\0" records.
func ParseDiffRaw(o string) ([]TreeChange, error) {
	var out []TreeChange
	parts := strings.Split(o, "\x00")
	for i := 0; i < len(parts); i++ {
		meta := strings.TrimSpace(parts[i])
		if meta == "" {
			continue
		}
		f := strings.Fields(strings.TrimPrefix(meta, ":"))
		if !strings.HasPrefix(meta, ":") || len(f) < 5 || len(f[4]) == 0 || i+1 >= len(parts) {
			return nil, fmt.Errorf("git diff --raw: unexpected record %q", meta)
		}
		i++
		out = append(out, TreeChange{OldMode: f[0], NewMode: f[1], Status: f[4][0], Path: parts[i]})
	}
	return out, nil
}

// PathExists is true when rev's tree has p (a file or a non-empty directory).
func PathExists(ctx context.Context, run Run, dir, rev, p string) (bool, error) {
	if err := CheckRev(rev); err != nil {
		return false, err
	}
	res, err := run(ctx, remote.Command{Cmd: Cmd("cat-file", "-e", rev+":"+p), Dir: dir, Keep: true})
	if err != nil {
		return false, err
	}
	return res.ExitCode == 0, nil
}

// CheckRev refuses a revision that git could read as an option.
func CheckRev(rev string) error {
	if rev == "" || strings.HasPrefix(rev, "-") {
		return fmt.Errorf("%q is not a commit id", rev)
	}
	return nil
}
