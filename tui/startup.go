package tui

import (
	"context"
	"errors"
	"strings"

	tea "charm.land/bubbletea/v2"

	"porthole/gerrit"
	"porthole/runbooks"
	"porthole/runbooks/journal"
)

// Startup is slow work the TUI does behind Home, already on screen: the
// demo's sandbox. Run reports each part it has finished through progress
// ("Gerrit", "hosts") and returns the engine; until then what needs the
// engine waits for it (a change typed is looked up once it is there) and
// the footer shows how far it got.
type Startup struct {
	Label string // what is being done: "starting the sandbox"
	Run   func(ctx context.Context, progress func(part string)) (Engine, error)
}

// openDiffNow opens the --diff file before the program starts, as less
// does: its first screen is in the program's first frame, with no command
// to wait for (reading the file's first 256 KiB takes about 1 ms; the rest
// is indexed in commands, as its syntax colours are).
func (m *Model) openDiffNow(path string) {
	m.go2(screenDiff)
	opened := m.diff.Open(path, path)()
	m.diff, m.diffCmd = m.diff.Update(opened)
}

// bootMsg is one step of the startup: a part done, or the end.
type bootMsg struct {
	part string
	done bool
	err  error
}

// boot is the startup in progress.
type boot struct {
	s     *Startup
	late  *lateEngine
	ch    chan bootMsg
	parts []string // finished, in order
	done  bool
	err   error
}

// newEngine is the engine of opts: a late one while a Startup makes it.
func newEngine(ctx context.Context, opts Options) (Engine, *boot) {
	if opts.Startup == nil {
		return NewEngine(opts.Env, opts.StateDir), nil
	}
	late := &lateEngine{ctx: ctx, ready: make(chan struct{})}
	return late, &boot{s: opts.Startup, late: late, ch: make(chan bootMsg, 64)}
}

// bootCmds run the startup and listen to its progress.
func (m Model) bootCmds() []tea.Cmd {
	b := m.boot
	if b == nil {
		return nil
	}
	ctx := m.ctx
	run := func() tea.Msg {
		send := func(msg bootMsg) {
			select { // never blocks: the TUI may be gone
			case b.ch <- msg:
			default:
			}
		}
		e, err := b.s.Run(ctx, func(part string) { send(bootMsg{part: part}) })
		b.late.set(e, err)
		send(bootMsg{done: true, err: err})
		return nil
	}
	return []tea.Cmd{run, b.listen()}
}

func (b *boot) listen() tea.Cmd {
	return func() tea.Msg { return <-b.ch }
}

// booted takes one step of the startup in: Home learns the runbooks, the
// windows and the CI account once the engine is there.
func (m Model) booted(msg bootMsg) (Model, tea.Cmd) {
	b := m.boot
	if !msg.done {
		b.parts = append(b.parts, msg.part)
		return m, b.listen()
	}
	b.done, b.err = true, msg.err
	if msg.err != nil {
		return m, m.setError(b.s.Label + " failed: " + msg.err.Error())
	}
	m.home.SetRunbooks(m.engine.Kinds())
	m.home.SetCIAccount(m.engine.CIAccount())
	return m, tea.Batch(m.setInfo(b.s.Label+": done"), m.layout())
}

// bootLine is the footer's line while the startup runs ("" once it is done).
func (m Model) bootLine() string {
	b := m.boot
	if b == nil || b.done {
		return ""
	}
	var s strings.Builder
	s.WriteString(b.s.Label + "…")
	for _, p := range b.parts {
		s.WriteString(" " + p + " ✓")
	}
	s.WriteString(" (type changes now: they are looked up when it is ready)")
	return s.String()
}

// lateEngine is the engine a Startup is still making: calls that do I/O
// wait for it (or fail as the startup did); the others answer empty.
type lateEngine struct {
	ctx   context.Context
	ready chan struct{} // closed by set
	e     Engine
	err   error
}

func (l *lateEngine) set(e Engine, err error) {
	if e == nil && err == nil {
		err = errors.New("the startup gave no engine")
	}
	l.e, l.err = e, err
	close(l.ready)
}

