// Package steplist draws a window's plan: each step with its state, host
// and command, the current step highlighted, the irreversible ones marked.
package steplist

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"porthole/tui/common"
)

// Step is one step of the plan as the list shows it.
type Step struct {
	ID           string
	Title        string
	Where        string // the hosts it runs on ("deploy1002", "5 app servers", "local")
	Dir          string // the directory it runs in ("" for none)
	Command      string // the command it runs ("" for none)
	Irreversible bool
}

// State is how far a step got.
type State uint8

// Step states.
const (
	Pending State = iota
	Running
	Done
	Failed
	Skipped
)

// String names a state ("pending", "running", …).
func (s State) String() string {
	return [...]string{"pending", "running", "done", "failed", "skipped"}[s]
}

// Info is what the list knows of one step beyond the plan.
type Info struct {
	State    State
	Attempt  int
	Started  time.Time
	Duration time.Duration
	Err      string
	Waiting  bool // a gate before it is waiting for an answer
}

// Model is the step list.
type Model struct {
	c        *common.Common
	steps    []*Step
	info     map[string]*Info
	current  int // the step running, or the next one to run
	selected int // the step the deployer looks at (its log is shown)
	follow   bool
	width    int
	height   int
	offset   int
	focused  bool
	hint     map[string]string // a word to the deployer under a step (SetHint)
}

// New returns an empty list.
func New(c *common.Common) Model {
	return Model{c: c, info: map[string]*Info{}, follow: true, focused: true}
}

// SetPlan shows a plan's steps, with states already known (a resumed window).
func (m *Model) SetPlan(steps []*Step, states map[string]State) {
	m.steps = steps
	m.info = map[string]*Info{}
	m.hint = nil
	for _, s := range steps {
		m.info[s.ID] = &Info{State: states[s.ID]}
	}
	m.current, m.selected, m.offset, m.follow = 0, 0, 0, true
	m.advance()
}

// SetHint shows text first on a step's detail line (when it is selected),
// e.g. "d: read the 1 incoming commit before rebasing"; "" removes it.
func (m *Model) SetHint(id, text string) {
	if m.hint == nil {
		m.hint = map[string]string{}
	}
	if text == "" {
		delete(m.hint, id)
	} else {
		m.hint[id] = text
	}
	m.scroll()
}

// Hint is the text SetHint put under a step.
func (m Model) Hint(id string) string { return m.hint[id] }

// SetSize sets the list's size (the selected step stays on screen).
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, max(1, h)
	m.scroll()
}

// SetFocused says whether keys move the list's selection.
func (m *Model) SetFocused(f bool) { m.focused = f }

// Steps are the plan's steps.
func (m Model) Steps() []*Step { return m.steps }

// Info is what the list knows of step id.
func (m Model) Info(id string) *Info { return m.info[id] }

// Current is the step running or next to run (nil when all are done).
func (m Model) Current() *Step {
	if m.current < len(m.steps) {
		return m.steps[m.current]
	}
	return nil
}

// Selected is the step the deployer is looking at.
func (m Model) Selected() *Step {
	if m.selected < len(m.steps) {
		return m.steps[m.selected]
	}
	return nil
}

// Index is the position of step id, or -1.
func (m Model) Index(id string) int {
	for i, s := range m.steps {
		if s.ID == id {
			return i
		}
	}
	return -1
}

// Follow makes the selection track the current step again.
func (m *Model) Follow() {
	m.follow = true
	m.advance()
}

// Started marks a step as running (and follows it: the deployer watches
// what runs).
func (m *Model) Started(id string, attempt int, at time.Time) {
	m.follow = true
	if in := m.info[id]; in != nil {
		in.State, in.Attempt, in.Started, in.Err, in.Waiting = Running, attempt, at, "", false
	}
	m.advance()
	if i := m.Index(id); i >= 0 {
		m.current, m.selected = i, i
		m.scroll()
	}
}

// Finished records how a step ended.
func (m *Model) Finished(id string, state State, err error, d time.Duration) {
	if in := m.info[id]; in != nil {
		in.State, in.Duration, in.Waiting = state, d, false
		if err != nil {
			in.Err = err.Error()
		}
	}
	m.advance()
}

// Waiting marks the step a gate is asked before.
func (m *Model) Waiting(id string, w bool) {
	for _, in := range m.info {
		in.Waiting = false
	}
	if in := m.info[id]; in != nil {
		in.Waiting = w
	}
	if i := m.Index(id); i >= 0 && w {
		m.current = i
		if m.follow {
			m.selected = i
		}
	}
	m.scroll()
}

// advance moves the current step to the first one not done or skipped.
func (m *Model) advance() {
	m.current = len(m.steps)
	for i, s := range m.steps {
		in := m.info[s.ID]
		if in == nil || (in.State != Done && in.State != Skipped) {
			m.current = i
			break
		}
	}
	if m.follow {
		m.selected = min(m.current, max(0, len(m.steps)-1))
	}
	m.scroll()
}

// Update moves the selection with the list keys.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || !m.focused || len(m.steps) == 0 {
		return m, nil
	}
	keys := m.c.Keys
	switch {
	case key.Matches(k, keys.Up):
		m.selected = max(0, m.selected-1)
	case key.Matches(k, keys.Down):
		m.selected = min(len(m.steps)-1, m.selected+1)
	case key.Matches(k, keys.Top):
		m.selected = 0
	case key.Matches(k, keys.Bottom):
		m.selected = len(m.steps) - 1
	default:
		return m, nil
	}
	m.follow = m.selected == min(m.current, len(m.steps)-1)
	m.scroll()
	return m, nil
}

