package journal

import (
	"os"
	"os/user"
)

// StepState is where a step is.
type StepState int

// Step states.
const (
	Pending StepState = iota
	Running
	Done
	Failed
	Skipped
)

func (s StepState) String() string {
	return [...]string{"pending", "running", "done", "failed", "skipped"}[s]
}

// ParseStepState reads a journaled step state.
func ParseStepState(s string) StepState {
	switch s {
	case "running":
		return Running
	case "done":
		return Done
	case "failed":
		return Failed
	case "skipped":
		return Skipped
	default:
		return Pending
	}
}

// GateKind says how a gate is answered.
type GateKind int

const (
	// GateContinue is a pause before a step: enter goes on.
	GateContinue GateKind = iota
	// GateConfirm is a yes/no question; irreversible steps default to no.
	GateConfirm
	// GateChoice offers a few named choices.
	GateChoice
	// GateTyped goes on only when the deployer types Gate.Expect (a change
	// number) exactly: for what a careless "y" must never do (a +2 despite
	// a danger warning). Any other answer, "y" included, is no.
	GateTyped
)

// Name names a GateKind in the journal.
func (k GateKind) Name() string {
	switch k {
	case GateConfirm:
		return "confirm"
	case GateChoice:
		return "choice"
	case GateTyped:
		return "typed"
	default:
		return "continue"
	}
}

// Choice is one answer a GateChoice offers.
type Choice struct {
	Key   string // "y", "n", "d", …
	Label string
}

// Level grades a warning or note.
type Level int

// Levels of warnings and notes.
const (
	Info Level = iota
	Warn
	Danger // stops the window unless the deployer explicitly goes on
)

// Name names a Level in the journal.
func (l Level) Name() string {
	switch l {
	case Warn:
		return "warn"
	case Danger:
		return "danger"
	default:
		return "info"
	}
}

// CurrentUser is the deployer's login name, for journals and SAL.
func CurrentUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "unknown"
}
