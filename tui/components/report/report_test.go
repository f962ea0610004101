package report

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"porthole/tui/common"
	"porthole/tui/internal/testkit"
)

const record = "# Backport 1000\n\n- **Window:** `20260303-140000-backport` (backport)\n- **Status:** finished: every step done\n\n" +
	"## Steps\n\n### 1. git fetch — done\n\n- `git fetch` on deploy1002 → exit 0 (1.2s)\n- **Warning:** 1 extra commit\n\n" +
	"**Output** (1 line):\n\n```text\nFrom gerrit:mediawiki/core\n```\n"

// TestPastWindowIsLaidOut: the past-window view shows the record laid out
// (no Markdown or HTML markup), in exactly its size, and scrolls.
func TestPastWindowIsLaidOut(t *testing.T) {
	for _, w := range testkit.Widths {
		m := New(common.New(), "Window 20260303-140000-backport · Backport 1000", record)
		m.SetSize(w, 20)
		v := testkit.Size(t, m.View(), w, 20)
		flat := strings.Join(strings.Fields(v), " ")
		for _, bad := range []string{"|---|", "**", "`", "<details>"} {
			if strings.Contains(v, bad) {
				t.Errorf("width %d shows the markup %q:\n%s", w, bad, v)
			}
		}
		for _, want := range []string{"Backport 1000", "git fetch on deploy1002 → exit 0", "Warning: 1 extra commit", "From gerrit:mediawiki/core"} {
			if !strings.Contains(flat, want) {
				t.Errorf("width %d lacks %q:\n%s", w, want, v)
			}
		}
		if w == 80 {
			golden.RequireEqual(t, v)
		}
	}
}
