package home

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"porthole/gerrit"
	"porthole/runbooks/journal"
	"porthole/tui/common"
	"porthole/tui/internal/testkit"
)

func core() *gerrit.Change {
	return &gerrit.Change{Number: 1000, Project: "mediawiki/core", Branch: "wmf/1.44.0-wmf.5", Subject: "ApiMain: Send X-Database-Lag only with maxlag errors",
		Status: "NEW", Owner: gerrit.Account{Name: "Amara Okafor"}, Bugs: []string{"T388101"},
		Files: []gerrit.File{{Path: "includes/api/ApiMain.php", Status: "M", Inserted: 1, Deleted: 1}}}
}

var started = time.Date(2026, 3, 2, 10, 2, 0, 0, time.UTC)

func full(w, h int) Model {
	m := New(common.New(), "jenkins-bot", "")
	m.SetSize(w, h)
	m.Add("1000")
	m.Resolved("1000", core(), nil)
	m.Add("99999")
	m.Resolved("99999", nil, errors.New("change 99999 not found in Gerrit: check the number"))
	m.SetRunbooks([]string{"namespaceDupes", "purgeList", "updateCollation"})
	m.SetWindows([]journal.WindowSummary{
		{ID: "20260302-100200-backport", Kind: "backport", Title: "Backport 998", Started: started, Steps: 11, Done: 6,
			Interrupted: "sync-testservers", FailedStep: "sync-testservers", FailedTitle: "Sync to the test servers",
			Stopped: started.Add(9 * time.Minute), Status: journal.StatusUnfinished,
			Why: "porthole stopped while this step ran (crash, kill or lost terminal): not known to be complete"},
		{ID: "20260302-090000-backport", Kind: "backport", Title: "Backport 997", Started: started.Add(-time.Hour), Steps: 11, Done: 9,
			FailedStep: "sync-1", FailedTitle: "Sync php-1.44.0-wmf.5/includes/api/ApiMain.php to all app servers",
			Stopped: started.Add(-50 * time.Minute), Status: journal.StatusDeclined, Why: `deployer said no to "Sync to all app servers?"`}},
		[]journal.WindowSummary{{ID: "20260301-090000-backport", Kind: "backport", Title: "Backport 990", Started: started.Add(-25 * time.Hour), Status: journal.StatusOK}})
	return m
}

// run feeds keys and returns the messages the home screen sends back.
func run(t *testing.T, m Model, keys ...string) (Model, []tea.Msg) {
	t.Helper()
	var out []tea.Msg
	for _, k := range keys {
		var cmd tea.Cmd
		m, cmd = m.Update(testkit.Key(k))
		if cmd == nil {
			continue
		}
		msg := cmd()
		if b, ok := msg.(tea.BatchMsg); ok {
			for _, c := range b {
				out = append(out, c())
			}
			continue
		}
		out = append(out, msg)
	}
	return m, out
}

func TestHomeGolden(t *testing.T) {
	for _, c := range []struct{ w, h int }{{80, 21}, {100, 27}, {140, 37}} {
		t.Run(fmt.Sprint(c.w), func(t *testing.T) {
			golden.RequireEqual(t, testkit.Size(t, full(c.w, c.h).View(), c.w, c.h))
		})
	}
}

