package tui

import (
	"strings"
	"testing"
)

// TestInvalidChangesSayWhatToDo: once every typed change is looked up and
// one cannot be used, Home no longer says it is looking them up: it says
// what to do, and enter on an empty line says it again instead of nothing.
func TestInvalidChangesSayWhatToDo(t *testing.T) {
	e := newTestEngine(t)
	d := newDriver(t, testOptions(e), 100, 30)
	d.homeReady()
	d.typeText("9999")
	d.key("enter")
	d.waitScreen("change 9999 not found in Gerrit: check the number")
	const what = "1 of the changes cannot be used (the reason is under each ✗): tab to the list and x removes one"
	s := d.screen()
	if strings.Contains(s, "looking the changes up") || !strings.Contains(s, what) {
		t.Fatalf("after the look-up failed, Home does not say what to do:\n%s", s)
	}
	d.key("enter")
	d.until("enter to say why it opens nothing", func(m Model) bool { return m.status == what })
	if d.m.screen != screenHome || d.m.win != nil {
		t.Fatalf("enter with an unusable change left Home (screen %v)", d.m.screen)
	}
}
