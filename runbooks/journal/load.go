package journal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
	Facts   *Facts     // what the steps had learned when it stopped
	Started time.Time
	Ended   time.Time // zero when unfinished
	Status  string    // StatusOK, StatusFailed, StatusDeclined, StatusCancelled, StatusUnfinished
	Error   string    // the run's error, at window-end
	// Interrupted is the step that was running when porthole died (or was
	// cancelled mid-step), not re-checked since: it is not known to be complete.
	Interrupted string
	Resumes     int       // how many times the window was picked up again
	AbandonedBy string    // who gave the window up (StatusAbandoned)
	LastAt      time.Time // the time of the last record (output lines aside)
	Records     []Record  // every record, in order (nil from ListWindows)
	Torn        int       // lines that could not be read (a kill -9 mid-write)

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
	if w.byID == nil { // built by hand, not loaded
		for _, s := range w.Steps {
			if s.ID == id {
				return s
			}
		}
		return nil
	}
	return w.byID[id]
}

// Finished is true when the window ended (well or not) rather than stopped
// mid-way with a step not known to be complete.
func (w *WindowState) Finished() bool {
	if w.Status == StatusAbandoned {
		return true
	}
	return w.Status != StatusUnfinished && w.Status != StatusCancelled && w.Interrupted == ""
}

// Resumable is true when the window can be picked up again: it stopped
// before its end (porthole died, was cancelled, a step failed, or the
// deployer said no at a gate) and was not abandoned. A window the deployer
// said no to before anything was done (a declined danger +2, a declined
// revert; steps marked inert, a pre-flight check or taking the lock, do
// not count) or at a typed gate ended there: a new window is the same.
func (w *WindowState) Resumable() bool {
	if w.Kind == "" || w.Status == StatusAbandoned || w.Status == StatusRolledBack {
		return false
	}
	if w.Status == StatusDeclined && w.Interrupted == "" && (w.doneSteps() == 0 || w.declinedTyped()) {
		return false
	}
	return w.Status != StatusOK || w.Interrupted != ""
}

// doneSteps counts the done steps that changed something (not inert).
func (w *WindowState) doneSteps() int {
	n := 0
	for _, s := range w.Steps {
		if s.State == Done && !s.Inert {
			n++
		}
	}
	return n
}

// declinedTyped is true when the window was declined at a typed gate.
func (w *WindowState) declinedTyped() bool {
	s := w.declinedStep()
	return s != nil && s.Gates[len(s.Gates)-1].Kind == GateTyped.Name()
}

// FailedAt is the step where the window stopped: the one interrupted, or
// the one that failed, or the one whose question was answered no; "" when
// it finished well or stopped between steps.
func (w *WindowState) FailedAt() string {
	if w.Interrupted != "" {
		return w.Interrupted
	}
	if w.Status == StatusOK {
		return ""
	}
	if w.Status == StatusDeclined || w.Status == StatusPaused {
		if s := w.declinedStep(); s != nil {
			return s.ID
		}
	}
	failed := ""
	for _, s := range w.Steps {
		if s.State == Failed {
			failed = s.ID
		}
	}
	if failed == "" {
		if s := w.declinedStep(); s != nil {
			return s.ID
		}
	}
	return failed
}

// declinedStep is the last step whose last question was answered no.
func (w *WindowState) declinedStep() *StepLog {
	var out *StepLog
	var at time.Time
	for _, s := range w.Steps {
		if n := len(s.Gates); n > 0 && s.Gates[n-1].Decision == "n" && !s.Gates[n-1].At.Before(at) {
			out, at = s, s.Gates[n-1].At
		}
	}
	return out
}

