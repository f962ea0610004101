package tui

import (
	"errors"

	"porthole/runbooks"
	wnd "porthole/window"
)

// errWarnings are the card warnings a plan's refusal carries: a change
// already deployed shows as deployed (which window, when) on its card.
func errWarnings(err error) []runbooks.Warning {
	var de *wnd.DeployedError
	if errors.As(err, &de) {
		return de.Warnings()
	}
	return nil
}
