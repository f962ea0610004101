package gitops

import (
	"context"
	"porthole/gitops/gitlog"
	"strings"
)

// Commit is one commit as `git log` shows it.
type Commit struct {
	SHA     string
	Parents []string
	Author  string // "Name <email>"
	Subject string
	Message string // the full message
	// ChangeIDs are every Change-Id the message names: the footer, and the
	// indented ones Gerrit writes into "Update git submodules" commits.
	ChangeIDs []string
}

// IsMerge is true for a commit with more than one parent.
func (c Commit) IsMerge() bool { return len(c.Parents) > 1 }

// Short is the abbreviated SHA-1 deployers read.
func (c Commit) Short() string {
	if len(c.SHA) > 10 {
		return c.SHA[:10]
	}
	return c.SHA
}

// logFormat separates fields with US and ends each record with RS, which no
// commit message holds in practice.
const logFormat = "--format=%x1e%H%x1f%P%x1f%an <%ae>%x1f%s%x1f%B"

// Log lists the commits of a revision range (e.g. "HEAD..@{u}"), newest first.
func Log(ctx context.Context, run Run, dir, revRange string) ([]Commit, error) {
	o, err := out(ctx, run, dir, "log", "--no-color", logFormat, "--end-of-options", revRange, "--")
	if err != nil {
		return nil, err
	}
	return parseLog(o), nil
}

// Incoming lists `HEAD..@{u}`: what a rebase onto the fetched upstream will bring.
func Incoming(ctx context.Context, run Run, dir string) ([]Commit, error) {
	return Log(ctx, run, dir, "HEAD..@{u}")
}

func parseLog(o string) []Commit {
	var cs []Commit
	for _, rec := range strings.Split(o, "\x1e") {
		if strings.TrimSpace(rec) == "" {
			continue
		}
		f := strings.SplitN(rec, "\x1f", 5)
		for len(f) < 5 {
			f = append(f, "")
		}
		c := Commit{
			SHA:     strings.TrimSpace(f[0]),
			Parents: strings.Fields(f[1]),
			Author:  f[2],
			Subject: f[3],
			Message: strings.TrimRight(f[4], "\n") + "\n",
		}
		c.ChangeIDs = ChangeIDs(c.Message)
		cs = append(cs, c)
	}
	return cs
}

// ChangeIDs finds every Change-Id line in a commit message, indented or not
// (ChangeIDLine), in order and without repeats.
func ChangeIDs(msg string) []string {
	var ids []string
	seen := map[string]bool{}
	for l := range strings.Lines(msg) {
		if id, ok := gitlog.ChangeIDLine([]byte(l)); ok && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids
}

// FindByChangeID finds the newest commit reachable from rev whose message
// names changeID (as scap does with `git rev-list --grep`); ok is false when
// there is none.
func FindByChangeID(ctx context.Context, run Run, dir, rev, changeID string) (Commit, bool, error) {
	o, err := out(ctx, run, dir, "log", "--no-color", "-n", "1", "--fixed-strings",
		"--grep=Change-Id: "+changeID, logFormat, "--end-of-options", rev, "--")
	if err != nil {
		return Commit{}, false, err
	}
	cs := parseLog(o)
	if len(cs) == 0 {
		return Commit{}, false, nil
	}
	return cs[0], true, nil
}

// RevParse resolves a revision to a full SHA-1 (`git rev-parse --verify REV^{commit}`).
func RevParse(ctx context.Context, run Run, dir, rev string) (string, error) {
	return out(ctx, run, dir, "rev-parse", "--verify", "-q", "--end-of-options", rev+"^{commit}")
}
