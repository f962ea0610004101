// Package tui is porthole's cockpit, a Bubble Tea v2 program over the
// runbooks engine. Its root model routes between the pages of the body —
// Home (components/home), the running window (winview), a runbook's form, a
// past window's report — the full-screen diff viewer, the dialogs on top
// (quit, abandon) and the help: sizes go to every page, keys to the dialog
// or the page on screen, results to whoever asked for them. It owns what
// outlives a page: the engine and its commands, the status line, quitting.
// All I/O happens in commands; Update and View only compute.
package tui

import (
	"context"
	"io"
	"log/slog"
	"time"

	tea "charm.land/bubbletea/v2"

	"porthole/runbooks"
	"porthole/tui/common"
	"porthole/tui/components/confirm"
	"porthole/tui/components/diffview"
	"porthole/tui/components/footer"
	"porthole/tui/components/form"
	"porthole/tui/components/home"
	"porthole/tui/components/report"
	"porthole/tui/components/revertpick"
	"porthole/tui/styles"
	"porthole/tui/winview"
)

// Options configure the TUI.
type Options struct {
	Env      *runbooks.Env // the engine's environment (ignored when Engine is set)
	StateDir string        // journals; config.StateDir(Env.Config) when empty
	Changes  []string      // changes to look up at start (porthole 12345 …)
	DiffFile string        // open this patch in the diff viewer and nothing else
	Sandbox  bool          // show the SANDBOX badge
	Title    string        // shown in the status bar ("porthole" when empty)
	Notice   string        // said in the status line at start (e.g. no config: the defaults' Gerrit)
	Startup  *Startup      // slow work done behind Home that makes the engine (the demo's sandbox)

	Input  io.Reader // the terminal (tests); stdin when nil
	Output io.Writer // the terminal (tests); stdout when nil

	// Engine replaces the runbooks engine (tests).
	Engine Engine
	// Now is the clock (tests); time.Now when nil.
	Now func() time.Time
	// Logger gets the TUI's own log lines (cmd/porthole passes its file log);
	// discarded when nil. Nothing is ever logged to the screen.
	Logger *slog.Logger
	// Phabricator is the base URL of task links.
	Phabricator string
	// ArmDelay is how long a new question ignores keys (confirm.ArmDelay when 0).
	ArmDelay time.Duration
}

type screen int

const (
	screenHome screen = iota
	screenWindow
	screenDiff
	screenForm
	screenReport
)

// Model is the root of the TUI.
type Model struct {
	c      *common.Common
	opts   Options
	engine Engine
	ctx    context.Context
	log    *slog.Logger
	now    func() time.Time

	screen   screen
	prev     screen // where the diff viewer, form or report returns to
	home     home.Model
	diff     diffview.Model
	form     *form.Model
	report   *report.Model
	footer   footer.Model
	win      *winview.Model // the run on screen (nil on Home until one starts)
	gen      int
	quitDlg  *confirm.Model
	quitStep string      // the step running when quitDlg was asked
	abandon  *abandonAsk // the question before abandoning an unfinished window
	help     bool
	homeWait bool // just back on Home: keys are ignored for the arm delay
	homeArm  int  // which homeArmMsg ends the wait

	preview    *runbooks.Plan
	previewKey string
	previewErr error
	building   string // what is being built ("" for nothing)
	revert     *pendingRevert
	carry      []runbooks.Suggestion // suggestions to offer after the suggested runbook's window
	carryTaken *runbooks.Suggestion  // the suggestion whose form is open

	status      string
	statusErr   bool
	statusID    int
	statusWhile string // the step the status is about ("" for none)
	ticking     bool
	quitting    bool
	orphan      string // said on the terminal after exit: a command that may still run

	boot    *boot   // the Startup, while and after it runs
	diffCmd tea.Cmd // the follow-up of the --diff file opened by New

	width, height int

	pastRevert *revertpick.Model // which changes of a past window to revert (r on Home)
}

// New builds the root model.
func New(ctx context.Context, opts Options) Model {
	c := common.New()
	c.ArmDelay = opts.ArmDelay
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Title == "" {
		opts.Title = "porthole"
	}
	e := opts.Engine
	var b *boot
	if e == nil {
		e, b = newEngine(ctx, opts)
	}
	m := Model{c: c, opts: opts, engine: e, boot: b, ctx: ctx, log: opts.Logger, now: opts.Now, width: 80, height: 24}
	m.home = home.New(c, e.CIAccount(), opts.Phabricator)
	m.home.SetRunbooks(e.Kinds())
	m.diff = diffview.New(c)
	m.footer = footer.New(c.Styles)
	for _, ref := range opts.Changes {
		m.home.Add(ref)
	}
	if opts.DiffFile == "" {
		m.home.SetLoading(true) // Init lists the windows
	}
	m.status = opts.Notice
	m.layout()
	if opts.DiffFile != "" {
		m.openDiffNow(opts.DiffFile)
	}
	return m
}

// Init asks the terminal's background (for light or dark styles), lists the
// windows, and looks up the changes given on the command line.
func (m Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor}
	if m.opts.DiffFile != "" {
		return tea.Batch(append(cmds, m.diffCmd)...)
	}
	cmds = append(cmds, m.bootCmds()...)
	cmds = append(cmds, windowsCmd(m.engine), pendingCmd(m.ctx, m.engine))
	for _, e := range m.home.Entries() {
		cmds = append(cmds, resolveCmd(m.ctx, m.engine, e.Ref))
	}
	return tea.Batch(cmds...)
}

// Styles are the TUI's styles (for tests and embedding).
func (m Model) Styles() *styles.Styles { return m.c.Styles }

// Orphan is what the TUI has to tell on the terminal after it exits: a
// remote command that may still be running. "" when there is none.
func (m Model) Orphan() string { return m.orphan }