func TestTypingAddsChanges(t *testing.T) {
	m := New(common.New(), "", "")
	m.SetSize(80, 20)
	m, msgs := run(t, m, "1", "0", "0", "1", "enter")
	if len(msgs) != 1 || msgs[0] != (AddMsg{Ref: "1001"}) {
		t.Fatalf("enter sent %v", msgs)
	}
	if e := m.Entries(); len(e) != 1 || !e[0].Resolving {
		t.Fatalf("entries %+v", e)
	}
	// Several refs pasted at once; a duplicate is ignored.
	m, _ = m.Update(tea.PasteMsg{Content: "1002 https://gerrit.wikimedia.org/r/1003\n1001"})
	m, msgs = run(t, m, "enter")
	if len(msgs) != 2 || msgs[0] != (AddMsg{Ref: "1002"}) || msgs[1] != (AddMsg{Ref: "https://gerrit.wikimedia.org/r/1003"}) {
		t.Fatalf("pasted refs sent %v", msgs)
	}
	// Not ready while resolving: enter on an empty line says so.
	if _, msgs = run(t, m, "enter"); len(msgs) != 1 || !strings.Contains(msgs[0].(BlockedMsg).Why, "still looking the changes up") {
		t.Fatalf("enter while resolving sent %v", msgs)
	}
	for i, r := range []string{"1001", "1002", "https://gerrit.wikimedia.org/r/1003"} {
		ch := core()
		ch.Number = 1001 + i
		m.Resolved(r, ch, nil)
	}
	if !m.Ready() {
		t.Fatal("not ready with every change resolved")
	}
	if _, msgs = run(t, m, "enter"); len(msgs) != 1 || msgs[0] != (StartMsg{}) {
		t.Fatalf("enter when ready sent %v", msgs)
	}
}

func TestSameChangeTwiceIsRefused(t *testing.T) {
	m := New(common.New(), "", "")
	m.Add("1000")
	m.Resolved("1000", core(), nil)
	m.Add("https://gerrit.wikimedia.org/r/c/mediawiki/core/+/1000")
	m.Resolved("https://gerrit.wikimedia.org/r/c/mediawiki/core/+/1000", core(), nil)
	if e := m.Entries()[1]; e.Err == nil || !strings.Contains(e.Err.Error(), "already in this window") {
		t.Fatalf("second entry %+v", e)
	}
	if m.Ready() {
		t.Fatal("ready with a duplicate")
	}
}

func TestSectionsAndActions(t *testing.T) {
	m := full(100, 27)
	m, _ = run(t, m, "tab")
	if m.Focus() != SecChanges || m.Typing() {
		t.Fatalf("tab: focus %d", m.Focus())
	}
	// q and ? are keys, not text, outside the input: the root handles them.
	m, msgs := run(t, m, "up", "x")
	if len(msgs) != 1 || msgs[0] != (RemovedMsg{Ref: "1000"}) || len(m.Entries()) != 1 {
		t.Fatalf("x sent %v, left %d", msgs, len(m.Entries()))
	}
	m, _ = run(t, m, "tab")
	if m.Focus() != SecResume {
		t.Fatalf("focus %d, want resume", m.Focus())
	}
	_, msgs = run(t, m, "enter")
	if len(msgs) != 1 || msgs[0].(ResumeMsg).Window.ID != "20260302-100200-backport" {
		t.Fatalf("enter on resume sent %v", msgs)
	}
	// x on an unfinished window asks the root to abandon it (after a confirmation)
	m, msgs = run(t, m, "down", "x")
	if len(msgs) != 1 || msgs[0].(AbandonMsg).Window.ID != "20260302-090000-backport" {
		t.Fatalf("x on the second unfinished window sent %v", msgs)
	}
	if h := fmt.Sprint(m.ShortHelp()); !strings.Contains(h, "abandon") {
		t.Errorf("the keys on the unfinished windows do not say x abandons: %s", h)
	}
	m, _ = run(t, m, "tab", "down", "down")
	_, msgs = run(t, m, "enter")
	if len(msgs) != 1 || msgs[0] != (RunbookMsg{Kind: "updateCollation"}) {
		t.Fatalf("enter on runbooks sent %v", msgs)
	}
	m, _ = run(t, m, "tab")
	_, msgs = run(t, m, "enter")
	if len(msgs) != 1 || msgs[0].(ReportMsg).Window.Title != "Backport 990" {
		t.Fatalf("enter on past sent %v", msgs)
	}
	m, _ = run(t, m, "tab")
	if !m.Typing() {
		t.Fatal("tab does not come back to the input")
	}
	m, _ = run(t, m, "shift+tab")
	if m.Focus() != SecPast {
		t.Fatalf("shift+tab: focus %d", m.Focus())
	}
}

