package remote_test

import (
	"context"
	"strings"
	"testing"

	"porthole/remote"
	"porthole/remote/sshtest"
)

// TestPtyCommand: with Pty the command has a terminal (as under ssh -t),
// its stderr arrives on the one stream, and \r rewrites arrive as lines.
func TestPtyCommand(t *testing.T) {
	c := sshtest.Start(t, 1)
	ex := get(t, c.Pool(), "h1")
	var lines []string
	cmd := remote.Command{Pty: true, Cmd: `[ -t 1 ] && echo tty; printf 'p: 10%%\r' >&2; printf 'p: 50%%\r' >&2; printf '\n'; echo done`,
		OnLine: func(l remote.Line) { lines = append(lines, l.Stream.String()+":"+l.Text) }}
	r, err := ex.Run(context.Background(), cmd)
	if err != nil || r.ExitCode != 0 {
		t.Fatalf("exit %d, %v", r.ExitCode, err)
	}
	if got := strings.Join(lines, "|"); got != "stdout:tty|stdout:p: 10%|stdout:p: 50%|stdout:done" {
		t.Errorf("lines %q", got)
	}
	// Without Pty: no terminal, and \r stays inside the line.
	lines = nil
	cmd.Pty = false
	if _, err := ex.Run(context.Background(), cmd); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(lines, "|")
	if strings.Contains(got, "tty") || !strings.Contains(got, "stderr:p: 10%\rp: 50%") || !strings.Contains(got, "stdout:done") {
		t.Errorf("without a pty: lines %q", got)
	}
}
