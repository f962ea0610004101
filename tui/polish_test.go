package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	xansi "github.com/charmbracelet/x/ansi"

	"porthole/tui/components/home"
	"porthole/tui/components/steplist"
)

// TestAbandonDialogSaysEscCancels: in the abandon question esc cancels (the
// window is kept), and the dialog's hint and the footer say so, not "hide".
func TestAbandonDialogSaysEscCancels(t *testing.T) {
	e := newTestEngine(t)
	e.state = t.TempDir()
	d := newDriver(t, testOptions(e), 100, 30)
	declineFullSync(t, d)
	d.key("esc")
	d.waitScreen("Unfinished window — enter resumes it")
	d.homeReady()
	d.key("tab", "tab", "x")
	d.until("the abandon question", func(m Model) bool { return m.abandon != nil && m.abandon.dlg.Armed() })
	s := d.screen()
	if strings.Contains(s, "hide (answer later)") || strings.Contains(s, "answer later") {
		t.Errorf("the abandon question says esc hides it:\n%s", s)
	}
	if !strings.Contains(s, "esc: cancel (keep the window)") {
		t.Errorf("the abandon question's hint does not say esc cancels:\n%s", s)
	}
	if !strings.Contains(s, "esc cancel (keep the window)") {
		t.Errorf("the footer does not say esc cancels:\n%s", s)
	}
	d.key("esc")
	if d.m.abandon != nil {
		t.Fatal("esc did not cancel the abandon question")
	}
	if len(d.m.home.Unfinished()) != 1 {
		t.Fatal("esc abandoned the window")
	}
}

// TestQuitDialogSaysEscCancels: the quit question's esc keeps porthole running.
func TestQuitDialogSaysEscCancels(t *testing.T) {
	e := newTestEngine(t)
	d := newDriver(t, testOptions(e), 100, 30)
	holdSync(t, d)
	d.key("q")
	d.dialogArmed()
	s := d.screen()
	if strings.Contains(s, "answer later") || !strings.Contains(s, "esc: cancel (keep porthole running)") {
		t.Errorf("the quit question does not say what esc does:\n%s", s)
	}
	d.key("esc")
	if d.m.quitDlg != nil || d.m.quitting {
		t.Fatal("esc did not cancel the quit")
	}
	close(e.release)
}

// TestHelpListsEachBindingOnce: the global keys are not repeated after the
// screen's own (Home, the window, the diff viewer).
func TestHelpListsEachBindingOnce(t *testing.T) {
	e := newTestEngine(t)
	d := newDriver(t, testOptions(e), 140, 40)
	once := func(where string) {
		t.Helper()
		h := flat(xansi.Strip(d.m.helpView(140)))
		for _, b := range []string{"? help", "q quit", "ctrl+c cancel step / quit"} {
			if n := strings.Count(h, b); n != 1 {
				t.Errorf("%s: help lists %q %d times:\n%s", where, b, n, h)
			}
		}
	}
	d.typeText("1000")
	d.key("enter")
	d.waitScreen("plan ready")
	d.key("?")
	once("Home")

	d = newDriver(t, testOptions(e), 140, 40)
	openWindow(t, d)
	d.key("esc", "?")
	once("the window")
	d.key("esc", "enter") // the +2 question again, answered
	d.gate("approve-1000")
	d.key("y")
	for _, id := range []string{"fetch-php", "review-php"} {
		d.gate(id)
		d.key("enter")
	}
	d.gate("review-php")
	d.key("d") // "Show their diff"
	d.until("the diff", func(m Model) bool { return m.screen == screenDiff && m.diff.Doc() != nil })
	d.key("?")
	once("the diff viewer")
}

// untilHolding processes messages until cond holds, keeping back those hold
// matches (returned, for the test to deliver later): a reply that comes late.
func (d *driver) untilHolding(what string, hold func(tea.Msg) bool, cond func(Model) bool) []tea.Msg {
	d.t.Helper()
	var held []tea.Msg
	deadline := time.After(driverDeadline)
	for !cond(d.m) {
		select {
		case msg := <-d.msgs:
			if hold(msg) {
				held = append(held, msg)
				continue
			}
			d.send(msg)
		case <-deadline:
			d.t.Fatalf("waiting for %s: it never happened; screen:\n%s", what, d.screen())
		}
	}
	return held
}

// TestTabBeforeTheUnfinishedSectionAppearsDoesNotOpenANewWindow: back on
// Home, the window lists come late; a tab and an enter typed before them
// neither move the focus nor open a window, and once the unfinished window is
// listed, tab, tab, enter resumes it.
func TestTabBeforeTheUnfinishedSectionAppearsDoesNotOpenANewWindow(t *testing.T) {
	e := newTestEngine(t)
	e.state = t.TempDir()
	d := newDriver(t, testOptions(e), 100, 30)
	declineFullSync(t, d)
	d.key("esc")
	lists := func(msg tea.Msg) bool { _, ok := msg.(windowsMsg); return ok }
	held := d.untilHolding("the arm delay", lists, func(m Model) bool { return !m.homeWait })
	if s := d.screen(); strings.Contains(s, "Unfinished window") || !strings.Contains(s, "listing the unfinished and past windows") {
		t.Fatalf("before the lists, Home:\n%s", s)
	}
	d.key("tab")
	if d.m.home.Focus() != home.SecInput {
		t.Fatalf("tab before the lists moved the focus to %d", d.m.home.Focus())
	}
	if _, cmd := d.m.Update(keyMsg("enter")); cmd != nil {
		t.Fatalf("enter before the lists asked for %T", cmd())
	}
	for _, msg := range held {
		d.send(msg)
	}
	d.homeReady()
	d.waitScreen("Unfinished window — enter resumes it")
	if d.m.home.Focus() != home.SecInput {
		t.Fatalf("the late section moved the focus to %d", d.m.home.Focus())
	}
	d.key("tab", "tab", "enter")
	d.gate("sync-php")     // the resumed window asks its question again
	ps := e.startedPlans() // the window, then its resume
	if len(ps) != 2 || ps[1].ID != ps[0].ID || d.m.win.Plan().ID != ps[0].ID {
		t.Fatalf("want window %s started once and resumed; started %d plans, on screen %s", ps[0].ID, len(ps), d.m.win.Plan().ID)
	}
}

