package tui

import (
	"context"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"porthole/gerrit"
	"porthole/runbooks"
	"porthole/runbooks/journal"
)

// Messages the TUI's commands return.
type (
	resolvedMsg struct {
		ref    string
		change *gerrit.Change
		err    error
	}
	previewMsg struct {
		key  string
		plan *runbooks.Plan
		err  error
	}
	windowsMsg struct {
		unfinished, past []journal.WindowSummary
		err              error
	}
	pendingMsg struct {
		changes []*gerrit.Change
		err     error
	}
	startedMsg struct {
		gen    int
		plan   *runbooks.Plan
		states map[string]runbooks.StepState
		run    WindowRun
		err    error
		what   string // "start", "resume", "revert"
	}
	builtMsg struct {
		kind string
		plan *runbooks.Plan
		err  error
		what string // "window", "revert", "runbook"
	}
	reportMsg struct {
		title, text string
		err         error
	}
	tickMsg        struct{}
	clearStatusMsg struct{ id int }
	quitTimeoutMsg struct{}
)

// opTimeout bounds a Gerrit lookup or a plan build started from the UI.
const opTimeout = 2 * time.Minute

func resolveCmd(ctx context.Context, e Engine, ref string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, opTimeout)
		defer cancel()
		ch, err := e.Resolve(ctx, ref)
		return resolvedMsg{ref: ref, change: ch, err: err}
	}
}

// changesParam is the "changes" parameter of a backport plan.
func changesParam(chs []*gerrit.Change) string {
	var nums []string
	for _, c := range chs {
		nums = append(nums, strconv.Itoa(c.Number))
	}
	return strings.Join(nums, " ")
}

func previewCmd(ctx context.Context, e Engine, key string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, opTimeout)
		defer cancel()
		p, err := e.Build(ctx, "backport", map[string]string{"changes": key})
		return previewMsg{key: key, plan: p, err: err}
	}
}

func buildCmd(ctx context.Context, e Engine, kind string, params map[string]string, what string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, opTimeout)
		defer cancel()
		p, err := e.Build(ctx, kind, params)
		return builtMsg{kind: kind, plan: p, err: err, what: what}
	}
}

func revertCmd(ctx context.Context, e Engine, plan *runbooks.Plan, facts *runbooks.Facts) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, opTimeout)
		defer cancel()
		p, err := e.BuildRevert(ctx, plan, facts)
		return builtMsg{kind: "revert", plan: p, err: err, what: "revert"}
	}
}

func windowsCmd(e Engine) tea.Cmd {
	return func() tea.Msg {
		u, p, err := e.Windows()
		return windowsMsg{unfinished: u, past: p, err: err}
	}
}

// pendingCmd lists the changes waiting for a window (gerrit.pending_query).
func pendingCmd(ctx context.Context, e Engine) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, opTimeout)
		defer cancel()
		chs, err := e.Pending(ctx)
		return pendingMsg{changes: chs, err: err}
	}
}

func startCmd(ctx context.Context, e Engine, gen int, plan *runbooks.Plan, opts runbooks.RunOptions, what string) tea.Cmd {
	return func() tea.Msg {
		run, err := e.Start(ctx, plan, opts)
		return startedMsg{gen: gen, plan: plan, run: run, err: err, what: what}
	}
}

func resumeCmd(ctx context.Context, e Engine, gen int, w journal.WindowSummary) tea.Cmd {
	return func() tea.Msg {
		plan, states, run, err := e.Resume(ctx, w)
		return startedMsg{gen: gen, plan: plan, states: states, run: run, err: err, what: "resume"}
	}
}

func reportCmd(e Engine, w journal.WindowSummary) tea.Cmd {
	return func() tea.Msg {
		text, err := e.Report(w)
		title := w.Title
		if title == "" {
			title = w.ID
		}
		return reportMsg{title: "Window " + w.ID + " · " + title, text: text, err: err}
	}
}

func tick() tea.Cmd {
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return tickMsg{} })
}

func itoa(n int) string { return strconv.Itoa(n) }
