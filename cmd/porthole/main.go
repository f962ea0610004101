// Command porthole walks MediaWiki deployers through backport windows,
// emergency reverts and guided maintenance-script runs.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one porthole subcommand; each lives in its own file and registers itself.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string) error
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

// usageError is a mistake in the command line: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// interruptedError ends a command stopped by SIGINT or SIGTERM; its message
// says what state things are in. Exit code 130.
type interruptedError struct{ msg string }

func (e interruptedError) Error() string { return e.msg }

// Exit codes.
const (
	exitFailure     = 1
	exitUsage       = 2
	exitDanger      = 3   // porthole plan: the window carries a danger warning
	exitInterrupted = 130 // 128+SIGINT, as shells report a command stopped by Ctrl-C
)

// helpOut is where help that was asked for goes (a test swaps it); usage
// printed after a mistake goes to stderr.
var helpOut io.Writer = os.Stdout

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	stop := handleSignals(cancel)
	code := dispatch(ctx, os.Args[1:], os.Stderr)
	stop()
	cancel()
	os.Exit(code)
}

// dispatch runs the subcommand args name (the TUI when none is named) and
// returns the exit code: 0, 1 for a failure, 2 for a usage mistake, 130
// when ctx was cancelled (SIGINT/SIGTERM) before the command finished. An
// error goes to stderr after the words the user typed: "porthole run: …",
// or "porthole: …" for plain porthole.
func dispatch(ctx context.Context, args []string, stderr io.Writer) int {
	name, typed := "tui", "porthole"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' && !looksLikeChange(args[0]) {
		name, args = args[0], args[1:]
		typed += " " + name
	}
	if name == "help" || (len(args) > 0 && (args[0] == "-h" || args[0] == "--help") && name == "tui") {
		usage(helpOut) // asked for: stdout, so that `porthole --help | less` works
		return 0
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "porthole: unknown command %q\n\n", name)
		usage(stderr)
		return exitUsage
	}
	err := c.run(ctx, args)
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "%s: %v\n", typed, err)
	var ue usageError
	var ie interruptedError
	var de dangerError
	switch {
	case errors.As(err, &ue):
		return exitUsage
	case errors.As(err, &de):
		return exitDanger
	case errors.As(err, &ie), ctx.Err() != nil:
		return exitInterrupted
	}
	return exitFailure
}

// looksLikeChange tells a change given to plain porthole (porthole 12345,
// a Gerrit URL, a Change-Id) from a subcommand's name.
func looksLikeChange(s string) bool {
	if _, ok := commands[s]; ok {
		return false
	}
	if strings.Contains(s, "://") {
		return true
	}
	if len(s) == 41 && s[0] == 'I' && strings.Trim(s[1:], "0123456789abcdef") == "" {
		return true
	}
	return strings.Trim(s, "0123456789") == ""
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: porthole [command] [flags]")
	fmt.Fprintln(w, "\nWith no command, porthole opens the TUI on the configured hosts.\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
}
