package tui

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"porthole/config"
	"porthole/gerrit"
	"porthole/runbooks"
	"porthole/runbooks/journal"
	"porthole/runbooks/report"
	"porthole/tui/winview"
	wnd "porthole/window"
)

// WindowRun is a window being run: its events, a way to stop it, its
// variables, its journal's Close (*runbooks.Runner with its journal).
type WindowRun = winview.Run

// Engine is what the TUI asks of porthole's engine. Every method may do I/O
// and is only ever called from a command, never from Update or View.
type Engine interface {
	// Resolve looks a change up in Gerrit (number, URL or Change-Id).
	Resolve(ctx context.Context, ref string) (*gerrit.Change, error)
	// Build builds a plan of a runbook kind (read-only: nothing is changed).
	Build(ctx context.Context, kind string, params map[string]string) (*runbooks.Plan, error)
	// BuildRevert builds the emergency revert of a window's synced changes.
	BuildRevert(ctx context.Context, plan *runbooks.Plan, facts *runbooks.Facts) (*runbooks.Plan, error)
	// Start journals and runs a plan.
	Start(ctx context.Context, plan *runbooks.Plan, opts runbooks.RunOptions) (WindowRun, error)
	// Resume picks up an unfinished window where it stopped.
	Resume(ctx context.Context, w journal.WindowSummary) (*runbooks.Plan, map[string]runbooks.StepState, WindowRun, error)
	// Windows lists the unfinished windows and all past ones, newest first.
	Windows() (unfinished, past []journal.WindowSummary, err error)
	// Abandon journals that the deployer gave an unfinished window up.
	Abandon(w journal.WindowSummary) error
	// Report is a past window's journal as Markdown.
	Report(w journal.WindowSummary) (string, error)
	// Kinds are the maintenance runbooks.
	Kinds() []string
	// Params is a runbook's parameter schema.
	Params(kind string) []runbooks.ParamSpec
	// Hosts names a role's hosts, without connecting ("deploy1002", "5 hosts").
	Hosts(role string) string
	// SAL is the Server Admin Log text of a plan's changes.
	SAL(plan *runbooks.Plan) string
	// User is who is deploying.
	User() string
	// CIAccount is whose Verified vote counts.
	CIAccount() string
	// Pending are the changes waiting for a window (the configured Gerrit
	// query; none without one).
	Pending(ctx context.Context) ([]*gerrit.Change, error)
}

// envEngine is the real Engine, over a runbooks.Env and a state directory.
type envEngine struct {
	env   *runbooks.Env
	state string
}

// NewEngine wires the TUI to the runbooks engine. A nil env (porthole tui
// --diff, which reads no config) is an empty one.
func NewEngine(env *runbooks.Env, stateDir string) Engine {
	if env == nil {
		env = &runbooks.Env{}
	}
	if stateDir == "" {
		stateDir = config.StateDir(env.Config)
	}
	return &envEngine{env: env, state: stateDir}
}

// Resolve implements Engine with the configured Gerrit client.
func (e *envEngine) Resolve(ctx context.Context, ref string) (*gerrit.Change, error) {
	if e.env.Gerrit == nil {
		return nil, errors.New("no Gerrit is configured: set gerrit.url in the config (porthole demo brings its own)")
	}
	return e.env.Gerrit.Resolve(ctx, ref)
}

// Pending implements Engine with gerrit.pending_query.
func (e *envEngine) Pending(ctx context.Context) ([]*gerrit.Change, error) {
	q := e.env.Config.Gerrit.PendingQuery
	g, ok := e.env.Gerrit.(searcher) // *gerrit.Client
	if q == "" || !ok {
		return nil, nil
	}
	return g.Query(ctx, q)
}

// searcher runs a Gerrit search (runbooks.GerritAPI does not need one).
type searcher interface {
	Query(ctx context.Context, q string) ([]*gerrit.Change, error)
}