func TestEmptySectionsAreSkipped(t *testing.T) {
	m := New(common.New(), "", "")
	m, _ = run(t, m, "tab")
	if !m.Typing() {
		t.Fatalf("with nothing else on Home, tab left the input for %d", m.Focus())
	}
}

// TestLoadingHoldsTabAndEnter: while the window lists are read again, tab
// does not move (a late section would change where it lands) and enter on an
// empty line opens nothing; typing and adding a change still work.
func TestLoadingHoldsTabAndEnter(t *testing.T) {
	m := New(common.New(), "", "")
	m.SetSize(100, 27)
	m.Add("1000")
	m.Resolved("1000", core(), nil)
	m.SetRunbooks([]string{"namespaceDupes"})
	m.SetLoading(true)
	m, msgs := run(t, m, "tab", "enter", "shift+tab", "enter")
	if m.Focus() != SecInput || len(msgs) != 0 {
		t.Fatalf("while loading: focus %d, sent %v", m.Focus(), msgs)
	}
	m, msgs = run(t, m, "1", "0", "0", "1", "enter")
	if len(msgs) != 1 || msgs[0] != (AddMsg{Ref: "1001"}) {
		t.Fatalf("typing while loading sent %v", msgs)
	}
	// The section appears: the focus stayed put, and tab goes through it.
	m.SetWindows([]journal.WindowSummary{{ID: "20260302-100200-backport", Kind: "backport", Title: "Backport 1000", Started: started}}, nil)
	if m.Loading() || m.Focus() != SecInput {
		t.Fatalf("after the lists: loading %v, focus %d", m.Loading(), m.Focus())
	}
	m, _ = run(t, m, "tab", "tab")
	_, msgs = run(t, m, "enter")
	if len(msgs) != 1 || msgs[0].(ResumeMsg).Window.ID != "20260302-100200-backport" {
		t.Fatalf("tab, tab, enter after the lists sent %v", msgs)
	}
	// In a list, keys wait too (what is listed may be stale).
	m.SetLoading(true)
	m, msgs = run(t, m, "x", "enter", "down")
	if m.Focus() != SecResume || len(msgs) != 0 {
		t.Fatalf("keys in a stale list: focus %d, sent %v", m.Focus(), msgs)
	}
}

// TestDigitsGoToTheChangeBox: a change number typed while a list has the
// focus lands in the change box; enter adds it and opens nothing.
func TestDigitsGoToTheChangeBox(t *testing.T) {
	for _, tabs := range []int{1, 2, 3, 4} { // changes, resume, runbooks, past
		m := full(100, 27)
		for range tabs {
			m, _ = run(t, m, "tab")
		}
		for _, loading := range []bool{false, true} {
			m.SetLoading(loading)
			got, msgs := run(t, m, "1", "0", "0", "3", "enter")
			if len(msgs) != 1 || msgs[0] != (AddMsg{Ref: "1003"}) {
				t.Errorf("focus %d (loading %v): 1003+enter sent %v", m.Focus(), loading, msgs)
			}
			if !got.Typing() {
				t.Errorf("focus %d: typing digits left the focus on %d", m.Focus(), got.Focus())
			}
		}
	}
}

// TestFocusIsUnmistakable: only the focused section has the ▶ mark, and the
// change box shows its › prompt only when it takes the keys; removing the
// last change with x brings the focus back to the change box.
func TestFocusIsUnmistakable(t *testing.T) {
	m := full(100, 27)
	inputLine := func(m Model) string { return strings.Split(testkit.Plain(m.View()), "\n")[1] }
	if v := testkit.Plain(m.View()); strings.Count(v, "▶") != 1 || !strings.Contains(v, "▶ Changes for this window") || !strings.HasPrefix(inputLine(m), "› ") {
		t.Fatalf("input focused:\n%s", v)
	}
	m, _ = run(t, m, "tab", "tab", "tab") // the runbooks
	v := testkit.Plain(m.View())
	if strings.Count(v, "▶") != 1 || !strings.Contains(v, "▶ Maintenance runbooks") || strings.Contains(inputLine(m), "›") {
		t.Fatalf("runbooks focused, the change box still looks focused:\n%s", v)
	}
	m, _ = run(t, m, "shift+tab", "shift+tab", "x", "x") // the changes, both removed
	if len(m.Entries()) != 0 || !m.Typing() || !strings.HasPrefix(inputLine(m), "› ") {
		t.Fatalf("after x removed the last change: focus %d, entries %d, input line %q", m.Focus(), len(m.Entries()), inputLine(m))
	}
}

