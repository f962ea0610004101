package tui

import (
	"strings"
	"testing"

	"porthole/tui/components/form"
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

// TestFormSubmittedTwiceBuildsOneWindow: enter pressed again on a form
// while its plan is being built starts no second build (which would open a
// second window and leave the first cancelled mid-window, unfinished).
func TestFormSubmittedTwiceBuildsOneWindow(t *testing.T) {
	e := newTestEngine(t)
	d := newDriver(t, testOptions(e), 100, 30)
	d.waitScreen("namespaceDupes · purgeList")
	d.homeReady()
	d.key("tab", "enter")
	d.until("the form", func(m Model) bool { return m.screen == screenForm })
	sub := form.SubmitMsg{Kind: "namespaceDupes", Params: map[string]string{"wiki": "dewiki"}}
	m1, first := d.m.Update(sub)
	_, second := m1.(Model).Update(sub)
	if first == nil || second != nil {
		t.Fatalf("two submits: first build %v, second build %v (want one build)", first != nil, second != nil)
	}
	// a submit that arrives once the plan is built (the form is gone)
	d.send(sub)
	d.until("the runbook's window", func(m Model) bool { return m.screen == screenWindow && m.win != nil })
	gen := d.m.gen
	if _, late := d.m.Update(sub); late != nil {
		t.Fatal("a submit after the window opened builds another")
	}
	e.mu.Lock()
	built := append([]string(nil), e.built...)
	e.mu.Unlock()
	if d.m.gen != gen || len(built) != 1 {
		t.Fatalf("builds %q", built)
	}
}
