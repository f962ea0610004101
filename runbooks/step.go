// Package runbooks is porthole's engine: a Plan is a list of Steps with gates,
// run by a Runner that journals every event (and the typed Facts the steps
// learn) so a window can be resumed, with parameters checked by ParamSpec. The
// journal itself, reading it back and the redactor are package
// runbooks/journal, below this one. It knows no runbook: the backport window
// and the revert (package window) and the maintenance scripts (package maint)
// register themselves and are built by kind.
package runbooks

import (
	"context"
	"time"

	"porthole/config"
	"porthole/gerrit"
	"porthole/remote"
)

// Gate is a question the deployer answers before (or during) a step.
type Gate struct {
	Kind    GateKind
	Prompt  string   // one line: "Sync php-1.44.0-wmf.5/includes/Foo.php to 5 app servers?"
	Detail  string   // exactly what will run, where
	Choices []Choice // for GateChoice; GateConfirm implies y/n
	Default string   // choice key taken on enter; "n" for irreversible steps
	Expect  string   // for GateTyped: the exact text to type, e.g. "1004"
}

// Decision is the answer to a gate, journaled with who gave it.
type Decision struct {
	Choice string // "y", "n" or a Choice key
	By     string
	At     time.Time
}

// Yes is true when the answer was "y".
func (d Decision) Yes() bool { return d.Choice == "y" }

// Step is one thing a runbook does on one host role.
type Step struct {
	ID           string // stable within a plan, e.g. "fetch", "sync-file"
	Title        string // "Fetch php-1.44.0-wmf.5"
	Role         string // host role it runs on
	Command      string // the exact command line, as the deployer would type it ("" for API steps)
	Dir          string // working directory on the host
	Irreversible bool   // production-visible; its gate defaults to No
	Gate         *Gate  // asked before the step runs; nil for none
	// GateFunc, when set, builds the gate when it is asked, from what the
	// window has learned so far (a sync plan that depends on the fetch);
	// nil falls back to Gate, which is what `porthole plan` shows.
	GateFunc func(f *Facts) *Gate `json:"-"`
	Undo     string               // how to undo it, for the deployer (text or command)
	// PauseOnDecline: answering no at this step's gate pauses the window
	// (status paused, resumable) instead of stopping it as declined.
	PauseOnDecline bool
	Retries        int // extra attempts on a transient error; only for steps safe to repeat
	// CoveredBy names an earlier step whose gate, answered yes in this run,
	// already confirmed this irreversible step (an emergency revert asks once).
	CoveredBy string
	// Inert marks a step that changes nothing a new window would not do
	// again first (a read-only check, taking the window's lock): a window
	// declined with only such steps done ended there, as one declined before
	// any step: it cannot be resumed, and its lock is left for the next
	// window to take over.
	Inert bool
	// Release, for an inert step that holds something for the window (its
	// lock), lets it go when the window ends declined with only inert steps
	// done: it cannot resume, and the hold would outlive it. nil: nothing.
	Release func(ctx context.Context, sc *StepContext) error `json:"-"`
	// DryRun marks a read-only rehearsal of a later irreversible step (a
	// maintenance script without --fix); `porthole run --yes-dry-runs`
	// answers its gate itself.
	DryRun bool
	// Do performs the step. It must be safe to call again after a crash only when
	// Check cannot tell whether it finished.
	Do func(ctx context.Context, sc *StepContext) error `json:"-"`
	// Check, on resume, tells whether a step that was running when porthole
	// stopped did complete. nil means: run it again.
	Check func(ctx context.Context, sc *StepContext) (bool, error) `json:"-"`
	// Unneeded, asked before the step's gate with what the window has
	// learned, gives a reason to skip the step (its dry run found nothing to
	// do), "" to run it; nil always runs it.
	Unneeded func(f *Facts) string `json:"-"`
}

// Warning is something a careful deployer would notice about a plan.
type Warning struct {
	Level  Level
	Code   string // schema, l10n, static, weekend, not-deployed, wip, extra-commit, …
	Change int    // change number it is about, 0 for the window
	Text   string
}

// Plan is a runbook instantiated for given inputs.
type Plan struct {
	ID       string            // window id, also the journal's name
	Kind     string            // "backport", "revert", "namespaceDupes", …
	Title    string            // one line for lists
	Changes  []*gerrit.Change  // for backport and revert windows
	Params   map[string]string // the inputs, enough for Rebuild on resume
	Warnings []Warning
	Steps    []*Step
}

// Hosts resolves host roles to executors; connections are reused.
type Hosts interface {
	One(role string) (remote.Executor, error)
	All(role string) ([]remote.Executor, error)
}

// GerritAPI is what runbooks need from Gerrit; *gerrit.Client provides it.
type GerritAPI interface {
	Resolve(ctx context.Context, ref string) (*gerrit.Change, error)
	Approve(ctx context.Context, ch *gerrit.Change, message string) error
	WaitForMerge(ctx context.Context, ch *gerrit.Change, opts gerrit.WaitOptions, status func(gerrit.WaitStatus)) (gerrit.WaitResult, error)
}

// Env is everything steps run against.
type Env struct {
	Config *config.Config
	Hosts  Hosts
	Gerrit GerritAPI
	User   string           // who is deploying, for the journal and SAL
	Now    func() time.Time // clock; time.Now when nil
	// Events is Gerrit's stream-events (over SSH when gerrit.ssh_host is
	// set): a merge wakes the wait at once. nil to poll only.
	Events gerrit.EventSource
}

// MaintConfig is the maintenance section of the environment's config (its
// zero value, with production defaults, when there is none).
func (e *Env) MaintConfig() config.MaintConfig {
	if e != nil && e.Config != nil {
		return e.Config.Maintenance
	}
	return config.MaintConfig{}
}

// Cfg is the environment's config, nil when there is none.
func (e *Env) Cfg() *config.Config {
	if e != nil {
		return e.Config
	}
	return nil
}
