package remote

import (
	"context"
	"fmt"
	"strings"
)

// StartTmuxTerminal starts cmd in a new detached tmux session on ex, with
// the session's pane as its terminal: stdin, stdout and stderr are a tty, as
// in a deployer's terminal, so that scap shows its live progress (\r
// rewrites) and asks its questions (answer with SendKeys). tmux pipe-pane
// copies the pane's raw output into dir/<session>.log, which Follow reads
// (with FollowOptions.SplitCR). The command starts only once the copy is in
// place, so nothing it prints is missed. Like StartTmux, it runs with the
// environment a command run directly would have, and a dropped connection
// or porthole stopping does not stop it. Of cmd, only Cmd, Dir and Env are
// used: it runs in cmd.Dir as Run would, so a missing Dir is a *DirError
// (from StartTmuxTerminal, no session started; or from Follow, should it
// vanish in between) and nothing of cmd runs.
func StartTmuxTerminal(ctx context.Context, ex Executor, socket, dir, session string, cmd Command) (*TmuxJob, error) {
	j := &TmuxJob{Host: ex.Host(), Session: session, Socket: socket, Marker: "porthole-exit-" + nonce(6) + ":", Cmd: cmd.Script(), Dir: cmd.Dir}
	ch := session + "-go"
	// The pane's shell: take the environment ($1), wait until the output is
	// copied ($2 signalled), run cmd in a subshell, print the marker, and
	// linger a moment so that pipe-pane copies the last bytes.
	inner := ". \"$1\"; rm -f -- \"$1\"; " + tmuxCmd(socket, "wait-for", ch) + "; ( " + cmd.wire() + "\n); echo \"" + j.Marker + "$?\"; sleep 1"
	after := []string{
		tmuxCmd(socket, "pipe-pane", "-o", "-t", "="+session+":") + " \"cat >> '$t'\" || { " + tmuxCmd(socket, "kill-session", "-t", "="+session) + "; exit 1; }",
		tmuxCmd(socket, "wait-for", "-S", ch) + " || exit 1",
	}
	return startTmuxJob(ctx, ex, j, dir, inner, " sh \"$e\" "+Quote(ch), after, "install it there")
}

// startDirCheck is the first line of the script that starts a job in dir:
// a missing dir ends it before any session starts (see dirErrorOf).
func startDirCheck(dir string) string {
	if dir == "" {
		return ":"
	}
	return strings.TrimSuffix(dirCheck(dir), "\n")
}

// exit is Follow's result for a job that ended with code: a *DirError
// (code -1) when the job's script ended at its missing directory (the
// directory vanished after the job started).
func (j *TmuxJob) exit(code int) (int, error) {
	if de := dirErrorOf(j.Host, j.Dir, code, j.last); de != nil {
		return -1, de
	}
	return code, nil
}

// firstLine is b's first line, without its line end.
func firstLine(b []byte) string {
	l, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSuffix(l, "\r")
}

// SendKeys types text and Enter into the job's terminal (an answer to a
// question the command asks).
func (j *TmuxJob) SendKeys(ctx context.Context, ex Executor, text string) error {
	target := "=" + j.Session + ":"
	cmd := tmuxCmd(j.Socket, "send-keys", "-t", target, "-l", text) + " && " + tmuxCmd(j.Socket, "send-keys", "-t", target, "Enter")
	res, err := ex.Run(ctx, Command{Cmd: cmd, Keep: true})
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("tmux send-keys to %s on %s: exit %d: %s", j.Session, j.Host, res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	return nil
}
