package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// control is a tmux control-mode client (tmux -C) on the benchmark's own
// server: commands (new-session, send-keys, capture-pane) go over its
// stdin and their output comes back on its stdout, so timing a viewer
// costs no tmux process per key or per look at the pane (each of those
// took 4-10 ms on a loaded machine, and made the figures that coarse).
type control struct {
	socket string
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
}

// startControl starts the server with a session of its own ("keep", so the
// server stays up between viewers) and attaches a control client to it.
func startControl(socket string) (*control, error) {
	cmd := exec.Command("tmux", "-L", socket, "-f", "/dev/null", "-C", "new-session", "-s", "keep", "-x", "80", "-y", "24", "sleep 3600")
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &control{socket: socket, cmd: cmd, in: in, out: bufio.NewReader(out)}
	if _, err := c.reply(); err != nil { // the new-session's own reply
		c.close()
		return nil, err
	}
	return c, nil
}

// run sends one tmux command line and returns its output.
func (c *control) run(line string) (string, error) {
	if _, err := io.WriteString(c.in, line+"\n"); err != nil {
		return "", err
	}
	return c.reply()
}

// reply reads up to the end of the next command's reply, skipping
// notifications (%output, %session-changed …) between replies.
func (c *control) reply() (string, error) {
	var b strings.Builder
	in := false
	for {
		l, err := c.out.ReadString('\n')
		if err != nil {
			return "", fmt.Errorf("tmux control client: %w", err)
		}
		switch {
		case !in && strings.HasPrefix(l, "%begin "):
			in = true
		case in && strings.HasPrefix(l, "%end "):
			return b.String(), nil
		case in && strings.HasPrefix(l, "%error "):
			return "", errors.New("tmux: " + strings.TrimSpace(b.String()))
		case in:
			b.WriteString(l)
		}
	}
}

// close kills the server, waits for the client and removes the server's
// socket (tmux leaves it behind).
func (c *control) close() {
	_, _ = io.WriteString(c.in, "kill-server\n")
	_ = c.in.Close()
	_ = c.cmd.Wait()
	dir := os.Getenv("TMUX_TMPDIR")
	if dir == "" {
		dir = "/tmp"
	}
	_ = os.Remove(filepath.Join(dir, fmt.Sprintf("tmux-%d", os.Getuid()), c.socket))
}

// quote makes s one word for tmux's command parser.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
