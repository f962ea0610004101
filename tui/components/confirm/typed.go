package confirm

import (
	"unicode"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// maxTyped bounds what a typed gate's field holds.
const maxTyped = 64

// A Typed question (a runbooks.GateTyped gate) is answered by typing Q.Expect (a
// change number) and enter: "y" only types a y. Enter on an empty field
// answers no; enter on other text hands it to the runner, which takes it as no.

// Typed is what the deployer has typed so far in a typed gate.
func (m Model) Typed() string { return m.typed }

func (m Model) typedKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	k := m.c.Keys
	switch {
	case key.Matches(msg, k.Cancel):
		m.hide = true
	case msg.Code == tea.KeyEnter:
		m.answer = m.typed
		if m.answer == "" {
			m.answer = "n"
		}
	case msg.Code == tea.KeyBackspace:
		if _, n := utf8.DecodeLastRuneInString(m.typed); n > 0 {
			m.typed = m.typed[:len(m.typed)-n]
		}
	default:
		t := msg.Text
		if t == "" || len(m.typed)+len(t) > maxTyped {
			return m, nil
		}
		for _, r := range t {
			if !unicode.IsPrint(r) {
				return m, nil
			}
		}
		m.typed += t
	}
	return m, nil
}

// typedLines draws the field and what enter would do.
func (m Model) typedLines(inner int) []string {
	st := m.c.Styles.Dialog
	field := "› " + m.typed + "█"
	if !m.armed {
		field = "  (wait…)"
	}
	status := "type " + m.Q.Expect + " and enter to go on · enter on anything else stops here"
	if m.typed != "" && m.typed != m.Q.Expect {
		status = "not " + m.Q.Expect + ": enter stops here"
	} else if m.typed == m.Q.Expect {
		status = "enter goes on"
	}
	return []string{
		st.ChoiceDanger.Render(ansi.Truncate(field, inner, "…")),
		st.Hint.Render(ansi.Truncate(status, inner, "…")),
	}
}

// typedChoices are the answers a typed question's help lists.
func typedChoices(q Question) []Choice {
	return []Choice{{Key: q.Expect, Label: "Type it to go on"}, {Key: "n", Label: "Stop here"}}
}
