// Package statusbar draws porthole's top line: where you are, whether this is
// a sandbox, who is deploying and the clock.
package statusbar

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"porthole/tui/styles"
)

// Bar is what the top line shows.
type Bar struct {
	Title   string // "porthole"
	Context string // "Home", "Backport 12345", …
	Sandbox bool
	Right   string // "deployer · 14:02 · 3m12s"
}

// View draws the bar in exactly width columns.
func View(s *styles.Styles, width int, b Bar) string {
	left := s.StatusBar.Title.Render(b.Title)
	if b.Context != "" {
		left += s.StatusBar.Base.Render(" · " + b.Context)
	}
	badge := ""
	if b.Sandbox {
		badge = s.StatusBar.Badge.Render("SANDBOX") + " "
	}
	right := badge + s.StatusBar.Right.Render(b.Right)
	rw := ansi.StringWidth(right)
	if rw >= width {
		right = ansi.Truncate(right, width, "")
		rw = ansi.StringWidth(right)
	}
	left = ansi.Truncate(left, max(0, width-rw-1), "…")
	gap := max(0, width-ansi.StringWidth(left)-rw)
	return left + strings.Repeat(" ", gap) + right
}
