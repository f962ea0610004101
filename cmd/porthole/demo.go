package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"porthole/remote"
	"porthole/runbooks"
	"porthole/sandbox"
)

// demoTUI opens the TUI at once and starts the sandbox behind its Home
// with start (which reports each part ready through progress).
// cmd/porthole/tui.go sets it in its init(); while it is nil, porthole demo
// serves the sandbox as --serve does.
var demoTUI func(ctx context.Context, start demoStarter) error

// demoStarter starts the demo's sandbox.
type demoStarter func(ctx context.Context, progress func(part string)) (*sandbox.Sandbox, error)

func init() {
	register(&command{
		name:    "demo",
		summary: "start the embedded sandbox (Gerrit, SSH hosts, repositories) and open porthole on it",
		run:     runDemo,
	})
}

func runDemo(ctx context.Context, args []string) error { return demo(ctx, args, os.Stderr) }

// demo runs porthole demo, telling the user (on w) what it does.
func demo(ctx context.Context, args []string, w io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dir := fs.String("dir", "", "build the sandbox in `DIR` (empty or missing; kept after exit); a DIR that holds one is reopened as it was left: Gerrit's changes, the hosts' files, the journals")
	keep := fs.Bool("keep", false, "keep the temporary sandbox directory after exit")
	serve := fs.Bool("serve", false, "only serve the sandbox (print its config, ssh_config and Gerrit URL) until Ctrl-C")
	ciDelay := fs.Duration("ci-delay", 3*time.Second, "how long CI takes to merge a change after its +2")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			demoUsage(fs, helpOut) // asked for: stdout
			return nil
		}
		return usageError{err.Error() + " (see porthole demo -h)"}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q (see porthole demo -h)", fs.Arg(0))}
	}
	if *ciDelay < 0 {
		return usageError{"--ci-delay must not be negative"}
	}

	// Closing the terminal ends the demo like Ctrl-C does: the sandbox is
	// stopped and its temporary directory removed.
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGHUP)
	defer stop()
	opts := sandbox.Options{Dir: *dir, Keep: *keep, CIDelay: *ciDelay, SyncDelay: 600 * time.Millisecond, Log: w}
	kept := *keep || *dir != ""
	switch {
	case *dir != "" && sandbox.KeepsWorld(*dir):
		fmt.Fprintf(w, "porthole demo: reopening the sandbox in %s as it was left: Gerrit's changes, the hosts' files and the journals (its windows can be resumed)\n", *dir)
	case *dir != "" && sandbox.Reopens(*dir):
		fmt.Fprintf(w, "porthole demo: the sandbox in %s was not stopped whole: its journals are kept; Gerrit, the hosts and the repositories are built anew (what its windows did is gone from them)\n", *dir)
	}
	if !*serve && demoTUI != nil {
		if err := sandbox.CheckDir(*dir); err != nil { // said before the TUI opens
			return err
		}
		return demoWithTUI(ctx, opts, kept, w)
	}
	start := time.Now()
	fmt.Fprintln(w, "porthole demo: starting the sandbox…")
	sb, err := sandbox.Start(ctx, opts)
	if err != nil {
		return err
	}
	defer demoClose(w, sb, kept)
	demoBanner(w, sb, kept, time.Since(start))
	if !*serve {
		fmt.Fprintln(w, "\nThis build has no TUI yet: serving the sandbox instead.")
	}
	demoServeHelp(w, sb)
	<-ctx.Done()
	fmt.Fprintln(w, "\nporthole demo: stopping")
	return nil
}

// demoWithTUI opens the TUI at once; the sandbox starts behind its Home.
// While the TUI owns the terminal the sandbox's problems and log lines are
// kept, and said on w once it has closed.
func demoWithTUI(ctx context.Context, opts sandbox.Options, kept bool, w io.Writer) error {
	var held lockedWriter
	opts.Log = &held
	prevLog := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&held, nil))) // until the state dir's file log takes over
	defer slog.SetDefault(prevLog)
	var (
		mu   sync.Mutex
		sb   *sandbox.Sandbox
		took time.Duration
	)
	err := demoTUI(ctx, func(ctx context.Context, progress func(string)) (*sandbox.Sandbox, error) {
		o := opts
		o.Progress = progress
		t0 := time.Now()
		s, err := sandbox.Start(ctx, o)
		mu.Lock()
		sb, took = s, time.Since(t0)
		mu.Unlock()
		return s, err
	})
	mu.Lock() // demoTUI returns once start has returned, or will never call it
	defer mu.Unlock()
	held.copyTo(w)
	if sb != nil {
		fmt.Fprintf(w, "porthole demo: the sandbox in %s took %.1f s to start (behind Home)\n", sb.Root, took.Seconds())
		demoClose(w, sb, kept)
	}
	if errors.Is(err, errNoTTY) {
		fmt.Fprintln(w, "porthole demo: no terminal here; `porthole demo --serve` serves the sandbox without one")
	}
	return err
}

