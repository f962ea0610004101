// Package confirm is the dialog a gate is answered in: a question, exactly
// what will run where, and the choices with the default highlighted. An
// irreversible step's dialog is red and defaults to No. Keys typed before the
// dialog appeared are ignored (as scap flushes the terminal before a prompt).
package confirm

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"porthole/tui/common"
)

// ArmDelay is how long a new dialog ignores keys, so that an enter meant for
// the previous screen cannot answer it.
const ArmDelay = 300 * time.Millisecond

// Kind says how a question is answered.
type Kind uint8

// Kinds of questions.
const (
	Continue Kind = iota // a pause before a step: go on or stop the window
	YesNo                // a yes/no question (No when no default is given)
	Choose               // one of a few named choices
	Typed                // answered by typing Expect (a change number), for danger
)

// Choice is one answer a question offers.
type Choice struct {
	Key   string // "y", "n", "d", …
	Label string
}

// Question is what a dialog asks.
type Question struct {
	Kind    Kind
	Prompt  string   // one line
	Detail  string   // exactly what will run, where
	Choices []Choice // for Choose; YesNo and Continue imply theirs
	Default string   // the choice enter takes
	Expect  string   // for Typed: the text that goes on
}

// ArmMsg makes dialog ID take keys.
type ArmMsg struct{ ID int }

// Model is one dialog.
type Model struct {
	c      *common.Common
	ID     int
	Q      Question
	Title  string // the step's title, "" for none
	Where  string // "runs on deploy1002 in /srv/mediawiki-staging"
	Danger bool   // irreversible: red, default No
	// Esc says what esc does in this dialog ("" for a gate's "hide (answer
	// later)"); a dialog whose esc cancels says so, e.g. "cancel (keep it)".
	Esc     string
	choices []Choice
	sel     int
	armed   bool
	// the detail's scrolling (scroll.go)
	fitW, fitH int
	top        int
	seenEnd    bool
	notice     string // why a key was not taken
	answer     string // set by Update when the deployer answered
	hide       bool   // set by Update when the deployer asked to hide the dialog
	typed      string // a typed gate's field (see typed.go)
}

// New opens a dialog for a question; the command arms it after ArmDelay.
func New(c *common.Common, id int, q Question, title string, danger bool) (Model, tea.Cmd) {
	m := Model{c: c, ID: id, Q: q, Title: title, Danger: danger}
	switch q.Kind {
	case Choose:
		m.choices = append(m.choices, q.Choices...)
	case Continue:
		m.choices = []Choice{{Key: "y", Label: "Continue"}, {Key: "n", Label: "Stop the window"}}
	case Typed:
		m.choices = typedChoices(q)
	default:
		m.choices = []Choice{{Key: "y", Label: "Yes"}, {Key: "n", Label: "No"}}
	}
	def := q.Default
	if danger || def == "" && q.Kind == YesNo {
		def = "n"
	}
	for i, ch := range m.choices {
		if ch.Key == def {
			m.sel = i
		}
	}
	delay := ArmDelay
	if c.ArmDelay > 0 {
		delay = c.ArmDelay
	}
	return m, tea.Tick(delay, func(time.Time) tea.Msg { return ArmMsg{ID: id} })
}

// Answer is the choice the last key answered, if it did.
func (m Model) Answer() (string, bool) { return m.answer, m.answer != "" }

// WantsHide is true when the last key asked to hide the dialog (esc).
func (m Model) WantsHide() bool { return m.hide }

// Armed tells whether the dialog takes keys yet.
func (m Model) Armed() bool { return m.armed }

// Selected is the key of the highlighted choice.
func (m Model) Selected() string { return m.choices[m.sel].Key }

// Choices are the dialog's answers.
func (m Model) Choices() []Choice { return m.choices }

// Update answers, moves the highlight, or asks to be hidden; the owner reads
// Answer and WantsHide after each key.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case ArmMsg:
		if msg.ID == m.ID {
			m.armed = true
		}
		return m, nil
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return m, nil
}

func (m Model) key(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	m.answer, m.hide = "", false
	if !m.armed {
		return m, nil // typed before the question was on screen
	}
	if m.Q.Kind == Typed {
		return m.typedKey(msg)
	}
	k := m.c.Keys
	m.notice = ""
	switch {
	case key.Matches(msg, k.Cancel):
		m.hide = true
		return m, nil
	case msg.String() == "pgdown" || msg.String() == "space":
		m.scrollBy(m.pageSize())
		return m, nil
	case msg.String() == "pgup":
		m.scrollBy(-m.pageSize())
		return m, nil
	case key.Matches(msg, k.Accept):
		return m.take(m.choices[m.sel].Key), nil
	case key.Matches(msg, k.ChoiceNext, k.Down):
		m.sel = (m.sel + 1) % len(m.choices)
		return m, nil
	case key.Matches(msg, k.ChoicePrev, k.Up):
		m.sel = (m.sel + len(m.choices) - 1) % len(m.choices)
		return m, nil
	}
	s := msg.String()
	for _, ch := range m.choices {
		if s == ch.Key || (len(s) == 1 && strings.EqualFold(s, ch.Key) && len(ch.Key) == 1) {
			return m.take(ch.Key), nil
		}
	}
	return m, nil
}

// take answers a, unless a is a yes and part of the detail was never shown.
func (m Model) take(a string) Model {
	if m.needsReading(a) {
		m.notice = "read it all first: pgdn/space shows the rest of what will run"
		return m
	}
	m.answer = a
	return m
}

