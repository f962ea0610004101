package steplist

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"porthole/tui/common"
	"porthole/tui/internal/testkit"
)

func plan() []*Step {
	return []*Step{
		{ID: "approve", Title: "+2 change 1000 (Backport)", Where: "gerrit"},
		{ID: "wait", Title: "Wait for change 1000 to merge", Where: "gerrit"},
		{ID: "fetch", Title: "git fetch in php-1.44.0-wmf.5", Where: "deploy1002", Command: "git fetch", Dir: "/srv/mediawiki-staging/php-1.44.0-wmf.5"},
		{ID: "review", Title: "Review HEAD..@{u} in php-1.44.0-wmf.5", Where: "deploy1002", Command: "git log -p HEAD..@{u}"},
		{ID: "rebase", Title: "git rebase in php-1.44.0-wmf.5", Where: "deploy1002", Command: "git rebase"},
		{ID: "testservers", Title: "Sync to the test servers (mwdebug)", Where: "mwdebug ×2", Command: "scap pull"},
		{ID: "sync", Title: "Sync php-1.44.0-wmf.5/includes/api/ApiMain.php to all app servers", Where: "deploy1002",
			Command: "scap sync-file php-1.44.0-wmf.5/includes/api/ApiMain.php 'Backport: …'", Irreversible: true},
	}
}

// midWindow: two steps done, the fetch failed once and is running again.
func midWindow(t *testing.T, w, h int) Model {
	m := New(common.New())
	m.SetSize(w, h)
	m.SetPlan(plan(), map[string]State{"approve": Done})
	at := time.Date(2026, 3, 3, 14, 0, 0, 0, time.UTC)
	m.Started("wait", 1, at)
	m.Finished("wait", Done, nil, 2*time.Minute+3*time.Second)
	m.Started("fetch", 2, at)
	return m
}

func TestStepListGolden(t *testing.T) {
	for _, w := range testkit.Widths {
		t.Run(fmt.Sprint(w), func(t *testing.T) {
			m := midWindow(t, w, 9)
			v := testkit.Size(t, m.View(), w, 9)
			golden.RequireEqual(t, v)
		})
	}
}

func TestStatesAndCurrent(t *testing.T) {
	m := midWindow(t, 100, 12)
	v := testkit.Plain(m.View())
	for _, want := range []string{"✓   1. +2 change 1000", "✓   2. Wait for change 1000 to merge", "gerrit 2m03s",
		"› ▶   3. git fetch", "deploy1002 try 2", "$ git fetch   (deploy1002:/srv/mediawiki-staging/php-1.44.0-wmf.5)", "· ⚠ 7. Sync php"} {
		if !strings.Contains(v, want) {
			t.Errorf("missing %q:\n%s", want, v)
		}
	}
	if m.Current().ID != "fetch" || m.Selected().ID != "fetch" {
		t.Fatalf("current %s selected %s", m.Current().ID, m.Selected().ID)
	}
	m.Finished("fetch", Failed, errors.New("exit 128: could not resolve host"), time.Second)
	v = testkit.Plain(m.View())
	if !strings.Contains(v, "✗   3. git fetch") || !strings.Contains(v, "error: exit 128: could not resolve host") {
		t.Fatalf("failed step:\n%s", v)
	}
	m.Waiting("fetch", true)
	if !strings.Contains(testkit.Plain(m.View()), "?   3. git fetch") {
		t.Fatalf("a step waiting for an answer is not marked:\n%s", testkit.Plain(m.View()))
	}
}

func TestKeysMoveTheSelectionAndFollowComesBack(t *testing.T) {
	m := midWindow(t, 100, 5)
	for _, c := range []struct {
		key  string
		want string
	}{{"up", "wait"}, {"k", "approve"}, {"k", "approve"}, {"G", "sync"}, {"down", "sync"}, {"g", "approve"}, {"j", "wait"}, {"end", "sync"}, {"home", "approve"}} {
		m, _ = m.Update(testkit.Key(c.key))
		if m.Selected().ID != c.want {
			t.Fatalf("after %s selected %s, want %s", c.key, m.Selected().ID, c.want)
		}
	}
	// The list scrolls to keep the selection on a 5-line screen.
	m, _ = m.Update(testkit.Key("G"))
	if v := testkit.Plain(m.View()); !strings.Contains(v, "7. Sync") {
		t.Fatalf("the selection is off screen:\n%s", v)
	}
	// A step starting brings the selection back to what runs.
	m.Started("review", 1, time.Now())
	if m.Selected().ID != "review" {
		t.Fatalf("selected %s after a step started", m.Selected().ID)
	}
	// Unfocused, keys do nothing.
	m.SetFocused(false)
	m, _ = m.Update(testkit.Key("up"))
	if m.Selected().ID != "review" {
		t.Fatal("an unfocused list moved")
	}
}

func TestWantedFitsTheLongestStep(t *testing.T) {
	m := New(common.New())
	m.SetPlan(plan(), nil)
	w := m.Wanted()
	m.SetSize(w, 12)
	for _, line := range strings.Split(testkit.Plain(m.View()), "\n") {
		if strings.Contains(line, "…") {
			t.Errorf("at the wanted width %d a step is cut: %q", w, line)
		}
	}
	m.SetSize(w-8, 12)
	if !strings.Contains(testkit.Plain(m.View()), "…") {
		t.Errorf("8 columns narrower than the wanted %d, nothing is cut: Wanted is too generous", w)
	}
}

func TestHintShowsOnTheSelectedStep(t *testing.T) {
	m := New(common.New())
	m.SetSize(100, 10)
	m.SetPlan(plan(), map[string]State{"approve": Done, "wait": Done, "fetch": Done, "review": Done})
	const hint = "d: read the 1 incoming commit before rebasing"
	m.SetHint("rebase", hint)
	v := testkit.Size(t, m.View(), 100, 10)
	if !strings.Contains(v, "    "+hint+"  $ git rebase") {
		t.Fatalf("the hint is not under the rebase step:\n%s", v)
	}
	m.SetHint("rebase", "")
	if v := testkit.Plain(m.View()); strings.Contains(v, "d: read") || !strings.Contains(v, "    $ git rebase") {
		t.Fatalf("the hint stayed:\n%s", v)
	}
	m.SetHint("rebase", hint)
	m.SetPlan(plan(), nil)
	if m.Hint("rebase") != "" {
		t.Fatal("a new plan keeps the old plan's hints")
	}
}