// lineHeights: the selected step takes two lines (its command under it).
func (m Model) rows(i int) int {
	if i == m.selected && m.detail(m.steps[i]) != "" {
		return 2
	}
	return 1
}

// rowsBetween counts the lines steps a..b (inclusive) take.
func (m Model) rowsBetween(a, b int) int {
	n := 0
	for i := max(0, a); i <= b && i < len(m.steps); i++ {
		n += m.rows(i)
	}
	return n
}

// scroll keeps the selected step on screen with a line of what follows it,
// and shows as many earlier steps as fit.
func (m *Model) scroll() {
	if len(m.steps) == 0 {
		m.offset = 0
		return
	}
	if m.selected < m.offset {
		m.offset = m.selected
	}
	next := min(m.selected+1, len(m.steps)-1)
	for m.offset < m.selected && m.rowsBetween(m.offset, next) > m.height {
		m.offset++
	}
	ahead := min(m.selected+3, len(m.steps)-1) // up to three coming steps, then what is done
	for m.offset > 0 && m.rowsBetween(m.offset-1, ahead) <= m.height {
		m.offset--
	}
}

// icon is a step's state as a symbol and a word for screens without colour.
func (m Model) icon(s *Step) (string, string) {
	in := m.info[s.ID]
	switch {
	case in == nil:
		return "·", "pending"
	case in.Waiting:
		return "?", "waiting"
	case in.State == Running:
		return "▶", "running"
	case in.State == Done:
		return "✓", "done"
	case in.State == Failed:
		return "✗", "failed"
	case in.State == Skipped:
		return "–", "skipped"
	}
	return "·", "pending"
}

// detail is the second line of the selected step: command, host, dir, error.
func (m Model) detail(s *Step) string {
	var parts []string
	if h := m.hint[s.ID]; h != "" {
		parts = append(parts, h)
	}
	if s.Command != "" {
		parts = append(parts, "$ "+s.Command)
	}
	if in := m.info[s.ID]; in != nil && in.Err != "" {
		parts = append(parts, "error: "+in.Err)
	}
	return strings.Join(parts, "  ")
}

// Wanted is the width that shows every step's title and host whole (with
// room for a duration).
func (m Model) Wanted() int {
	n := 0
	for i, s := range m.steps {
		title := fmt.Sprintf("› ? ⚠ %d. %s", i+1, s.Title)
		n = max(n, ansi.StringWidth(title)+1+ansi.StringWidth(s.Where)+len(" 12.3s"))
	}
	return n
}

// View draws the visible steps in exactly height lines.
func (m Model) View() string {
	st := m.c.Styles.Steps
	var lines []string
	for i := m.offset; i < len(m.steps) && len(lines) < m.height; i++ {
		s := m.steps[i]
		lines = append(lines, m.line(i, s))
		if i == m.selected && len(lines) < m.height {
			if d := m.detail(s); d != "" {
				where := s.Where
				if s.Dir != "" {
					where += ":" + s.Dir
				}
				lines = append(lines, st.Detail.Render(ansi.Truncate("    "+d+"   ("+where+")", m.width, "…")))
			}
		}
	}
	for len(lines) < m.height {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

func (m Model) line(i int, s *Step) string {
	st := m.c.Styles.Steps
	icon, _ := m.icon(s)
	in := m.info[s.ID]
	style := st.Pending
	switch {
	case in != nil && in.Waiting:
		style = st.Running
	case in != nil && in.State == Running:
		style = st.Running
	case in != nil && in.State == Done:
		style = st.Done
	case in != nil && in.State == Failed:
		style = st.Failed
	case in != nil && in.State == Skipped:
		style = st.Skipped
	}
	right := s.Where
	if in != nil {
		switch {
		case (in.State == Done || in.State == Failed) && in.Duration > 0:
			right += " " + fmtDuration(in.Duration)
		case in.State == Running && in.Attempt > 1:
			right += fmt.Sprintf(" try %d", in.Attempt)
		}
	}
	mark := " "
	if s.Irreversible {
		mark = "⚠"
	}
	cursor := "  "
	if i == m.selected {
		cursor = "› "
	}
	title := fmt.Sprintf("%s%s %s %d. %s", cursor, icon, mark, i+1, s.Title)
	rw := ansi.StringWidth(right)
	title = ansi.Truncate(title, max(0, m.width-rw-1), "…")
	gap := max(1, m.width-ansi.StringWidth(title)-rw)
	line := style.Render(title) + strings.Repeat(" ", gap) + st.Host.Render(right)
	if s.Irreversible && (in == nil || in.State == Pending) {
		line = st.Irreversible.Render(title) + strings.Repeat(" ", gap) + st.Host.Render(right)
	}
	if i == m.current && m.current < len(m.steps) {
		return st.Current.Render(ansi.Strip(title) + strings.Repeat(" ", gap) + right)
	}
	return line
}

func fmtDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

// ShortHelp lists the list's keys.
func (m Model) ShortHelp() []key.Binding { return []key.Binding{m.c.Keys.Up, m.c.Keys.Down} }

// FullHelp lists the list's keys.
func (m Model) FullHelp() [][]key.Binding {
	return [][]key.Binding{{m.c.Keys.Up, m.c.Keys.Down, m.c.Keys.Top, m.c.Keys.Bottom}}
}