// View draws the dialog at most width columns wide and height lines high
// (the detail is shortened first; the question and choices always show).
func (m Model) View(width, height int) string {
	head, detail, tail, frameH := m.parts(width)
	lines := head
	if len(detail) > 0 {
		if height > 0 {
			detail = m.visibleDetail(detail, height-frameH-len(head)-len(tail)-1)
		}
		lines = append(lines, "")
		for _, l := range detail {
			lines = append(lines, m.c.Styles.Dialog.Detail.Render(l))
		}
	}
	lines = append(lines, tail...)
	w, _ := m.frame(width)
	return m.box().Width(w).Render(strings.Join(lines, "\n"))
}

// box is the dialog's frame: red when irreversible.
func (m Model) box() lipgloss.Style {
	if m.Danger {
		return m.c.Styles.Dialog.BoxDanger
	}
	return m.c.Styles.Dialog.Box
}

// frame is the dialog's outer and inner width for width columns.
func (m Model) frame(width int) (w, inner int) {
	w = max(30, min(width, 80))
	if m.Danger {
		w = max(30, min(width, 100))
	}
	return w, w - m.box().GetHorizontalFrameSize()
}

// parts are the dialog's lines at width: the head (warning, title, prompt),
// the detail (wrapped, not yet cut), the tail (choices and hint), and the
// frame's height.
func (m Model) parts(width int) (head, detail, tail []string, frameH int) {
	st := m.c.Styles.Dialog
	_, inner := m.frame(width)
	if m.Danger {
		head = append(head, st.TitleDanger.Render("⚠ IRREVERSIBLE — this reaches production"))
	}
	if m.Title != "" {
		head = append(head, st.Hint.Render(ansi.Truncate(m.Title, inner, "…")))
	}
	title := st.Title
	if m.Danger {
		title = st.TitleDanger
	}
	head = append(head, strings.Split(title.Render(wrap(m.Q.Prompt, inner)), "\n")...)
	choices := m.choiceLines(inner)
	if m.Q.Kind == Typed {
		choices = m.typedLines(inner)
	}
	tail = append([]string{""}, choices...)
	hint := m.hint()
	if m.notice != "" {
		hint = m.notice
	}
	tail = append(tail, "", st.Hint.Render(ansi.Truncate(hint, inner, "…")))
	return head, m.detailLines(inner), tail, m.box().GetVerticalFrameSize()
}

func (m Model) choiceLines(inner int) []string {
	st := m.c.Styles.Dialog
	def := m.Q.Default
	if m.Danger || def == "" {
		def = "n"
	}
	render := func(i int, ch Choice) string {
		label := fmt.Sprintf("[%s] %s", ch.Key, ch.Label)
		if ch.Key == def {
			label += " (default)"
		}
		if !m.armed { // keys are ignored for now: nothing looks pressable
			mark := "  "
			if i == m.sel {
				mark = "› "
			}
			return st.ChoiceDisabled.Render(mark + label)
		}
		if i == m.sel {
			if m.Danger && ch.Key != "n" {
				return st.ChoiceDanger.Render("› " + label)
			}
			return st.ChoiceDefault.Render("› " + label)
		}
		return st.Choice.Render("  " + label)
	}
	if m.Q.Kind != Choose {
		var parts []string
		for i, ch := range m.choices {
			parts = append(parts, render(i, ch))
		}
		return []string{ansi.Truncate(strings.Join(parts, "  "), inner, "")}
	}
	var out []string
	for i, ch := range m.choices {
		out = append(out, ansi.Truncate(render(i, ch), inner, "…"))
	}
	return out
}

func (m Model) hint() string {
	var keys []string
	for _, ch := range m.choices {
		keys = append(keys, ch.Key)
	}
	h := strings.Join(keys, "/") + ": answer · enter: " + m.choices[m.sel].Label + " · esc: " + m.escHelp()
	if m.Q.Kind == Typed {
		h = "type " + m.Q.Expect + ", then enter · esc: " + m.escHelp()
	}
	if !m.armed {
		h = "wait… (keys are ignored for a moment, so a stray enter cannot answer)"
	}
	return h
}

// escHelp is what esc does here.
func (m Model) escHelp() string {
	if m.Esc != "" {
		return m.Esc
	}
	return m.c.Keys.Cancel.Help().Desc
}

// wrap breaks text to width, keeping words whole where it can and cutting
// long words (a command line must be seen whole, never truncated).
func wrap(s string, width int) string {
	return ansi.Hardwrap(ansi.Wrap(s, width, " /"), width, true)
}

// ShortHelp lists the dialog's keys: its choices, then how to move and hide.
func (m Model) ShortHelp() []key.Binding {
	k := m.c.Keys
	var out []key.Binding
	for _, ch := range m.choices {
		label := strings.ToLower(ch.Label)
		if i := strings.IndexAny(label, "(,"); i > 0 {
			label = strings.TrimSpace(label[:i])
		}
		out = append(out, key.NewBinding(key.WithKeys(ch.Key), key.WithHelp(ch.Key, label)))
	}
	esc := k.Cancel
	esc.SetHelp(esc.Help().Key, m.escHelp())
	return append(out, k.Accept, esc, k.ChoiceNext)
}

// FullHelp lists the dialog's keys.
func (m Model) FullHelp() [][]key.Binding { return [][]key.Binding{m.ShortHelp()} }
