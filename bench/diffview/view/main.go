// Command view shows a patch file in porthole's diff viewer alone, full
// screen, drawn the way `porthole tui` draws (tui/display), so the benchmark
// can time it in a terminal next to less. With -bubbletea it is drawn by
// Bubble Tea's own renderer at 120 FPS instead (how porthole drew before).
package main

import (
	"flag"
	"fmt"
	"os"

	tea "charm.land/bubbletea/v2"

	"porthole/tui/common"
	"porthole/tui/components/diffview"
	"porthole/tui/display"
)

type viewer struct {
	dv   diffview.Model
	rest tea.Cmd // the opened file's follow-up: indexing the rest, syntax colours
}

// Init starts the follow-up of the opening.
func (v viewer) Init() tea.Cmd { return v.rest }

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
	bubbletea := flag.Bool("bubbletea", false, "draw with Bubble Tea's renderer (120 FPS) instead of tui/display")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: view [-bubbletea] FILE.patch")
		os.Exit(2)
	}
	m := viewer{dv: diffview.New(common.New())}
	// as porthole tui --diff does: open the file before the program starts
	opened := m.dv.Open(flag.Arg(0), flag.Arg(0))()
	m.dv, m.rest = m.dv.Update(opened)
	var err error
	if *bubbletea || !display.Usable(os.Stdin, os.Stdout) {
		_, err = tea.NewProgram(m, tea.WithFPS(120)).Run()
	} else {
		_, err = display.Run(m, os.Stdin, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "view:", err)
		os.Exit(1)
	}
}
