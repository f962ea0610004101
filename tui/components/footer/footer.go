// Package footer draws the bottom of the screen: the next action, named, and
// the keys of the current view (from their key.Bindings).
package footer

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"

	"porthole/tui/styles"
)

// Model is the footer.
type Model struct {
	help  help.Model
	width int
}

// New returns a footer styled for s.
func New(s *styles.Styles) Model {
	h := help.New()
	h.Styles = help.DefaultStyles(s.IsDark)
	h.Styles.ShortKey = s.App.Key
	h.Styles.FullKey = s.App.Key
	return Model{help: h}
}

// Restyle follows a change of styles (dark/light).
func (m *Model) Restyle(s *styles.Styles) {
	m.help.Styles = help.DefaultStyles(s.IsDark)
	m.help.Styles.ShortKey = s.App.Key
	m.help.Styles.FullKey = s.App.Key
}

// SetWidth sets the footer's width.
func (m *Model) SetWidth(w int) {
	m.width = w
	m.help.SetWidth(w)
}

// View draws the next action (styled by the caller; may be "") over the short help.
func (m Model) View(next string, keys []key.Binding) string {
	line := ansi.Truncate(next, m.width, "…")
	return line + "\n" + m.help.ShortHelpView(keys)
}

// FullView draws every group of keys, for the help screen: side by side
// while they fit the width, then on further rows (a group is never cut off).
func (m Model) FullView(groups [][]key.Binding) string {
	h := m.help
	h.SetWidth(0) // measured here: nothing is truncated
	var rows []string
	var row [][]key.Binding
	for _, g := range groups {
		next := append(append([][]key.Binding{}, row...), g)
		if len(row) > 0 && m.width > 0 && ansi.StringWidth(widest(h.FullHelpView(next))) > m.width {
			rows = append(rows, h.FullHelpView(row))
			next = [][]key.Binding{g}
		}
		row = next
	}
	if len(row) > 0 {
		rows = append(rows, h.FullHelpView(row))
	}
	return strings.Join(rows, "\n\n")
}

// widest is the widest line of s.
func widest(s string) string {
	var out string
	for _, l := range strings.Split(s, "\n") {
		if ansi.StringWidth(l) > ansi.StringWidth(out) {
			out = l
		}
	}
	return out
}
