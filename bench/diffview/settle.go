package diffviewbench

import (
	tea "charm.land/bubbletea/v2"

	"porthole/tui/components/diffview"
)

// Settle runs a command and everything it leads to, synchronously, the way
// the program would eventually (index chunks, highlight jobs).
func Settle(m diffview.Model, cmd tea.Cmd) diffview.Model {
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		if batch, ok := msg.(tea.BatchMsg); ok {
			queue = append(queue, batch...)
			continue
		}
		var next tea.Cmd
		m, next = m.Update(msg)
		queue = append(queue, next)
	}
	return m
}