// Why says in one line why the window stopped ("" when it finished well).
func (w *WindowState) Why() string {
	at := w.Step(w.FailedAt())
	switch {
	case w.Status == StatusOK && w.Interrupted == "":
		return ""
	case w.Status == StatusAbandoned:
		return "abandoned by " + w.AbandonedBy
	case w.Status == StatusRolledBack:
		return oneLineText(w.Error)
	case w.Status == StatusPaused && at != nil && len(at.Gates) > 0:
		g := at.Gates[len(at.Gates)-1]
		return fmt.Sprintf("paused: %s said not now to %q; resume to go on", g.By, oneLineText(g.Prompt))
	case w.Status == StatusDeclined && at != nil && len(at.Gates) > 0:
		g := at.Gates[len(at.Gates)-1]
		return fmt.Sprintf("%s said no to %q", g.By, oneLineText(g.Prompt))
	case w.Status == StatusFailed && at != nil && at.Error != "":
		return "failed: " + oneLineText(at.Error)
	case w.Status == StatusUnfinished:
		if w.Interrupted != "" {
			return "porthole stopped mid-step (crash, kill): not known to be complete"
		}
		return "porthole stopped without ending the window (crash, kill)"
	case w.Status == StatusCancelled:
		return "cancelled mid-window"
	case w.Error != "":
		return oneLineText(w.Error)
	}
	return w.Status
}

func oneLineText(s string) string { return strings.Join(strings.Fields(s), " ") }

// StoppedAt is when the window ended or, when it has no end, its last record.
func (w *WindowState) StoppedAt() time.Time {
	if !w.Ended.IsZero() {
		return w.Ended
	}
	return w.LastAt
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
		Facts: &Facts{}, byID: map[string]*StepLog{}}
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
				if rec.Type != RecOutput && rec.At.After(w.LastAt) {
					w.LastAt = rec.At
				}
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
		w.applyStart(rec)
	case RecStepStart:
		w.applyStepStart(rec)
	case RecOutput, RecCommand, RecNote:
		if full {
			w.applyStepText(rec)
		}
	case RecProgress:
		w.step(rec.Step).Progress = rec.Progress
	case RecFacts:
		if rec.Facts != nil {
			w.Facts = rec.Facts
		}
	case RecGate:
		if rec.Gate != nil {
			s := w.step(rec.Step)
			s.Gates = append(s.Gates, *rec.Gate)
		}
	case RecStepEnd:
		w.applyStepEnd(rec)
	case RecWindowEnd:
		w.Status, w.Error, w.Ended = rec.Status, rec.Error, rec.At
	case RecWindowAbandon:
		w.Status, w.Ended, w.AbandonedBy = StatusAbandoned, rec.At, rec.User
	}
}

// applyStart folds a window-start or window-resume: who and what, and the
// plan's steps in the order of the latest start (logs of steps already seen
// are kept; steps no longer planned come last).
func (w *WindowState) applyStart(rec Record) {
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
}

// applyStepStart folds a step-start: the step runs (attempt counted).
func (w *WindowState) applyStepStart(rec Record) {
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
}

// applyStepText keeps an output line, a command or a step's note in its step's log.
func (w *WindowState) applyStepText(rec Record) {
	if rec.Type == RecNote && rec.Step == "" {
		return // a window's note belongs to no step
	}
	s := w.step(rec.Step)
	switch rec.Type {
	case RecOutput:
		s.Output = append(s.Output, rec)
	case RecCommand:
		s.Commands = append(s.Commands, rec)
	case RecNote:
		s.Notes = append(s.Notes, rec)
	}
}

// applyStepEnd folds a step-end: its state, error and duration, and whether
// it was interrupted (not known to be complete) or re-checked on resume.
func (w *WindowState) applyStepEnd(rec Record) {
	s := w.step(rec.Step)
	s.State = ParseStepState(rec.State)
	s.Error = rec.Error
	s.Duration = time.Duration(rec.DurationMS) * time.Millisecond
	s.Interrupted, s.Rechecked = rec.Interrupted, rec.Rechecked
	if rec.Interrupted {
		w.Interrupted = rec.Step
	} else if w.Interrupted == rec.Step {
		w.Interrupted = ""
	}
}