// TestErrorsAreShownWhole: why a typed change cannot be used is wrapped
// under it, never cut, at any width; enter says why it opens nothing.
func TestErrorsAreShownWhole(t *testing.T) {
	why := `"https://gerrit.wikimedia.org/r/c/mediawiki/core/+/1003" links to gerrit.wikimedia.org but porthole talks to Gerrit at 127.0.0.1:29001: paste a link or number from 127.0.0.1`
	for _, w := range []int{60, 80, 100} { // one column (wider, the card takes the right)
		m := New(common.New(), "", "")
		m.SetSize(w, 20)
		m.Add("https://gerrit.wikimedia.org/r/c/mediawiki/core/+/1003")
		m.Resolved("https://gerrit.wikimedia.org/r/c/mediawiki/core/+/1003", nil, errors.New(why))
		v := testkit.Size(t, m.View(), w, 20)
		if flat := strings.Join(strings.Fields(v), " "); !strings.Contains(flat, why) {
			t.Errorf("width %d: the reason is not whole on screen:\n%s", w, v)
		}
		_, msgs := run(t, m, "enter")
		if len(msgs) != 1 || !strings.Contains(msgs[0].(BlockedMsg).Why, "1 of the changes cannot be used") {
			t.Errorf("width %d: enter sent %v", w, msgs)
		}
	}
}

// TestPendingChangesAreListedAndAdded: the changes waiting for a window
// are listed; enter on one adds it (once), marked ✓ in the list.
func TestPendingChangesAreListedAndAdded(t *testing.T) {
	m := New(common.New(), "", "")
	m.SetSize(100, 27)
	static := core()
	static.Number, static.Project, static.Subject = 1007, "operations/mediawiki-config", "Update the newikibooks logo"
	m.SetPending([]*gerrit.Change{core(), static}, nil)
	v := testkit.Size(t, m.View(), 100, 27)
	for _, want := range []string{"Waiting for a window (2) — enter adds one", "1000  mediawiki/core  wmf/1.44.0-wmf.5  ApiMain", "1007  operations/mediawiki-config"} {
		if !strings.Contains(v, want) {
			t.Errorf("Home lacks %q:\n%s", want, v)
		}
	}
	m, _ = run(t, m, "tab")
	if m.Focus() != SecPending {
		t.Fatalf("tab went to %d, not the waiting changes", m.Focus())
	}
	m, msgs := run(t, m, "down", "enter")
	if len(msgs) != 1 || msgs[0] != (AddMsg{Ref: "1007"}) || len(m.Entries()) != 1 {
		t.Fatalf("enter on 1007 sent %v", msgs)
	}
	if v := testkit.Plain(m.View()); !strings.Contains(v, "✓ 1007  operations/mediawiki-config") {
		t.Errorf("the added change is not marked:\n%s", v)
	}
	if _, msgs = run(t, m, "enter"); len(msgs) != 1 || !strings.Contains(msgs[0].(BlockedMsg).Why, "already in this window") {
		t.Fatalf("enter on it again sent %v", msgs)
	}
	m.SetPending(nil, errors.New("Gerrit said 400: bad query"))
	if v := testkit.Plain(m.View()); !strings.Contains(v, "cannot list them: Gerrit said 400: bad query") || !m.Typing() {
		t.Errorf("a failed query: typing %v\n%s", m.Typing(), v)
	}
}
