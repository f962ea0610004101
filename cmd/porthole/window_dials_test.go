package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"porthole/internal/testreq"
	"porthole/sandbox"
)

// TestBackportWindowDialsEachHostOnce runs a one-change backport window
// through `porthole backport` against the sandbox, every gate answered y,
// and counts the SSH handshakes each sandbox host accepted: a window opens
// one connection per host it talks to and reuses it for every command.
func TestBackportWindowDialsEachHostOnce(t *testing.T) {
	testreq.Tmux(t) // a window runs scap detached in tmux
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Dir: t.TempDir(), AppServers: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	t.Setenv("PORTHOLE_CONFIG", "")
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(t.TempDir(), "xdg"))
	t.Setenv("SSH_AUTH_SOCK", "")

	var out, errb bytes.Buffer
	runOut, runErr, runIn = &out, &errb, strings.NewReader(strings.Repeat("y\n", 50))
	defer func() { runOut, runErr, runIn = os.Stdout, os.Stderr, os.Stdin }()
	err = windowCmd("backport")(context.Background(), []string{"--config", sb.ConfigPath, strconv.Itoa(sb.Changes["core"])})
	if err != nil {
		t.Fatalf("porthole backport: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
	}
	commands := map[string]int{}
	for _, s := range sb.CommandSpans() {
		commands[s.Host]++
	}
	got := sb.Handshakes()
	t.Logf("handshakes %v, commands %v", got, commands)
	if commands[sandbox.DeployHost] < 5 {
		t.Errorf("%s ran %d commands in the window; the test needs a host with several", sandbox.DeployHost, commands[sandbox.DeployHost])
	}
	for h, n := range got {
		if n != 1 {
			t.Errorf("%s: %d handshakes in one window (%d commands), want 1", h, n, commands[h])
		}
	}
	for h := range commands {
		if got[h] == 0 {
			t.Errorf("%s ran commands but accepted no handshake", h)
		}
	}
}
