package runbooks

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// WindowState is a window as its journal tells it: what was planned, what
// each step did, the decisions, and where it stopped.
type WindowState struct {
	Path    string
	ID      string
	Kind    string
	Title   string
	Params  map[string]string
	User    string
	Machine string
	Changes []ChangeSummary
	Steps   []*StepLog // in plan order (steps journaled but not planned come last)
	Vars    map[string]string
	Started time.Time
	Ended   time.Time // zero when unfinished
	Status  string    // StatusOK, StatusFailed, StatusDeclined, StatusCancelled, StatusUnfinished
	Error   string    // the run's error, at window-end
	// Interrupted is the step that was running when porthole died (or was
	// cancelled mid-step), not re-checked since: it is not known to be complete.
	Interrupted string
	Resumes     int      // how many times the window was picked up again
	Records     []Record // every record, in order (nil from ListWindows)
	Torn        int      // lines that could not be read (a kill -9 mid-write)

	byID map[string]*StepLog
}

// StepLog is one step's journal.
type StepLog struct {
	StepSummary
	State       StepState
	Error       string
	Attempts    int
	Started     time.Time
	Duration    time.Duration // of the last attempt
	Interrupted bool          // cancelled or killed mid-step
	Rechecked   bool          // found complete on resume without re-running
	Commands    []Record
	Output      []Record
	Notes       []Record
	Gates       []GateRecord
	Progress    string // last progress line
}

// StepState is the journaled state of step id (Pending when unknown).
func (w *WindowState) StepState(id string) StepState {
	if s := w.Step(id); s != nil {
		return s.State
	}
	return Pending
}

// Step is the log of step id, or nil.
func (w *WindowState) Step(id string) *StepLog {
	if w.byID == nil {
		return nil
	}
	return w.byID[id]
}

// Finished is true when the window ended (well or not) rather than stopped
// mid-way with a step not known to be complete.
func (w *WindowState) Finished() bool {
	return w.Status != StatusUnfinished && w.Status != StatusCancelled && w.Interrupted == ""
}

// LoadWindow reads a journal. Lines that cannot be read (a torn last line
// after a kill -9) are skipped and counted in Torn.
func LoadWindow(path string) (*WindowState, error) {
	return loadWindow(path, true)
}

func loadWindow(path string, full bool) (*WindowState, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no journal at %s: see `porthole log` for the windows there are", path)
		}
		return nil, fmt.Errorf("reading the journal: %w", err)
	}
	defer f.Close()
	w := &WindowState{Path: path, ID: strings.TrimSuffix(filepath.Base(path), ".jsonl"),
		Vars: map[string]string{}, byID: map[string]*StepLog{}}
	rd := bufio.NewReaderSize(f, 64*1024)
	for {
		line, err := rd.ReadBytes('\n')
		if len(line) > 0 {
			var rec Record
			if len(bytes.TrimSpace(line)) == 0 {
				// blank: ends a torn line on reopen
			} else if !full && isOutputLine(line) {
				// a summary needs no output: skip decoding the bulk of the file
			} else if jerr := json.Unmarshal(line, &rec); jerr != nil || rec.Type == "" {
				w.Torn++
			} else {
				w.apply(rec, full)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the journal %s: %w", path, err)
		}
	}
	if w.Kind == "" && w.Started.IsZero() {
		return nil, fmt.Errorf("%s is not a porthole journal (no window-start record)", path)
	}
	if w.Status == "" {
		w.Status = StatusUnfinished
	}
	if w.Interrupted == "" {
		for _, s := range w.Steps {
			if s.State == Running {
				w.Interrupted = s.ID
			}
		}
	}
	return w, nil
}

// isOutputLine spots an output record by its opening, as Append writes it.
func isOutputLine(line []byte) bool {
	head := line[:min(len(line), 40)]
	return bytes.Contains(head, []byte(`"type":"output"`))
}

func (w *WindowState) step(id string) *StepLog {
	if s, ok := w.byID[id]; ok {
		return s
	}
	s := &StepLog{StepSummary: StepSummary{ID: id, Title: id}}
	w.byID[id] = s
	w.Steps = append(w.Steps, s)
	return s
}

