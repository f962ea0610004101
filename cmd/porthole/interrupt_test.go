package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"porthole/remote"
)

// startPortholeTalking starts the binary with a stdin the test writes to.
func startPortholeTalking(t *testing.T, xdg string, args ...string) (*exec.Cmd, io.WriteCloser, *syncBuffer, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(portholeBin(t), args...)
	cmd.Env = portholeEnv(xdg)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, errb := &syncBuffer{}, &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = in.Close(); _ = cmd.Process.Kill() })
	return cmd, in, out, errb
}

// Ctrl-C while scap syncs to production asks first (default No): "n" lets
// the sync finish and the window end well; "y" stops it, and porthole says
// where the window stands (part-way, how to resume or revert).
func TestCtrlCDuringAProductionSyncAsks(t *testing.T) {
	t.Parallel() // runs the built porthole against a sandbox of its own
	b := startBadSandbox(t)
	gate := filepath.Join(t.TempDir(), "scap-may-go")
	// the sync waits for the test's go-ahead, so that Ctrl-C surely lands mid-step
	cfg := b.configWith(t, "sync_file: scap sync-file {path} {message}",
		"sync_file: while [ ! -e "+remote.Quote(gate)+" ]; do sleep 0.05; done; scap sync-file {path} {message}")
	write := func(in io.Writer, s string) {
		if _, err := io.WriteString(in, s); err != nil {
			t.Fatal(err)
		}
	}
	midSync := func(cmd *exec.Cmd, out *syncBuffer) {
		t.Helper()
		waitFor(t, "the production sync to start", func() bool {
			return strings.Contains(out.String(), "] Sync php-") || strings.Contains(out.String(), "] Sync wmf-config")
		})
		waitFor(t, "the sync's command on the host", func() bool { return len(processesWith(gate)) > 0 })
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the question", func() bool { return strings.Contains(out.String(), "scap is syncing to production") })
	}

	// No: the sync goes on and the window ends done.
	core := b.Changes["core"]
	cmd, in, out, errb := startPortholeTalking(t, b.xdg, "backport", fmt.Sprint(core), "--config", cfg)
	write(in, "y\ny\ny\n")
	midSync(cmd, out)
	write(in, "\n")
	waitFor(t, "going on", func() bool { return strings.Contains(out.String(), "-- going on:") })
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_ = in.Close()
	o := waitExit(t, cmd, out, errb)
	if o.code != 0 || !strings.Contains(o.stdout, "steps done") || !strings.Contains(o.stdout, "scap is syncing to production, from deploy1002 (deploy): stop it?") {
		t.Fatalf("after n, the window did not finish:\n%s", o)
	}

	// Yes: scap is stopped, and the way out says where things stand.
	if err := os.Remove(gate); err != nil {
		t.Fatal(err)
	}
	conf := b.Changes["config"]
	cmd, in, out, errb = startPortholeTalking(t, b.xdg, "backport", fmt.Sprint(conf), "--config", cfg)
	write(in, "y\ny\ny\n")
	midSync(cmd, out)
	write(in, "y\n")
	o = waitExit(t, cmd, out, errb)
	lines := strings.Split(strings.TrimSpace(o.stderr), "\n")
	last := o // scap's progress lines come first on stderr; the last line says where things stand
	last.stderr = lines[len(lines)-1] + "\n"
	oneLineError(t, "Ctrl-C, y", last, exitInterrupted, "porthole backport: interrupted during step ", "was stopped",
		"production is part-way", fmt.Sprintf("porthole revert %d", conf), "porthole run --resume ")
	waitFor(t, "the sync's command to be gone from the host", func() bool { return len(processesWith(gate)) == 0 })
}