// demoClose stops the sandbox and says where it is kept.
func demoClose(w io.Writer, sb *sandbox.Sandbox, kept bool) {
	if err := sb.Close(); err != nil {
		fmt.Fprintf(w, "porthole demo: stopping the sandbox: %v\n", err)
	}
	if kept {
		fmt.Fprintf(w, "porthole demo: the sandbox is kept in %s (its servers are stopped); its journals are in %s: porthole demo --dir %s reopens it\n",
			sb.Root, sb.Config.StateDir, sb.Root)
		return
	}
	fmt.Fprintf(w, "porthole demo: the sandbox and its journals (%s) are removed: porthole demo --dir DIR keeps them for another run\n", sb.Config.StateDir)
}

// lockedWriter holds what is written to it until copyTo.
type lockedWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write keeps p.
func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedWriter) copyTo(w io.Writer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = l.buf.WriteTo(w)
}

// demoEnv wires porthole to a running sandbox for the TUI: its config,
// its deployer as env.User, and — while the TUI owns the terminal — the
// sandbox's own log lines in the state dir's log instead of on stderr.
// cleanup gives the sandbox its log writer back, then closes the env.
func demoEnv(ctx context.Context, sb *sandbox.Sandbox) (*runbooks.Env, func(), error) {
	env, cleanup, err := envWithRunbooks(ctx, sb.Config, &envFlags{user: sb.User})
	if err != nil {
		return nil, nil, err
	}
	prev := sb.SetLog(slogWriter{slog.Default()}) // envWithRunbooks made it the file log
	return env, func() {
		sb.SetLog(prev)
		cleanup()
	}, nil
}

// slogWriter logs each line written to it as a warning (the sandbox's log
// lines are its problems: a scenario step that failed).
type slogWriter struct{ l *slog.Logger }

// Write logs p, one record a line.
func (w slogWriter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		if line != "" {
			w.l.Warn(line)
		}
	}
	return len(p), nil
}

// demoBanner says, before anything else is drawn, that this is a sandbox and where it lives.
func demoBanner(w io.Writer, sb *sandbox.Sandbox, kept bool, took time.Duration) {
	where := "removed on exit; --keep keeps it"
	if kept {
		where = "kept after exit"
	}
	fmt.Fprintf(w, "\nporthole demo — a SANDBOX on this machine: nothing here reaches production.\n")
	fmt.Fprintf(w, "  lives in  %s (%s)\n", sb.Root, where)
	fmt.Fprintf(w, "  Gerrit    %s (in-process emulator; you are %q)\n", sb.Gerrit.URL(), sb.User)
	fmt.Fprintf(w, "  hosts     %s (in-process SSH on 127.0.0.1)\n", strings.Join(sb.HostNames, " "))
	fmt.Fprintf(w, "  staging   %s (deploy1002's /srv/mediawiki-staging)\n", sb.StagingDir())
	fmt.Fprintf(w, "  journals  %s (%s with the sandbox)\n", sb.Config.StateDir, map[bool]string{true: "kept", false: "removed"}[kept])
	fmt.Fprintf(w, "  started   in %.1f s\n\n", took.Seconds())
	fmt.Fprintf(w, "Changes waiting for a backport window (MediaWiki %s):\n", sb.Version)
	for _, s := range sb.Scenarios {
		fmt.Fprintf(w, "  %-5d %-13s %s\n", s.Change, s.Name, s.Subject)
		fmt.Fprintf(w, "        %-13s %s\n", "", s.About)
	}
}

// demoServeHelp tells how to point porthole and ssh at the served sandbox.
func demoServeHelp(w io.Writer, sb *sandbox.Sandbox) {
	fmt.Fprintf(w, "\n  config      %s\n", sb.ConfigPath)
	fmt.Fprintf(w, "  ssh_config  %s\n", sb.SSHConfigPath)
	fmt.Fprintf(w, "  known_hosts %s\n", sb.KnownHostsPath)
	fmt.Fprintf(w, "\nTry, in another terminal:\n")
	fmt.Fprintf(w, "  ssh -F %s %s\n", remote.Quote(sb.SSHConfigPath), sandbox.DeployHost)
	fmt.Fprintf(w, "  PORTHOLE_CONFIG=%s porthole exec -g appservers -- hostname\n", remote.Quote(sb.ConfigPath))
	if n, ok := sb.Changes["core"]; ok {
		fmt.Fprintf(w, "  PORTHOLE_CONFIG=%s porthole plan %d\n", remote.Quote(sb.ConfigPath), n)
	}
	fmt.Fprintf(w, "\nServing until Ctrl-C.\n")
}

func demoUsage(fs *flag.FlagSet, w io.Writer) {
	fs.SetOutput(w)
	fmt.Fprintln(w, "usage: porthole demo [--dir DIR] [--keep] [--serve] [--ci-delay 3s]")
	fmt.Fprintln(w, "\nStarts, in this process, a Gerrit emulator with changes of every kind, SSH hosts that run")
	fmt.Fprintln(w, "real commands in a temporary directory, MediaWiki repositories laid out like production,")
	fmt.Fprintln(w, "and stand-ins for scap and mwscript; then opens porthole on it.")
	fmt.Fprintln(w)
	fs.PrintDefaults()
}