// apply folds one record into the state.
func (w *WindowState) apply(rec Record, full bool) {
	if full {
		w.Records = append(w.Records, rec)
	}
	switch rec.Type {
	case RecWindowStart, RecWindowResume:
		if rec.Type == RecWindowStart || w.Started.IsZero() {
			w.Started = rec.At
		} else {
			w.Resumes++
		}
		w.Kind, w.Title, w.Params, w.Machine = rec.Kind, rec.Title, rec.Params, rec.Machine
		if w.User == "" {
			w.User = rec.User
		} else if rec.User != "" && !strings.Contains(", "+w.User+",", ", "+rec.User+",") {
			w.User += ", " + rec.User
		}
		if len(rec.Changes) > 0 {
			w.Changes = rec.Changes
		}
		w.Status, w.Error, w.Ended = "", "", time.Time{}
		// plan order from the latest start; logs of steps already seen are kept
		old := w.Steps
		w.Steps = nil
		seen := map[string]bool{}
		for _, ss := range rec.Steps {
			s := w.byID[ss.ID]
			if s == nil {
				s = &StepLog{}
				w.byID[ss.ID] = s
			}
			s.StepSummary = ss
			w.Steps = append(w.Steps, s)
			seen[ss.ID] = true
		}
		for _, s := range old {
			if !seen[s.ID] {
				w.Steps = append(w.Steps, s)
			}
		}
	case RecStepStart:
		s := w.step(rec.Step)
		s.State, s.Interrupted = Running, false
		if rec.Attempt > s.Attempts {
			s.Attempts = rec.Attempt
		} else {
			s.Attempts++
		}
		if s.Started.IsZero() {
			s.Started = rec.At
		}
		w.Interrupted = ""
	case RecOutput:
		if full {
			s := w.step(rec.Step)
			s.Output = append(s.Output, rec)
		}
	case RecCommand:
		if full {
			s := w.step(rec.Step)
			s.Commands = append(s.Commands, rec)
		}
	case RecProgress:
		w.step(rec.Step).Progress = rec.Progress
	case RecNote:
		if rec.Step != "" && full {
			s := w.step(rec.Step)
			s.Notes = append(s.Notes, rec)
		}
	case RecVar:
		w.Vars[rec.Key] = rec.Value
	case RecGate:
		if rec.Gate != nil {
			s := w.step(rec.Step)
			s.Gates = append(s.Gates, *rec.Gate)
		}
	case RecStepEnd:
		s := w.step(rec.Step)
		s.State = parseStepState(rec.State)
		s.Error = rec.Error
		s.Duration = time.Duration(rec.DurationMS) * time.Millisecond
		s.Interrupted, s.Rechecked = rec.Interrupted, rec.Rechecked
		if rec.Interrupted {
			w.Interrupted = rec.Step
		} else if w.Interrupted == rec.Step {
			w.Interrupted = ""
		}
	case RecWindowEnd:
		w.Status, w.Error, w.Ended = rec.Status, rec.Error, rec.At
	}
}

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
	// Interrupted is a step not known to be complete: it was running when
	// porthole died or was cancelled, and nobody has re-checked it since.
	Interrupted string
}

// ListWindows lists the journals under stateDir, newest first. A journal
// that cannot be read is listed with its error as the status's reason.
func ListWindows(stateDir string) ([]WindowSummary, error) {
	paths, err := filepath.Glob(filepath.Join(WindowsDir(stateDir), "*.jsonl"))
	if err != nil {
		return nil, err
	}
	var out []WindowSummary
	for _, p := range paths {
		w, err := loadWindow(p, false)
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
		Started: w.Started, Ended: w.Ended, Status: w.Status, Error: w.Error, Steps: len(w.Steps)}
	for _, s := range w.Steps {
		if s.State == Done {
			ws.Done++
		}
	}
	ws.FailedStep, ws.Interrupted = w.Interrupted, w.Interrupted
	if ws.FailedStep == "" && w.Status != StatusOK {
		for _, s := range w.Steps {
			if s.State == Failed {
				ws.FailedStep = s.ID
			}
		}
		if ws.FailedStep == "" && w.Status == StatusDeclined {
			for _, s := range w.Steps {
				if n := len(s.Gates); n > 0 && s.Gates[n-1].Decision == "n" {
					ws.FailedStep = s.ID
				}
			}
		}
	}
	return ws
}

// Unfinished lists the windows that stopped mid-way, newest first: porthole
// died or was cancelled, or a step is still not known to be complete.
// `porthole` offers to resume them.
func Unfinished(stateDir string) ([]WindowSummary, error) {
	all, err := ListWindows(stateDir)
	if err != nil {
		return nil, err
	}
	var out []WindowSummary
	for _, w := range all {
		if (w.Status == StatusUnfinished || w.Status == StatusCancelled || w.Interrupted != "") && w.Kind != "" {
			out = append(out, w)
		}
	}
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
