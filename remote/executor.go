// Package remote runs commands on hosts: locally or over SSH, one at a time or
// fanned out over many hosts, streaming output line by line.
package remote

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Stream tells stdout from stderr.
type Stream int

const (
	// Stdout is the command's standard output.
	Stdout Stream = iota
	// Stderr is the command's standard error.
	Stderr
)

// String names the stream as the journal writes it.
func (s Stream) String() string {
	if s == Stderr {
		return "stderr"
	}
	return "stdout"
}

// Line is one line of output from one host, as it arrived.
type Line struct {
	Host   string
	Stream Stream
	Text   string // without the trailing newline
	Time   time.Time
}

// Command is what to run. Cmd is a shell command line, given to the remote
// login shell as is: quote every parameter with Quote before building it.
type Command struct {
	Cmd    string
	Dir    string            // working directory; "" for the login directory; a missing one is a *DirError
	Env    map[string]string // extra environment, exported before Cmd
	Stdin  io.Reader         // nil for no input
	OnLine func(Line)        // called for every output line, in order per stream; may be nil
	// Keep, when set, keeps the whole output in Result.Stdout/Stderr.
	Keep bool
	// OnOutput, when set, gets the output as it arrives, byte for byte (what
	// Keep would keep), in order per stream. p is valid only during the call;
	// a host's two streams (and a fan-out's hosts) may call it at once.
	OnOutput func(host string, s Stream, p []byte)
	// Pty runs the command on a pseudo-terminal (ssh -t; SSH only): stdout
	// and stderr arrive together on stdout, and a \r ends a line too, so
	// that progress rewritten in place (scap's) arrives as it happens.
	Pty bool
}

// Script is the command line as the deployer reads it: cd, exports and Cmd
// ("cd DIR && CMD"). The executors send it as wire builds it, with the cd a
// statement of its own, so that nothing of Cmd runs when DIR is missing.
func (c Command) Script() string {
	s := c.Cmd
	if len(c.Env) > 0 {
		s = envPrefix(c.Env) + s
	}
	if c.Dir != "" {
		s = "cd " + Quote(c.Dir) + " && " + s
	}
	return s
}

// wire is the script the executors run for c. Script's one line is not it:
// `cd DIR && export A=B; CMD` runs CMD in the login directory when the cd
// fails (&& binds tighter than ;), and so does `cd DIR && a || b` run b.
// Here dirGuard comes first: a DIR that is missing (or not a directory)
// ends the script before anything of Cmd runs; only then do the exports
// and Cmd run.
func (c Command) wire() string {
	s := c.Cmd
	if len(c.Env) > 0 {
		s = envPrefix(c.Env) + s
	}
	return dirGuard(c.Dir) + s
}

// dirGuard is the start of a script that must run in dir ("" for none):
// dirCheck, then `cd` into it; any other failed cd (no permission) ends the
// script with the shell's own message.
func dirGuard(dir string) string {
	if dir == "" {
		return ""
	}
	return dirCheck(dir) + cdTo(dir) + " || exit\n"
}

// cdTo is the shell command that changes to dir, whatever CDPATH says (a
// relative dir found through CDPATH would be another directory, and cd
// would print it).
func cdTo(dir string) string {
	return "CDPATH= cd -- " + Quote(dir)
}

// dirCheck is a script line that ends the script with noDirExit, and
// dirLine first on stderr, when dir is missing or not a directory (a
// DirError for the caller: see dirErrorOf).
func dirCheck(dir string) string {
	q := Quote(dir)
	return "if [ ! -d " + q + " ]; then if [ -e " + q + " ]; then printf '%s\\n' " + Quote(dirLine(dir, true)) +
		"; else printf '%s\\n' " + Quote(dirLine(dir, false)) + "; fi >&2; exit " + strconv.Itoa(noDirExit) + "; fi\n"
}

// noDirExit is how dirCheck's script exits when the directory is missing.
const noDirExit = 125

// dirLine is what dirCheck's script says on stderr when dir is missing
// (notDir false) or is something else than a directory (notDir true).
func dirLine(dir string, notDir bool) string {
	if notDir {
		return "porthole: " + dir + " is not a directory"
	}
	return "porthole: " + dir + " does not exist"
}

// dirErrorOf is the DirError for a script that began with dirCheck(dir) on
// host and exited code, when one of lines (the first line of its stderr,
// say) is dirCheck's: it ended at its missing directory. Otherwise nil.
func dirErrorOf(host, dir string, code int, lines ...string) *DirError {
	if dir == "" || code != noDirExit {
		return nil
	}
	for _, l := range lines {
		switch l {
		case dirLine(dir, false):
			return &DirError{Host: host, Dir: dir}
		case dirLine(dir, true):
			return &DirError{Host: host, Dir: dir, NotDir: true}
		}
	}
	return nil
}

// dirError is the DirError for a command whose script ended at its missing
// directory (dirCheck's line first on stderr, or on stdout for a terminal's
// merged output), or nil.
func dirError(c Command, r Result, stdout, stderr *lineWriter) error {
	lines := []string{stderr.firstLine()}
	if c.Pty {
		lines = append(lines, stdout.firstLine())
	}
	if de := dirErrorOf(r.Host, c.Dir, r.ExitCode, lines...); de != nil {
		return de
	}
	return nil
}

// Result is what a finished command left behind.
type Result struct {
	Host     string
	Cmd      string // the command line as the deployer reads it (Command.Script)
	ExitCode int    // -1 when the command did not finish (connection lost, cancelled)
	Started  time.Time
	Duration time.Duration
	Stdout   []byte // only with Command.Keep
	Stderr   []byte // only with Command.Keep
}

// OK is true when the command ran and exited 0.
func (r Result) OK() bool { return r.ExitCode == 0 }

// Executor runs commands on one host.
type Executor interface {
	// Host is the name the deployer knows the host by (an ssh_config alias, or "local").
	Host() string
	// Run runs one command and waits for it. A non-zero exit is not an error:
	// err is for what stopped the command from running or finishing (with
	// ExitCode -1). Cancelling ctx stops the command.
	Run(ctx context.Context, cmd Command) (Result, error)
	// Close releases the connection, if any.
	Close() error
}

// ExitError is the error form of a non-zero exit, for callers that want one.
type ExitError struct {
	Result Result
}

// Error says which command exited how on which host.
func (e *ExitError) Error() string {
	return fmt.Sprintf("%s on %s exited %d", e.Result.Cmd, e.Result.Host, e.Result.ExitCode)
}

// Check turns a non-zero exit into an *ExitError.
func Check(r Result, err error) (Result, error) {
	if err != nil {
		return r, err
	}
	if r.ExitCode != 0 {
		return r, &ExitError{Result: r}
	}
	return r, nil
}
