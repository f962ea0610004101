package confirm

import (
	"fmt"
	"strings"
	"testing"

	"porthole/tui/internal/testkit"
)

// A gate whose detail does not fit scrolls, and its yes waits until every
// line of what will run has been on screen; no is always taken.
func TestLongGateScrollsAndYesWaitsForTheEnd(t *testing.T) {
	var cmds []string
	for i := 1; i <= 30; i++ {
		cmds = append(cmds, fmt.Sprintf("$ scap sync-file php-1.44.0-wmf.5/includes/File%02d.php 'Backport: …'", i))
	}
	q := Question{Kind: YesNo, Default: "n", Prompt: "Sync 30 paths to production?", Detail: strings.Join(cmds, "\n")}
	m := armed(t, q, true)
	m.Fit(100, 20)

	view := m.View(100, 20)
	if !strings.Contains(view, "File01.php") || strings.Contains(view, "File30.php") || !strings.Contains(view, "more lines: pgdn/space reads on") {
		t.Fatalf("first page:\n%s", view)
	}
	m = press(t, m, "y")
	if m.answer != "" || !strings.Contains(m.View(100, 20), "read it all first") {
		t.Fatalf("y was taken before the whole gate was shown (answer %q):\n%s", m.answer, m.View(100, 20))
	}
	for i := 0; i < 20 && !strings.Contains(m.View(100, 20), "File30.php"); i++ {
		m = press(t, m, "space")
	}
	if !strings.Contains(m.View(100, 20), "File30.php") {
		t.Fatalf("space never reached the last command:\n%s", m.View(100, 20))
	}
	if m = press(t, m, "y"); m.answer != "y" {
		t.Fatalf("y after reading it all: answer %q", m.answer)
	}

	// No needs no reading.
	m = armed(t, q, true)
	m.Fit(100, 20)
	if m = press(t, m, "n"); m.answer != "n" {
		t.Fatalf("n: answer %q", m.answer)
	}
	// A gate that fits takes y at once.
	short := q
	short.Detail = cmds[0]
	m = armed(t, short, true)
	m.Fit(100, 20)
	if m = press(t, m, "y"); m.answer != "y" {
		t.Fatalf("a gate that fits: answer %q", m.answer)
	}
}

func press(t *testing.T, m Model, k string) Model {
	t.Helper()
	m, _ = m.Update(testkit.Key(k))
	return m
}
