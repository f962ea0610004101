// Package common holds what every TUI component shares: the screen size,
// the styles and the key map.
package common

import (
	"time"

	"charm.land/bubbles/v2/help"

	"porthole/tui/keymap"
	"porthole/tui/styles"
)

// Common is shared by pointer between the root model and its components, so
// a change of styles (dark/light) reaches them all.
type Common struct {
	Styles *styles.Styles
	Keys   *keymap.KeyMap
	Width  int
	Height int
	// ArmDelay is how long a new dialog ignores keys (0: the dialog's default).
	ArmDelay time.Duration

	dialogs int // the last dialog ID handed out
}

// NextDialogID is a new dialog's ID, unique across the TUI, so that a
// dialog's arming message reaches that dialog alone.
func (c *Common) NextDialogID() int {
	c.dialogs++
	return c.dialogs
}

// New returns a Common with default keys and dark styles.
func New() *Common {
	return &Common{Styles: styles.New(true), Keys: keymap.Default(), Width: 80, Height: 24}
}

// Component is a page of the screen's body (Home, the running window, a
// form, a report): it draws itself in the space it is given and says which
// keys it answers to. Its Update returns its own type, so it is not part of
// the interface.
type Component interface {
	help.KeyMap
	SetSize(width, height int)
	View() string
}
