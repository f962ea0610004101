// Package report shows a past window's journal, exported as Markdown, in a
// scrollable view.
package report

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"porthole/tui/common"
	"porthole/tui/components/logpane"
)

// CloseMsg: the deployer left the report.
type CloseMsg struct{}

// Model is a scrollable text.
type Model struct {
	c      *common.Common
	title  string
	lines  []string
	top    int
	width  int
	height int
}

// New shows text under a title.
func New(c *common.Common, title, text string) Model {
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		lines = append(lines, logpane.Sanitize(l))
	}
	return Model{c: c, title: title, lines: lines}
}

// SetSize sets the view's size.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, max(2, h) }

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
		l := m.lines[i]
		style := s.App.Subtle
		switch {
		case strings.HasPrefix(l, "#"):
			style = s.App.Bold
		case strings.Contains(l, "✗") || strings.Contains(strings.ToLower(l), "failed"):
			style = s.App.Danger
		}
		out = append(out, style.Render(ansi.Truncate(l, m.width, "…")))
	}
	for len(out) < m.height {
		out = append(out, "")
	}
	return strings.Join(out, "\n")
}

// ShortHelp lists the report's keys.
func (m Model) ShortHelp() []key.Binding {
	k := m.c.Keys
	return []key.Binding{k.Down, k.Up, k.PageDown, k.Back}
}

// FullHelp lists the report's keys.
func (m Model) FullHelp() [][]key.Binding { return [][]key.Binding{m.ShortHelp()} }
