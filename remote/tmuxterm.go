package remote

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// StartTmuxTerminal starts cmd in a new detached tmux session on ex, with
// the session's pane as its terminal: stdin, stdout and stderr are a tty, as
// in a deployer's terminal, so that scap shows its live progress (\r
// rewrites) and asks its questions (answer with SendKeys). tmux pipe-pane
// copies the pane's raw output into dir/<session>.log, which Follow reads
// (with FollowOptions.SplitCR). The command starts only once the copy is in
// place, so nothing it prints is missed. Like StartTmux, it runs with the
// environment a command run directly would have, and a dropped connection
// or porthole stopping does not stop it.
func StartTmuxTerminal(ctx context.Context, ex Executor, socket, dir, session, cmd string) (*TmuxJob, error) {
	j := &TmuxJob{Host: ex.Host(), Session: session, Socket: socket, Marker: "porthole-exit-" + nonce(6) + ":", Cmd: cmd}
	ch := session + "-go"
	// The pane's shell: take the environment ($1), wait until the output is
	// copied ($2 signalled), run cmd in a subshell, print the marker, and
	// linger a moment so that pipe-pane copies the last bytes.
	inner := ". \"$1\"; rm -f -- \"$1\"; " + tmuxCmd(socket, "wait-for", ch) + "; ( " + cmd + "\n); echo \"" + j.Marker + "$?\"; sleep 1"
	qs := Quote(session)
	q := Quote(dir)
	script := strings.Join([]string{
		"command -v tmux >/dev/null 2>&1 || { echo 'porthole: tmux is not installed on this host' >&2; exit 127; }",
		"mkdir -p -- " + q + " || exit 1",
		"t=$(cd -- " + q + " && pwd)/" + qs + ".log || exit 1",
		"case \"$t\" in *\\'*) echo 'porthole: the transcript directory has a quote in its path' >&2; exit 1 ;; esac",
		"if " + tmuxCmd(socket, "has-session", "-t", "="+session) + " 2>/dev/null; then echo 'porthole: tmux session " + session + " already exists' >&2; exit 3; fi",
		": > \"$t\" || exit 1",
		"e=\"${t%.log}.env\"",
		"(umask 077 && /bin/sh -c 'export -p' > \"$e\") || { rm -f -- \"$e\"; exit 1; }",
		newSessionRetried(tmuxCmd(socket, "new-session", "-d", "-s", session, "-x", "200", "-y", "50")+
			" -c \"$PWD\" /bin/sh -c "+Quote(inner)+" sh \"$e\" "+Quote(ch)) + " || { rm -f -- \"$e\"; exit 1; }",
		tmuxCmd(socket, "pipe-pane", "-o", "-t", "="+session+":") + " \"cat >> '$t'\" || { " + tmuxCmd(socket, "kill-session", "-t", "="+session) + "; exit 1; }",
		tmuxCmd(socket, "wait-for", "-S", ch) + " || exit 1",
		"printf '%s\\n' \"$t\"",
	}, "\n")
	j.Started = time.Now()
	res, err := ex.Run(ctx, Command{Cmd: script, Keep: true})
	if err != nil {
		return nil, fmt.Errorf("starting tmux session %s on %s: %w", session, ex.Host(), err)
	}
	switch res.ExitCode {
	case 0:
	case 127:
		return nil, fmt.Errorf("%w on %s: install it there", ErrNoTmux, ex.Host())
	default:
		return nil, fmt.Errorf("starting tmux session %s on %s: exit %d: %s", session, ex.Host(), res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	j.Transcript = strings.TrimSpace(string(res.Stdout))
	if !strings.HasPrefix(j.Transcript, "/") {
		return nil, fmt.Errorf("starting tmux session %s on %s: unexpected transcript path %q", session, ex.Host(), j.Transcript)
	}
	return j, nil
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
