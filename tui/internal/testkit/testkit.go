// Package testkit has the helpers the TUI's component tests share: key
// presses by name and views without colours, checked for their size.
package testkit

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// Key is a key press by the name tea gives it ("enter", "esc", "ctrl+c", "G").
func Key(n string) tea.KeyPressMsg {
	special := map[string]rune{"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab,
		"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
		"pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "backspace": tea.KeyBackspace, "home": tea.KeyHome,
		"end": tea.KeyEnd, "delete": tea.KeyDelete}
	if r, ok := special[n]; ok {
		return tea.KeyPressMsg{Code: r}
	}
	switch n {
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	}
	if c, ok := strings.CutPrefix(n, "ctrl+"); ok {
		return tea.KeyPressMsg{Code: rune(c[0]), Mod: tea.ModCtrl}
	}
	r := []rune(n)[0]
	return tea.KeyPressMsg{Code: r, Text: n}
}

// Plain strips colours and styles from a view.
func Plain(s string) string { return ansi.Strip(s) }

// Size checks that a view is exactly w x h (h 0: any height) and returns it without colours.
func Size(t *testing.T, view string, w, h int) string {
	t.Helper()
	gw, gh := lipgloss.Size(view)
	if gw != w || (h > 0 && gh != h) {
		t.Errorf("view is %dx%d, want %dx%d:\n%s", gw, gh, w, h, Plain(view))
	}
	return Plain(view)
}

// MaxWidth checks that no line of a view is wider than w and returns it without colours.
func MaxWidth(t *testing.T, view string, w int) string {
	t.Helper()
	if gw, _ := lipgloss.Size(view); gw > w {
		t.Errorf("view is %d wide, want at most %d:\n%s", gw, w, Plain(view))
	}
	return Plain(view)
}

// Widths are the widths views are snapshot at.
var Widths = []int{80, 100, 140}
