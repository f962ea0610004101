package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"

	"porthole/tui/display"
)

// FPS is how often Bubble Tea's renderer may redraw when it draws (tests,
// output that is not a terminal); on a terminal tui/display draws each view at
// once.
const FPS = 120

// Run opens the TUI and returns when the deployer quits. If a window was
// still running (quit by force, or the context ended), its runner is cancelled
// and given a moment to stop; anything that may still run on a host is said
// on stderr.
func Run(ctx context.Context, opts Options) error {
	if opts.Env == nil && opts.Engine == nil && opts.Startup == nil && opts.DiffFile == "" {
		return errors.New("tui: no environment: load the config first (porthole does this for you)")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := New(ctx, opts)
	popts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithFPS(FPS)}
	if opts.Input != nil {
		popts = append(popts, tea.WithInput(opts.Input))
	}
	if opts.Output != nil {
		popts = append(popts, tea.WithOutput(opts.Output))
	}
	final, err := runProgram(m, opts, popts)
	fm, _ := final.(Model)
	if msg := fm.shutdown(); msg != "" {
		fmt.Fprintln(stderr(opts), msg)
	}
	if errors.Is(err, tea.ErrInterrupted) || (errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil) {
		return nil // SIGINT or SIGTERM from outside: the window was stopped above, journaled and resumable
	}
	return err
}

// runProgram draws with tui/display on a real terminal (each view written as
// soon as it is made), with Bubble Tea's renderer otherwise (tests).
func runProgram(m Model, opts Options, popts []tea.ProgramOption) (tea.Model, error) {
	if opts.Input == nil && opts.Output == nil && display.Usable(os.Stdin, os.Stdout) {
		return display.Run(m, os.Stdin, os.Stdout, popts...)
	}
	return tea.NewProgram(m, popts...).Run()
}

func stderr(opts Options) io.Writer {
	if opts.Output != nil {
		return io.Discard
	}
	return os.Stderr
}

// shutdown stops a window that is still open when the program has ended and
// returns what the deployer must be told.
func (m Model) shutdown() string {
	if m.win == nil || m.win.Shutdown(10*time.Second) || m.orphan != "" {
		return m.orphan
	}
	return m.orphanText("porthole exited before the window's runner stopped")
}
