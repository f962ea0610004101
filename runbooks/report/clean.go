package report

import (
	"porthole/internal/lazyre"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Clean makes a line of remote output fit for a human record: terminal
// escapes go, the record and field separators of porthole's own git formats
// (0x1E, 0x1F) become a space, tabs become spaces and other control bytes go.
func Clean(s string) string {
	s = ansi.Strip(s)
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == 0x1e || r == 0x1f:
			return ' '
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, s)
}

// plumbing are the git invocations porthole makes to learn something (the
// state of a checkout, where a commit is, what a rebase will bring) rather
// than to change anything: `git log` with porthole's own format, `-p` for
// the diff viewer or `--grep` to find a change, rev-parse, merge-base,
// `status --porcelain`, `diff --raw`, cat-file, ls-tree, ls-files,
// for-each-ref, show-ref, `config --get`, `submodule status`.
var plumbing = lazyre.New(`^git (?:` +
	`log .*(?:--format=%x1e|-p\b|--grep=)` +
	`|rev-parse\b|merge-base\b|status --porcelain|diff --raw\b|cat-file\b|ls-tree\b|ls-files\b` +
	`|for-each-ref\b|show-ref\b|config --get\b|submodule status\b)`)

// Plumbing is true for a command porthole ran for itself (see plumbing),
// after any leading `cd DIR && `: it stays in the journal, out of the human
// record.
func Plumbing(cmd string) bool {
	if i := strings.LastIndex(cmd, " && "); i >= 0 && strings.HasPrefix(cmd, "cd ") {
		cmd = cmd[i+4:]
	}
	return plumbing.MatchString(strings.TrimSpace(cmd))
}
