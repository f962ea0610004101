package winview

import "porthole/runbooks"

// What the window asks of the root model. Update returns them and the root
// handles them at once, in order, in the same update (so that the screen a
// key leads to is the next one drawn).
type (
	// StatusMsg shows a passing message (Err: an error, kept until the next
	// one) in the footer; an empty Text clears it.
	StatusMsg struct {
		Text string
		Err  bool
		// While names the step the message is about: it goes when that
		// step stops running ("… is running: wait for it").
		While string
	}
	// OpenDiffMsg opens a fetched patch in the diff viewer; commits whose
	// Change-Id is not in Expected are marked as not the window's.
	OpenDiffMsg struct {
		Path, Title string
		Expected    []string
	}
	// FormMsg opens a runbook's form, prefilled (a suggested runbook).
	FormMsg struct {
		Runbook, Reason string
		Params          map[string]string
		Suggestion      *runbooks.Suggestion // the suggestion it came from (nil for none)
	}
	// HomeMsg leaves the closed window for Home.
	HomeMsg struct{}
	// QuitMsg is q on the window.
	QuitMsg struct{}
)

func info(s string) StatusMsg { return StatusMsg{Text: s} }
