package tui

import (
	"strings"

	"porthole/runbooks"
)

// productionRunning is the irreversible (production) step the window is
// running, nil for none: ctrl+c then asks, as q does, instead of killing it.
func (m Model) productionRunning() *runbooks.Step {
	if !m.windowOpen() || m.win.Running() == "" {
		return nil
	}
	if s := m.win.Step(m.win.Running()); s != nil && s.Irreversible {
		return s
	}
	return nil
}

// productionPrompt is the quit question while s changes production.
func productionPrompt(s *runbooks.Step) string {
	what := s.Title + " is changing production"
	if strings.Contains(s.Command, "scap ") {
		what = "scap is syncing to production"
	}
	return what + ": stop it? Stopped part-way, some servers keep the old code and some the new (a resume syncs again)."
}
