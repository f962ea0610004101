package journal

import "time"

// Record types, one per journal line.
const (
	RecWindowStart  = "window-start"  // a window began: what, who, where, the steps
	RecWindowResume = "window-resume" // porthole picked an unfinished window up again
	RecStepStart    = "step-start"    // a step (attempt) began
	RecOutput       = "output"        // one line of output
	RecCommand      = "command"       // a command finished on a host
	RecProgress     = "progress"      // a fan-out or scap progress value (throttled)
	RecNote         = "note"          // a finding or status line
	RecFacts        = "facts"         // what the steps learned, whole, after a change
	RecGate         = "gate"          // a question and its answer, with who gave it
	RecStepEnd      = "step-end"      // a step ended: done, failed or skipped
	RecWindowEnd    = "window-end"    // the run ended
)

// Window statuses, as journaled at window-end and reported by ListWindows.
const (
	StatusOK         = "ok"          // every step done
	StatusFailed     = "failed"      // a step failed
	StatusDeclined   = "declined"    // the deployer said no at a gate
	StatusPaused     = "paused"      // the deployer said not now at a gate that pauses (one of several syncs)
	StatusRolledBack = "rolled-back" // the deployer rolled the window back (staging and test servers as before it)
	StatusCancelled  = "cancelled"   // porthole was told to stop mid-window
	StatusUnfinished = "unfinished"  // no window-end: porthole died (crash, kill -9)
)

// Record is one journal line. Seq counts from 1 in each file; fields not
// used by a record type are left out of the JSON.
type Record struct {
	Seq  int64     `json:"seq"`
	Type string    `json:"type"`
	At   time.Time `json:"at"`
	Step string    `json:"step,omitempty"`

	// window-start, window-resume
	Kind    string            `json:"kind,omitempty"`
	Title   string            `json:"title,omitempty"`
	Params  map[string]string `json:"params,omitempty"`
	User    string            `json:"user,omitempty"`
	Machine string            `json:"machine,omitempty"` // where porthole ran
	Changes []ChangeSummary   `json:"changes,omitempty"`
	Steps   []StepSummary     `json:"steps,omitempty"`

	// step-start
	Attempt int `json:"attempt,omitempty"`

	// output, command, progress
	Host       string `json:"host,omitempty"`
	Stream     string `json:"stream,omitempty"`
	Text       string `json:"text,omitempty"` // output line, note text
	Cmd        string `json:"cmd,omitempty"`
	Exit       *int   `json:"exit,omitempty"`
	DurationMS int64  `json:"duration_ms,omitempty"`
	Progress   string `json:"progress,omitempty"` // scap's format

	// note
	Level string `json:"level,omitempty"`

	// facts
	Facts *Facts `json:"facts,omitempty"`

	// gate
	Gate *GateRecord `json:"gate,omitempty"`

	// step-end, window-end, command
	State       string `json:"state,omitempty"`
	Status      string `json:"status,omitempty"`
	Error       string `json:"error,omitempty"`
	Interrupted bool   `json:"interrupted,omitempty"` // cancelled mid-step: not known to be complete
	Rechecked   bool   `json:"rechecked,omitempty"`   // found complete by Check on resume
}

// GateRecord is a journaled question and its answer.
type GateRecord struct {
	Kind     string    `json:"kind"` // continue, confirm, choice
	Prompt   string    `json:"prompt"`
	Detail   string    `json:"detail,omitempty"`
	Default  string    `json:"default,omitempty"`
	Choices  []Choice  `json:"choices,omitempty"`
	Decision string    `json:"decision"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
	Reason   string    `json:"reason,omitempty"` // why the runner asked: irreversible, step-mode, resume, failed
}

// ChangeSummary is what the journal keeps of a Gerrit change.
type ChangeSummary struct {
	Number   int      `json:"number"`
	Project  string   `json:"project"`
	Branch   string   `json:"branch"`
	Subject  string   `json:"subject"`
	Owner    string   `json:"owner,omitempty"`
	Revision string   `json:"revision,omitempty"`
	PatchSet int      `json:"patch_set,omitempty"`
	Bugs     []string `json:"bugs,omitempty"`
	URL      string   `json:"url,omitempty"`
}

// StepSummary is what the journal keeps of a planned step.
type StepSummary struct {
	ID           string `json:"id"`
	Title        string `json:"title"`
	Role         string `json:"role,omitempty"`
	Command      string `json:"command,omitempty"`
	Dir          string `json:"dir,omitempty"`
	Irreversible bool   `json:"irreversible,omitempty"`
	Undo         string `json:"undo,omitempty"`
	Inert        bool   `json:"inert,omitempty"` // changes nothing a new window would not redo (runbooks.Step.Inert)
}
