// Package footer draws the bottom of the screen: the next action, named, and
// the keys of the current view (from their key.Bindings).
package footer

import (
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

// FullView draws every group of keys, for the help screen.
func (m Model) FullView(groups [][]key.Binding) string {
	return m.help.FullHelpView(groups)
}
