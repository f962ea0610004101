package tui

import (
	"strings"
	"testing"

	xansi "github.com/charmbracelet/x/ansi"
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