// wait returns the engine once it is there.
func (l *lateEngine) wait(ctx context.Context) (Engine, error) {
	select {
	case <-l.ready:
		return l.e, l.err
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-l.ctx.Done():
		return nil, l.ctx.Err()
	}
}

// now is the engine if it is there, else nil.
func (l *lateEngine) now() Engine {
	select {
	case <-l.ready:
		if l.err == nil {
			return l.e
		}
	default:
	}
	return nil
}

// Resolve implements Engine, once the engine is there.
func (l *lateEngine) Resolve(ctx context.Context, ref string) (*gerrit.Change, error) {
	e, err := l.wait(ctx)
	if err != nil {
		return nil, err
	}
	return e.Resolve(ctx, ref)
}

// Build implements Engine, once the engine is there.
func (l *lateEngine) Build(ctx context.Context, kind string, params map[string]string) (*runbooks.Plan, error) {
	e, err := l.wait(ctx)
	if err != nil {
		return nil, err
	}
	return e.Build(ctx, kind, params)
}

// BuildRevert implements Engine, once the engine is there.
func (l *lateEngine) BuildRevert(ctx context.Context, plan *runbooks.Plan, facts *runbooks.Facts) (*runbooks.Plan, error) {
	e, err := l.wait(ctx)
	if err != nil {
		return nil, err
	}
	return e.BuildRevert(ctx, plan, facts)
}

// Start implements Engine, once the engine is there.
func (l *lateEngine) Start(ctx context.Context, plan *runbooks.Plan, opts runbooks.RunOptions) (WindowRun, error) {
	e, err := l.wait(ctx)
	if err != nil {
		return nil, err
	}
	return e.Start(ctx, plan, opts)
}

// Resume implements Engine, once the engine is there.
func (l *lateEngine) Resume(ctx context.Context, w journal.WindowSummary) (*runbooks.Plan, map[string]runbooks.StepState, WindowRun, error) {
	e, err := l.wait(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	return e.Resume(ctx, w)
}

// Windows implements Engine, once the engine is there.
func (l *lateEngine) Windows() (unfinished, past []journal.WindowSummary, err error) {
	e, err := l.wait(l.ctx)
	if err != nil {
		return nil, nil, err
	}
	return e.Windows()
}

// Pending implements Engine, once the engine is there.
func (l *lateEngine) Pending(ctx context.Context) ([]*gerrit.Change, error) {
	e, err := l.wait(ctx)
	if err != nil {
		return nil, err
	}
	return e.Pending(ctx)
}

// Abandon implements Engine, once the engine is there.
func (l *lateEngine) Abandon(w journal.WindowSummary) error {
	e, err := l.wait(l.ctx)
	if err != nil {
		return err
	}
	return e.Abandon(w)
}

// Report implements Engine, once the engine is there.
func (l *lateEngine) Report(w journal.WindowSummary) (string, error) {
	e, err := l.wait(l.ctx)
	if err != nil {
		return "", err
	}
	return e.Report(w)
}

// Kinds implements Engine: none until the engine is there.
func (l *lateEngine) Kinds() []string {
	if e := l.now(); e != nil {
		return e.Kinds()
	}
	return nil
}

// Params implements Engine: none until the engine is there.
func (l *lateEngine) Params(kind string) []runbooks.ParamSpec {
	if e := l.now(); e != nil {
		return e.Params(kind)
	}
	return nil
}

// Hosts implements Engine: "" until the engine is there.
func (l *lateEngine) Hosts(role string) string {
	if e := l.now(); e != nil {
		return e.Hosts(role)
	}
	return ""
}

// SAL implements Engine: "" until the engine is there.
func (l *lateEngine) SAL(plan *runbooks.Plan) string {
	if e := l.now(); e != nil {
		return e.SAL(plan)
	}
	return ""
}

// User implements Engine: "" until the engine is there.
func (l *lateEngine) User() string {
	if e := l.now(); e != nil {
		return e.User()
	}
	return ""
}

// CIAccount implements Engine: "" until the engine is there.
func (l *lateEngine) CIAccount() string {
	if e := l.now(); e != nil {
		return e.CIAccount()
	}
	return ""
}
