package report

import (
	"strings"

	"charm.land/glamour/v2"
	"github.com/charmbracelet/x/ansi"
)

// Terminal renders a report's Markdown for a terminal width columns wide:
// headings, tables, lists and code blocks laid out and styled. style is
// glamour's "dark" or "light" for a colour terminal, or "plain": the dark
// layout without colours or markup (a pipe, a file; glamour's own "notty"
// keeps the ** and the backticks).
func Terminal(md string, width int, style string) (string, error) {
	plain := style == "plain"
	if plain {
		style = "dark"
	}
	r, err := glamour.NewTermRenderer(glamour.WithStandardStyle(style), glamour.WithWordWrap(max(20, width)))
	if err != nil {
		return "", err
	}
	out, err := r.Render(md)
	if err != nil {
		return "", err
	}
	if plain {
		out = ansi.Strip(out)
	}
	lines := strings.Split(strings.Trim(out, "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ") // glamour pads every line to the width
	}
	return strings.Join(lines, "\n") + "\n", nil
}
