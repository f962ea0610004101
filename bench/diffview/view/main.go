// Command view shows a patch file in porthole's diff viewer alone, full
// screen, so the benchmark can time it in a terminal next to less.
package main

import (
	"fmt"
	"os"

	tea "charm.land/bubbletea/v2"

	"porthole/tui/common"
	"porthole/tui/components/diffview"
)

type viewer struct {
	dv   diffview.Model
	open tea.Cmd
}

// Init opens the patch.
func (v viewer) Init() tea.Cmd { return v.open }

// Update sizes the viewer and hands it every other message; q quits.
func (v viewer) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		return v, v.dv.SetSize(msg.Width, msg.Height)
	case diffview.CloseMsg:
		return v, tea.Quit
	case tea.KeyPressMsg:
		if msg.String() == "ctrl+c" {
			return v, tea.Quit
		}
	}
	var cmd tea.Cmd
	v.dv, cmd = v.dv.Update(msg)
	return v, cmd
}

// View draws the viewer full screen.
func (v viewer) View() tea.View {
	view := tea.NewView(v.dv.View())
	view.AltScreen = true
	return view
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: view FILE.patch")
		os.Exit(2)
	}
	m := viewer{dv: diffview.New(common.New())}
	m.open = m.dv.Open(os.Args[1], os.Args[1])
	if _, err := tea.NewProgram(m, tea.WithFPS(120)).Run(); err != nil {
		fmt.Fprintln(os.Stderr, "view:", err)
		os.Exit(1)
	}
}
