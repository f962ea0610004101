package journal

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// WindowSummary is one line of `porthole log`.
type WindowSummary struct {
	ID         string
	Path       string
	Kind       string
	Title      string
	User       string
	Started    time.Time
	Ended      time.Time
	Status     string
	Error      string
	Steps      int
	Done       int
	FailedStep string // the step that failed, was declined or was interrupted
	// FailedTitle is FailedStep's title ("" when there is no such step).
	FailedTitle string
	// Interrupted is a step not known to be complete: it was running when
	// porthole died or was cancelled, and nobody has re-checked it since.
	Interrupted string
	// Stopped is when the window ended, or its last record when it has no end.
	Stopped time.Time
	// Why says in one line why the window stopped ("" when it finished well).
	Why string
	// Resumable is true for a window that stopped before its end and was
	// not abandoned, declined before anything was done, or reverted.
	Resumable bool
	// RevertedBy is the revert window that took this window's changes back.
	RevertedBy string
}

// ListWindows lists the journals under stateDir, newest first. A journal
// that cannot be read is listed with its error as the status's reason.
func ListWindows(stateDir string) ([]WindowSummary, error) {
	paths, err := filepath.Glob(filepath.Join(WindowsDir(stateDir), "*.jsonl"))
	if err != nil {
		return nil, err
	}
	var out []WindowSummary
	var states []*WindowState
	for _, p := range paths {
		w, err := loadWindow(p, false)
		if err == nil {
			states = append(states, w)
		}
		if err != nil {
			st, _ := os.Stat(p)
			ws := WindowSummary{ID: strings.TrimSuffix(filepath.Base(p), ".jsonl"), Path: p, Status: StatusUnfinished, Error: err.Error()}
			if st != nil {
				ws.Started = st.ModTime()
			}
			out = append(out, ws)
			continue
		}
		out = append(out, w.Summary())
	}
	markReverted(out, states)
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Started.Equal(out[j].Started) {
			return out[i].Started.After(out[j].Started)
		}
		return out[i].ID > out[j].ID
	})
	return out, nil
}

// Summary is the window's line for a list.
func (w *WindowState) Summary() WindowSummary {
	ws := WindowSummary{ID: w.ID, Path: w.Path, Kind: w.Kind, Title: w.Title, User: w.User,
		Started: w.Started, Ended: w.Ended, Status: w.Status, Error: w.Error, Steps: len(w.Steps),
		Interrupted: w.Interrupted, FailedStep: w.FailedAt(), Stopped: w.StoppedAt(), Why: w.Why(),
		Resumable: w.Resumable()}
	if s := w.Step(ws.FailedStep); s != nil {
		ws.FailedTitle = s.Title
	}
	for _, s := range w.Steps {
		if s.State == Done {
			ws.Done++
		}
	}
	return ws
}

// Unfinished lists the windows that stopped before their end, the one that
// stopped last first: porthole died or was cancelled, a step failed, or the
// deployer said no at a gate (the owner was not ready for the full sync).
// Windows that finished well or were abandoned are not listed. `porthole`
// offers to resume them.
func Unfinished(stateDir string) ([]WindowSummary, error) {
	all, err := ListWindows(stateDir)
	if err != nil {
		return nil, err
	}
	var out []WindowSummary
	for _, w := range all {
		if w.Resumable {
			out = append(out, w)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Stopped.After(out[j].Stopped) })
	return out, nil
}

// FindWindow finds a journal by window id or unique id prefix; "" or
// "latest" is the newest window.
func FindWindow(stateDir, id string) (string, error) {
	all, err := ListWindows(stateDir)
	if err != nil {
		return "", err
	}
	if len(all) == 0 {
		return "", fmt.Errorf("no windows journaled under %s yet", WindowsDir(stateDir))
	}
	if id == "" || id == "latest" {
		return all[0].Path, nil
	}
	var matches []WindowSummary
	for _, w := range all {
		if w.ID == id {
			return w.Path, nil
		}
		if strings.HasPrefix(w.ID, id) {
			matches = append(matches, w)
		}
	}
	switch len(matches) {
	case 0:
		return "", fmt.Errorf("no window %q: run `porthole log` to list them", id)
	case 1:
		return matches[0].Path, nil
	default:
		ids := make([]string, 0, len(matches))
		for _, m := range matches {
			ids = append(ids, m.ID)
		}
		return "", fmt.Errorf("%q matches %d windows (%s): give more of the id", id, len(matches), strings.Join(ids, ", "))
	}
}