// TestFastEntersAfterAStopDoNotOpenANewWindow: the enter that leaves a
// stopped window for Home, and the ones typed right after it, do not open
// (and then decline) a new window: Home waits the arm delay, then needs its
// own enter.
func TestFastEntersAfterAStopDoNotOpenANewWindow(t *testing.T) {
	e := newTestEngine(t)
	e.state = t.TempDir()
	d := newDriver(t, testOptions(e), 100, 30)
	declineFullSync(t, d)
	d.key("enter", "enter", "enter", "enter")
	if d.m.screen != screenHome || d.m.building != "" {
		t.Fatalf("after fast enters: screen %d, building %q", d.m.screen, d.m.building)
	}
	if s := d.screen(); !strings.Contains(s, "wait… (keys are ignored for a moment") {
		t.Errorf("Home does not say it ignores keys for now:\n%s", s)
	}
	d.homeReady()
	d.settle()
	if d.m.screen != screenHome || d.m.building != "" || len(e.startedPlans()) != 1 {
		t.Fatalf("the fast enters opened a window: screen %d, building %q, %d started", d.m.screen, d.m.building, len(e.startedPlans()))
	}
	d.waitScreen("enter on an empty line: open the window for 1 change(s)")
	d.key("enter") // Home's own enter opens it
	d.until("the new window", func(m Model) bool { return m.screen == screenWindow && m.win != nil && !m.win.Closed() })
	if n := len(e.startedPlans()); n != 2 {
		t.Fatalf("%d windows started, want 2", n)
	}
}

// TestRebaseStepNudgesToReadTheDiff: once the review fetched the incoming
// commits, the rebase step's footer and its line in the step list say to
// read them first (without blocking enter), until d opened the diff once.
func TestRebaseStepNudgesToReadTheDiff(t *testing.T) {
	e := newTestEngine(t)
	e.rebase = true
	d := newDriver(t, testOptions(e), 140, 40)
	d.typeText("1000")
	d.key("enter")
	d.waitScreen("plan ready: 8 steps")
	d.homeReady()
	d.key("enter")
	d.gate("approve-1000")
	d.key("y")
	d.gate("fetch-php")
	if s := d.screen(); strings.Contains(s, "d: read") {
		t.Fatalf("a nudge before anything was fetched:\n%s", s)
	}
	d.key("enter")
	d.gate("review-php")
	d.key("enter")
	d.gate("review-php")
	d.key("a") // deploy all, without looking
	d.gate("rebase-php")
	const nudge = "d: read the 2 incoming commits before rebasing"
	s := d.waitScreen(nudge)
	if !strings.Contains(nextAction(s), "enter run step 4: git rebase in php-1.44.0-wmf.5 · "+nudge) {
		t.Errorf("the footer does not nudge:\n%s", s)
	}
	if d.m.win.StepList().Hint("rebase-php") != nudge || !strings.Contains(s, nudge+"  $ git rebase") {
		t.Errorf("the step list does not nudge (hint %q):\n%s", d.m.win.StepList().Hint("rebase-php"), s)
	}
	if !strings.Contains(s, "d read the incoming diff (not read yet)") {
		t.Errorf("the keys do not say the diff is unread:\n%s", s)
	}
	d.key("d")
	d.until("the diff", func(m Model) bool { return m.screen == screenDiff })
	d.key("esc")
	d.until("the window", func(m Model) bool { return m.screen == screenWindow })
	if s := d.screen(); strings.Contains(s, "d: read") || strings.Contains(s, "not read yet") || !strings.Contains(s, "enter run step 4: git rebase") {
		t.Fatalf("the nudge stayed after d:\n%s", s)
	}
	d.key("enter") // never blocked: the rebase runs
	d.gate("sync-testservers")
	if s := d.screen(); strings.Contains(s, "d: read") {
		t.Fatalf("the nudge came back:\n%s", s)
	}
}

// TestNudgeDoesNotBlockTheRebase: enter without reading rebases anyway, and
// the next steps keep saying the diff was not read.
func TestNudgeDoesNotBlockTheRebase(t *testing.T) {
	e := newTestEngine(t)
	e.rebase = true
	d := newDriver(t, testOptions(e), 100, 30)
	d.typeText("1000")
	d.key("enter")
	d.waitScreen("plan ready: 8 steps")
	d.homeReady()
	d.key("enter")
	d.gate("approve-1000")
	d.key("y")
	for _, id := range []string{"fetch-php", "review-php"} {
		d.gate(id)
		d.key("enter")
	}
	d.gate("review-php")
	d.key("a")
	d.gate("rebase-php")
	d.waitScreen("before rebasing")
	d.key("enter")
	d.gate("sync-testservers")
	if in := d.m.win.StepList().Info("rebase-php"); in == nil || in.State != steplist.Done {
		t.Fatalf("the rebase did not run: %+v", in)
	}
	if d.m.win.StepList().Hint("rebase-php") != "" {
		t.Error("the rebase step keeps its nudge after it ran")
	}
	if h := d.m.win.StepList().Hint("sync-testservers"); h != "d: read the 2 incoming commits before syncing" {
		t.Errorf("the next step's nudge: %q", h)
	}
}
