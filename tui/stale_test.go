package tui

import (
	"porthole/runbooks"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestRunningStatusAndQuitQuestionGoWhenTheStepEnds: "… is running: wait
// for it" and "Quit anyway?" are about the running step; once it has
// finished, neither stays on screen.
func TestRunningStatusAndQuitQuestionGoWhenTheStepEnds(t *testing.T) {
	e := newTestEngine(t)
	d := newDriver(t, testOptions(e), 100, 30)
	holdSync(t, d)
	d.key("enter")
	if s := d.screen(); !strings.Contains(s, "is running: wait for it") {
		t.Fatalf("enter during the sync says nothing:\n%s", s)
	}
	d.key("q")
	d.dialogArmed()
	if d.m.quitDlg == nil {
		t.Fatal("q during the sync did not ask")
	}
	close(e.release)
	d.until("the sync to finish", func(m Model) bool { return m.win.Running() != "sync-php" })
	d.settle()
	s := d.screen()
	if d.m.quitDlg != nil || strings.Contains(s, "Quit anyway?") {
		t.Fatalf("the quit question stayed up after the sync finished:\n%s", s)
	}
	if strings.Contains(s, "is running: wait for it") {
		t.Fatalf("the status still says the sync is running:\n%s", s)
	}
	if !strings.Contains(flat(s), "q quits now") {
		t.Fatalf("the screen does not say why the question went:\n%s", s)
	}
}

// TestRunningStepShowsItsElapsedTime: the footer's "running: …" line counts
// the seconds (the merge wait, the sync), moved by the clock.
func TestRunningStepShowsItsElapsedTime(t *testing.T) {
	e := newTestEngine(t)
	var secs atomic.Int64
	start := e.clock()
	opts := testOptions(e)
	opts.Now = func() time.Time { return start.Add(time.Duration(secs.Load()) * time.Second) }
	d := newDriver(t, opts, 100, 30)
	holdSync(t, d)
	if s := d.screen(); !strings.Contains(s, "running 0:00: Sync") {
		t.Fatalf("running line:\n%s", s)
	}
	secs.Store(19)
	d.send(tickMsg{})
	if s := d.screen(); !strings.Contains(s, "running 0:19: Sync") {
		t.Fatalf("19 s later the running line did not move:\n%s", s)
	}
	close(e.release)
}

// TestHomeListsTheChangesWaiting: what the engine's pending query finds is
// on Home; tab, enter adds it and it is looked up like a typed one.
func TestHomeListsTheChangesWaiting(t *testing.T) {
	e := newTestEngine(t)
	e.pending = []string{"1000"}
	d := newDriver(t, testOptions(e), 100, 30)
	d.waitScreen("Waiting for a window (1) — enter adds one")
	d.homeReady()
	d.key("tab", "enter")
	d.waitScreen("plan ready: 7 steps")
	if ch := d.m.home.Changes(); len(ch) != 1 || ch[0].Number != 1000 {
		t.Fatalf("enter on the waiting change: %+v", ch)
	}
}

// TestNoticeIsOnScreen: what porthole has to say at start (no config: the
// defaults' Gerrit) is in the status line, not only behind the alt screen.
func TestNoticeIsOnScreen(t *testing.T) {
	e := newTestEngine(t)
	opts := testOptions(e)
	opts.Notice = "no config file: using the defaults, Gerrit https://gerrit.wikimedia.org/r/"
	d := newDriver(t, opts, 120, 30)
	if s := d.screen(); !strings.Contains(s, "using the defaults, Gerrit https://gerrit.wikimedia.org/r/") {
		t.Fatalf("the notice is not on screen:\n%s", s)
	}
}

// TestEverySuggestedRunbookIsOffered: after the window, s opens the first
// suggested runbook; once its window is done, s offers the next one, its
// form prefilled (purgeList with the /static URL); a cancelled form's
// suggestion is offered again.
func TestEverySuggestedRunbookIsOffered(t *testing.T) {
	e := newTestEngine(t)
	e.moreSugs = []runbooks.Suggestion{{Runbook: "purgeList", Params: map[string]string{"urls": "https://en.wikipedia.org/static/images/project-logos/newikibooks.png"},
		Reason: "changed /static file(s)"}}
	d := newDriver(t, testOptions(e), 120, 30)
	holdSync(t, d)
	close(e.release)
	d.gate("post-deploy")
	d.key("enter")
	d.until("the end", func(m Model) bool { return m.win.Closed() })
	if s := flat(d.screen()); !strings.Contains(s, "s run namespaceDupes, then purgeList") {
		t.Fatalf("the second suggestion is not offered:\n%s", d.screen())
	}
	d.key("s")
	d.until("the namespaceDupes form", func(m Model) bool { return m.screen == screenForm })
	d.key("esc")
	d.until("back", func(m Model) bool { return m.screen == screenWindow })
	if s := flat(d.screen()); !strings.Contains(s, "s run namespaceDupes, then purgeList") {
		t.Fatalf("a cancelled form's suggestion is not offered again:\n%s", d.screen())
	}
	d.key("s")
	d.until("the namespaceDupes form", func(m Model) bool { return m.screen == screenForm })
	for i := 0; i < 4 && d.m.screen == screenForm && d.m.building == ""; i++ {
		d.key("enter") // field after field, then build
		d.settle()
	}
	d.until("the namespaceDupes window", func(m Model) bool { return m.win != nil && m.win.Plan().Kind == "namespaceDupes" })
	d.gate("run")
	d.key("enter") // its one step
	d.until("its end", func(m Model) bool { return m.win.Closed() })
	if s := flat(d.screen()); !strings.Contains(s, "s run purgeList") {
		t.Fatalf("after namespaceDupes, purgeList is not offered:\n%s", d.screen())
	}
	d.key("s")
	d.until("the purgeList form", func(m Model) bool { return m.screen == screenForm })
	if s := d.screen(); !strings.Contains(s, "https://en.wikipedia.org/static/images/project-logos/newikibooks.png") {
		t.Fatalf("the purgeList form is not prefilled:\n%s", s)
	}
}