// Build implements Engine with runbooks.Build.
// A backport of a change the journals show deployed is refused (its card says where).
func (e *envEngine) Build(ctx context.Context, kind string, params map[string]string) (*runbooks.Plan, error) {
	p, err := runbooks.Build(ctx, e.env, kind, params)
	if err == nil {
		err = wnd.CheckNotDeployed(e.state, p)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// BuildRevert implements Engine with wnd.BuildRevertFrom.
func (e *envEngine) BuildRevert(ctx context.Context, plan *runbooks.Plan, facts *runbooks.Facts) (*runbooks.Plan, error) {
	return wnd.BuildRevertFrom(ctx, e.env, plan, facts)
}

// runnerRun is a Runner with its journal.
type runnerRun struct {
	*runbooks.Runner
	j *journal.Journal
}

// Close closes the run's journal.
func (r runnerRun) Close() error { return r.j.Close() }

// Start implements Engine: it opens the window's journal and starts a Runner.
func (e *envEngine) Start(ctx context.Context, plan *runbooks.Plan, opts runbooks.RunOptions) (WindowRun, error) {
	j, err := runbooks.OpenJournal(e.state, plan)
	if err != nil {
		return nil, err
	}
	j.SetRedactor(journal.NewRedactor(e.env.Config))
	r := runbooks.NewRunner(e.env, plan, j, opts)
	r.Start(ctx)
	return runnerRun{Runner: r, j: j}, nil
}

// Resume implements Engine: it loads the journal, rebuilds the plan with
// runbooks.Resume and runs it one step at a time.
func (e *envEngine) Resume(ctx context.Context, w journal.WindowSummary) (*runbooks.Plan, map[string]runbooks.StepState, WindowRun, error) {
	state, err := journal.LoadWindow(w.Path)
	if err != nil {
		return nil, nil, nil, err
	}
	plan, opts, err := runbooks.Resume(ctx, e.env, state)
	if err != nil {
		return nil, nil, nil, err
	}
	opts.StepMode, opts.AskOnFailure = true, true
	states := map[string]runbooks.StepState{}
	for _, s := range plan.Steps {
		if st := state.StepState(s.ID); st == runbooks.Done || st == runbooks.Skipped {
			states[s.ID] = st
		}
	}
	run, err := e.Start(ctx, plan, opts)
	if err != nil {
		return nil, nil, nil, err
	}
	return plan, states, run, nil
}

// Windows implements Engine from the journals under the state dir.
func (e *envEngine) Windows() ([]journal.WindowSummary, []journal.WindowSummary, error) {
	past, err := journal.ListWindows(e.state)
	if err != nil {
		return nil, nil, err
	}
	unf, err := journal.Unfinished(e.state)
	return unf, past, err
}

// Abandon implements Engine with journal.Abandon, by the deployer.
func (e *envEngine) Abandon(w journal.WindowSummary) error {
	return journal.Abandon(w.Path, e.User(), time.Now())
}

// Report implements Engine with report.Markdown.
func (e *envEngine) Report(w journal.WindowSummary) (string, error) {
	state, err := journal.LoadWindow(w.Path)
	if err != nil {
		return "", err
	}
	return report.Markdown(state), nil
}

// Kinds implements Engine: the registered runbooks but backport and revert.
func (e *envEngine) Kinds() []string {
	var out []string
	for _, k := range runbooks.Kinds() {
		if k != "backport" && k != "revert" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Params implements Engine with runbooks.Params.
func (e *envEngine) Params(kind string) []runbooks.ParamSpec { return runbooks.Params(kind) }

// Hosts implements Engine from the config's host roles.
func (e *envEngine) Hosts(role string) string { return hostNames(e.env.Hosts, role) }

// hostNames names a role's hosts for a narrow column: the host when there
// is one, a summary of a fan-out ("mwdebug ×2", "5 app servers").
func hostNames(h runbooks.Hosts, role string) string {
	switch role {
	case "", config.RoleLocal:
		return "local"
	case config.RoleGerrit:
		return "gerrit"
	}
	hn, ok := h.(config.HostNamer)
	if !ok {
		return role
	}
	names := hn.Names(role)
	switch len(names) {
	case 0:
		return role
	case 1:
		return names[0]
	}
	return fanOutSummary(role, names)
}

// fanOutSummary names several hosts by their role: app servers are counted
// ("5 app servers"); hosts that share a name ("mwdebug1001", "mwdebug1002")
// by that name ("mwdebug ×2"); others by role ("3 maintenance hosts").
func fanOutSummary(role string, names []string) string {
	n := len(names)
	if role == config.RoleAppServers {
		return itoa(n) + " app servers"
	}
	stem := hostStem(names[0])
	for _, h := range names[1:] {
		if hostStem(h) != stem {
			stem = ""
			break
		}
	}
	if stem != "" {
		return stem + " ×" + itoa(n)
	}
	return itoa(n) + " " + role + " hosts"
}

// hostStem is a host name without its number and domain: "mwdebug1001.eqiad.wmnet" → "mwdebug".
func hostStem(h string) string {
	h, _, _ = strings.Cut(h, ".")
	return strings.TrimRight(h, "0123456789-")
}

// SAL implements Engine with gerrit.SAL and the configured format.
func (e *envEngine) SAL(plan *runbooks.Plan) string {
	format := ""
	if e.env.Config != nil {
		format = e.env.Config.SALFormat
	}
	return gerrit.SAL(plan.Changes, format)
}

// User implements Engine: env.User (the sandbox's "deployer" in the demo),
// or the login name when it is not set — the name the runner journals.
func (e *envEngine) User() string {
	if e.env.User != "" {
		return e.env.User
	}
	return journal.CurrentUser()
}

// CIAccount implements Engine from the config.
func (e *envEngine) CIAccount() string {
	if e.env.Config == nil {
		return ""
	}
	return e.env.Config.Gerrit.CIAccount
}
