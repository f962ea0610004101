// Package report shows a past window's record (report.Markdown) laid out
// for the terminal by glamour, in a scrollable view.
package report

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"porthole/runbooks/report"
	"porthole/tui/common"
	"porthole/tui/components/logpane"
	"porthole/tui/internal/textutil"
)

// CloseMsg: the deployer left the report.
type CloseMsg struct{}

// Model is a scrollable text.
type Model struct {
	c        *common.Common
	title    string
	markdown string
	lines    []string
	laidOut  string // the width and style lines were laid out for
	top      int
	width    int
	height   int
}

// New shows a window's Markdown record under a title.
func New(c *common.Common, title, markdown string) Model {
	m := Model{c: c, title: title, markdown: markdown}
	m.layout()
	return m
}

// SetSize sets the view's size (and lays the record out for the width).
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, max(2, h)
	m.layout()
}

// layout renders the Markdown for the width and the terminal's background,
// once per width; if glamour fails, the Markdown is shown as it is.
func (m *Model) layout() {
	style := "light"
	if m.c.Styles.IsDark {
		style = "dark"
	}
	w := m.width
	if w <= 0 {
		w = 80
	}
	key := fmt.Sprint(w, style)
	if key == m.laidOut {
		return
	}
	m.laidOut = key
	text, err := report.Terminal(m.markdown, w, style)
	if err != nil {
		text = m.markdown
	}
	m.lines = m.lines[:0]
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if err != nil {
			l = logpane.Sanitize(l)
		}
		m.lines = append(m.lines, l)
	}
	m.top = max(0, min(m.top, len(m.lines)-m.body()))
}

// Top is the first line shown.
func (m Model) Top() int { return m.top }

func (m Model) body() int { return m.height - 1 }

// Update scrolls; q or esc closes.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return m, nil
	}
	k := m.c.Keys
	switch {
	case key.Matches(km, k.Back, k.Quit):
		return m, func() tea.Msg { return CloseMsg{} }
	case key.Matches(km, k.Down):
		m.top++
	case key.Matches(km, k.Up):
		m.top--
	case key.Matches(km, k.PageDown):
		m.top += m.body()
	case key.Matches(km, k.PageUp):
		m.top -= m.body()
	case key.Matches(km, k.Top):
		m.top = 0
	case key.Matches(km, k.Bottom):
		m.top = len(m.lines)
	}
	m.top = max(0, min(m.top, len(m.lines)-m.body()))
	return m, nil
}

// View draws the title and the visible lines in exactly height lines.
func (m Model) View() string {
	s := m.c.Styles
	out := []string{s.App.Title.Render(ansi.Truncate(m.title, m.width, "…"))}
	for i := m.top; i < len(m.lines) && len(out) < m.height; i++ {
		out = append(out, ansi.Truncate(m.lines[i], m.width, "…"))
	}
	return textutil.Fit(strings.Join(out, "\n"), m.width, m.height)
}

// ShortHelp lists the report's keys.
func (m Model) ShortHelp() []key.Binding {
	k := m.c.Keys
	return []key.Binding{k.Down, k.Up, k.PageDown, k.Back}
}

// FullHelp lists the report's keys.
func (m Model) FullHelp() [][]key.Binding { return [][]key.Binding{m.ShortHelp()} }
