// Package gitops is what a backport or revert step does to a repository on
// the deployment host. Every command is the git CLI, run through an executor,
// so the deployer recognises each line of the transcript; every parameter is
// shell-quoted with remote.Quote. It is also the one reader of git's log
// output (logline.go, commits.go, patchlog.go): the diff viewer, maintenance
// detection and the incoming checks call it rather than parse logs
// themselves. It has no UI imports.
package gitops

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"porthole/remote"
)

// Run runs one command on the host that holds the repositories; runbooks pass
// closures bound to a step's StepContext (sc.Exec or sc.ExecCapture), tests
// pass a remote.Local executor's Run.
type Run func(ctx context.Context, cmd remote.Command) (remote.Result, error)

// FromExecutor adapts an executor to a Run.
func FromExecutor(ex remote.Executor) Run {
	return func(ctx context.Context, cmd remote.Command) (remote.Result, error) {
		return ex.Run(ctx, cmd)
	}
}

// Error is a git command that ran and failed.
type Error struct {
	Cmd      string // the git command line, without the cd
	Dir      string
	Host     string
	ExitCode int
	Stderr   string // trimmed
}

// Error says which command failed where, with git's last words.
func (e *Error) Error() string {
	msg := fmt.Sprintf("%s in %s", e.Cmd, e.Dir)
	if e.Host != "" {
		msg += " on " + e.Host
	}
	msg += fmt.Sprintf(" exited %d", e.ExitCode)
	if s := lastLines(e.Stderr, 2); s != "" {
		msg += ": " + s
	}
	return msg
}

// networkHints are git's words for a failure that another attempt may not hit.
var networkHints = []string{
	"could not resolve host", "connection timed out", "connection refused",
	"connection reset", "unable to access", "could not read from remote repository",
	"the remote end hung up unexpectedly", "early eof", "operation timed out",
	"temporary failure in name resolution", "network is unreachable", "rpc failed",
	"broken pipe", "ssl_read", "gnutls", "tls connection",
}

// Temporary is true when git failed on the network (fetch, push), so a retry
// may succeed; the runner's retry logic reads it.
func (e *Error) Temporary() bool {
	s := strings.ToLower(e.Stderr)
	for _, h := range networkHints {
		if strings.Contains(s, h) {
			return true
		}
	}
	return false
}

// Transient is Temporary under the name the runbooks' retry logic asks for.
func (e *Error) Transient() bool { return e.Temporary() }

// Timeout is true when git said the network timed out.
func (e *Error) Timeout() bool {
	s := strings.ToLower(e.Stderr)
	return strings.Contains(s, "timed out")
}

func lastLines(s string, n int) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, " / ")
}

// Cmd builds the exact git command line for args, every argument quoted.
func Cmd(args ...string) string {
	return "git " + remote.QuoteAll(args...)
}

// git runs `git ARGS` in dir, keeping its output, and turns a non-zero exit
// into an *Error.
func git(ctx context.Context, run Run, dir string, args ...string) (remote.Result, error) {
	return gitCmd(ctx, run, remote.Command{Cmd: Cmd(args...), Dir: dir, Keep: true})
}

// gitCmd runs cmd, keeping its output: a non-zero exit is an *Error, a
// failure to run it names it, except a missing directory (a *remote.DirError,
// returned as it is: the command never ran, and the directory is the news).
func gitCmd(ctx context.Context, run Run, cmd remote.Command) (remote.Result, error) {
	cmd.Keep = true
	res, err := run(ctx, cmd)
	var de *remote.DirError
	if errors.As(err, &de) {
		return res, err
	}
	if err != nil {
		return res, fmt.Errorf("%s in %s: %w", cmd.Cmd, cmd.Dir, err)
	}
	if res.ExitCode != 0 {
		return res, &Error{Cmd: cmd.Cmd, Dir: cmd.Dir, Host: res.Host, ExitCode: res.ExitCode, Stderr: string(res.Stderr)}
	}
	return res, nil
}

// saidNo is true when git ran and answered "no" by exiting 1 (a key, path
// or ancestry that is not there), as opposed to failing (exit 128: not a
// repository, a bad revision), not running (a missing directory) or being cut
// off (a lost connection).
func saidNo(err error) bool {
	var ge *Error
	return errors.As(err, &ge) && ge.ExitCode == 1
}

// out runs git and returns its stdout with the trailing newline trimmed.
func out(ctx context.Context, run Run, dir string, args ...string) (string, error) {
	res, err := git(ctx, run, dir, args...)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(res.Stdout), "\n"), nil
}
