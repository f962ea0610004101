package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/charmbracelet/x/term"

	"porthole/tui"
)

func init() {
	register(&command{
		name:    "tui",
		summary: "open the deployer's cockpit (the default): porthole tui [CHANGE...] [--diff FILE]",
		run:     runTUI,
	})
	demoTUI = runDemoTUI
}

// errNoTTY is what porthole says when the TUI cannot have a terminal.
var errNoTTY = errors.New("the TUI needs a terminal (stdin and stdout must be a TTY): " +
	"in scripts use `porthole plan CHANGE...` to see a window's plan, or `porthole exec` / `porthole run` to run commands")

// haveTTY is true when stdin and stdout are terminals.
func haveTTY() bool {
	return term.IsTerminal(os.Stdin.Fd()) && term.IsTerminal(os.Stdout.Fd())
}

func runTUI(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("tui", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	ef := addEnvFlags(fs)
	diff := fs.String("diff", "", "only show `FILE` (a `git log -p` output) in the diff viewer")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(helpOut)
			fmt.Fprintln(helpOut, "usage: porthole [tui] [--config FILE] [--user NAME] [CHANGE...]\n       porthole tui --diff FILE")
			fs.PrintDefaults()
			return nil
		}
		return usageError{err.Error() + " (see porthole tui -h)"}
	}
	if !haveTTY() {
		return errNoTTY
	}
	if *diff != "" {
		if fs.NArg() > 0 {
			return usageError{"--diff shows one file: give no changes with it"}
		}
		if _, err := os.Stat(*diff); err != nil {
			return fmt.Errorf("--diff: %w", err)
		}
		return tui.Run(ctx, tui.Options{DiffFile: *diff})
	}
	env, cleanup, err := loadEnv(ctx, ef)
	if err != nil {
		return err
	}
	defer cleanup()
	return tui.Run(ctx, tui.Options{Env: env, StateDir: stateDir(env), Changes: fs.Args(), Sandbox: env.Config.Sandbox,
		Notice: defaultsNotice(ef.config, env.Config),
		Logger: slog.Default()}) // loadEnv made the default logger the redacted file log
}

// runDemoTUI opens the TUI, with the SANDBOX badge, at once: its Home shows
// while start builds the sandbox. It returns once start has returned (or
// when start will never be called).
func runDemoTUI(ctx context.Context, start demoStarter) error {
	if !haveTTY() {
		return errNoTTY
	}
	var g startGate
	st := &tui.Startup{Label: "starting the sandbox", Run: func(ctx context.Context, progress func(string)) (tui.Engine, error) {
		if !g.enter() {
			return nil, errors.New("porthole demo has ended")
		}
		defer g.leave()
		sb, err := start(ctx, progress)
		if err != nil {
			return nil, err
		}
		env, cleanup, err := demoEnv(ctx, sb)
		if err != nil {
			return nil, err
		}
		g.onClose(cleanup)
		return tui.NewEngine(env, stateDir(env)), nil
	}}
	err := tui.Run(ctx, tui.Options{Startup: st, Sandbox: true, Title: "porthole demo", Logger: slog.New(defaultHandler{})})
	g.close(time.Minute, os.Stderr, "porthole demo: the sandbox was still starting; stopping it…")
	return err
}
