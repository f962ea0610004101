package confirm

import (
	"strings"
	"testing"

	"porthole/tui/internal/testkit"
)

var typedGate = Question{Kind: Typed, Default: "n", Expect: "1004",
	Prompt: "1 danger warning: type 1004 to +2 it anyway (anything else stops here)",
	Detail: "⚠ change 1004 changes the database schema"}

// A typed gate answers only with what was typed: y types a y, enter hands
// the text over; enter on nothing is no; esc hides.
func TestTypedGateTakesTypedText(t *testing.T) {
	cases := []struct {
		keys []string
		want string
	}{
		{[]string{"y", "enter"}, "y"},
		{[]string{"enter"}, "n"},
		{[]string{"1", "0", "0", "4", "enter"}, "1004"},
		{[]string{"1", "0", "0", "5", "backspace", "4", "enter"}, "1004"},
		{[]string{"ctrl+a", "1", "0", "0", "4", "enter"}, "1004"},
	}
	for _, c := range cases {
		m := armed(t, typedGate, false)
		for i, k := range c.keys {
			m, _ = m.Update(testkit.Key(k))
			if a, ok := m.Answer(); ok && i < len(c.keys)-1 {
				t.Fatalf("%v: answered %q at key %d", c.keys, a, i)
			}
		}
		if a, ok := m.Answer(); !ok || a != c.want {
			t.Errorf("%v: answer %q (%v), want %q", c.keys, a, ok, c.want)
		}
	}
	m := armed(t, typedGate, false)
	for _, k := range []string{"1", "0"} {
		m, _ = m.Update(testkit.Key(k))
	}
	view := testkit.Plain(m.View(100, 30))
	for _, want := range []string{"type 1004 to +2 it anyway", "› 10█", "not 1004: enter stops here", "changes the database schema"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q:\n%s", want, view)
		}
	}
	if strings.Contains(view, "[y] Yes") {
		t.Errorf("a typed gate offers y:\n%s", view)
	}
	m, _ = m.Update(testkit.Key("esc"))
	if !m.WantsHide() {
		t.Error("esc does not hide")
	}
}
