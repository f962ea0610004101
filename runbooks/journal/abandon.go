package journal

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// RecWindowAbandon is the journal record of a deployer giving up an
// unfinished window: it is no longer offered for resuming.
const RecWindowAbandon = "window-abandon"

// StatusAbandoned is the status of a window given up with Abandon.
const StatusAbandoned = "abandoned"

// Abandon journals that by gave up the unfinished window whose journal is
// at path, so that Unfinished no longer lists it and Resume refuses it. It
// refuses a window that finished well or was already abandoned.
func Abandon(path, by string, at time.Time) error {
	state, err := loadWindow(path, false)
	if err != nil {
		return err
	}
	switch state.Status {
	case StatusOK:
		return fmt.Errorf("window %s finished well: there is nothing to abandon", state.ID)
	case StatusAbandoned:
		return fmt.Errorf("window %s was already abandoned (by %s at %s)", state.ID, state.AbandonedBy, state.Ended.Local().Format("2006-01-02 15:04"))
	}
	if by == "" {
		by = CurrentUser()
	}
	dir := filepath.Dir(filepath.Dir(path)) // <state>/windows/<id>.jsonl
	if filepath.Base(filepath.Dir(path)) != "windows" || !strings.HasSuffix(path, ".jsonl") {
		return fmt.Errorf("%s is not a window journal under a state dir's windows/: cannot abandon it", path)
	}
	j, err := Open(dir, Header{ID: state.ID, Kind: state.Kind})
	if err != nil {
		return err
	}
	text := "abandoned"
	if state.FailedAt() != "" {
		text = fmt.Sprintf("abandoned (it had stopped at step %q)", state.FailedAt())
	}
	aerr := j.Append(Record{Type: RecWindowAbandon, At: at, User: by, Text: text}, true)
	if cerr := j.Close(); aerr == nil {
		aerr = cerr
	}
	if aerr != nil {
		return fmt.Errorf("journaling the abandon of window %s: %w", state.ID, aerr)
	}
	return nil
}
