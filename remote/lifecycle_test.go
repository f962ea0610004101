package remote_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"porthole/remote"
	"porthole/remote/sshtest"
)

// startAndWait runs cmd in the background and returns once it printed "started".
func startAndWait(t *testing.T, ctx context.Context, ex remote.Executor, cmd string) <-chan struct {
	r   remote.Result
	err error
} {
	t.Helper()
	started := make(chan struct{})
	done := make(chan struct {
		r   remote.Result
		err error
	}, 1)
	go func() {
		var once bool
		r, err := ex.Run(ctx, remote.Command{Cmd: cmd, OnLine: func(l remote.Line) {
			if l.Text == "started" && !once {
				once = true
				close(started)
			}
		}})
		done <- struct {
			r   remote.Result
			err error
		}{r, err}
	}()
	select {
	case <-started:
	case res := <-done:
		t.Fatalf("%s ended before it started: %+v %v", cmd, res.r, res.err)
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not start", cmd)
	}
	return done
}

// gone waits (bounded) until pid no longer runs: missing, or a zombie.
func gone(pid int) bool {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return true
		}
		s := string(b)
		if f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]); len(f) > 0 && f[0] == "Z" {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

func readPID(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("pid file %q: %v", b, err)
	}
	return pid
}

// A host that dies mid-command is reported as a lost connection (ExitCode
// -1), as refused while down, and re-dialled once it is back.
func TestHostDiesMidCommand(t *testing.T) {
	c := sshtest.Start(t, 2)
	pool := c.Pool()
	ex := get(t, pool, "h1")
	run(t, ex, "true")
	done := startAndWait(t, context.Background(), ex, "echo started; sleep 60")
	c.Stop(0)
	res := <-done
	var ce *remote.ConnError
	if !errors.As(res.err, &ce) || ce.Op != remote.OpLost || ce.Host != "h1" {
		t.Fatalf("got %v, want a lost-connection ConnError for h1", res.err)
	}
	if res.r.ExitCode != -1 || !strings.Contains(res.err.Error(), "outcome on the host is unknown") {
		t.Errorf("ExitCode %d, message %q", res.r.ExitCode, res.err)
	}
	if remote.Reason(res.r, res.err) != "connection lost" {
		t.Errorf("Reason %q", remote.Reason(res.r, res.err))
	}
	// Down: the next step is refused, with a hint.
	r, err := ex.Run(context.Background(), remote.Command{Cmd: "true"})
	if !errors.As(err, &ce) || ce.Op != remote.OpDial || remote.Reason(r, err) != "connection refused" {
		t.Fatalf("while down got %v, want connection refused", err)
	}
	// Other hosts of the pool are unaffected.
	run(t, get(t, pool, "h2"), "true")
	// Back up: the next step re-dials.
	c.Restart(0)
	if r := run(t, ex, "echo back"); string(r.Stdout) != "back\n" {
		t.Fatalf("%q", r.Stdout)
	}
	if s := pool.Stats(); s.Dials != 3 || s.DialFailures != 1 {
		t.Errorf("stats %+v, want 3 dials (h1, h2, h1 again) and 1 failure", s)
	}
}

// A host that hangs (no FIN, no RST) is declared dead by keepalives.
func TestFrozenHostDetectedByKeepalive(t *testing.T) {
	c := sshtest.Start(t, 1)
	opts := c.Options()
	opts.KeepAlive = 300 * time.Millisecond // dead after 3 missed replies: 0.9 s
	pool := remote.NewPool(opts)
	defer pool.Close()
	ex := get(t, pool, "h1")
	done := startAndWait(t, context.Background(), ex, "echo started; sleep 60")
	c.Freeze(0)
	res := <-done
	c.Thaw(0)
	var ce *remote.ConnError
	if !errors.As(res.err, &ce) || ce.Op != remote.OpLost || !strings.Contains(res.err.Error(), "no reply") {
		t.Fatalf("got %v, want a lost connection for missing keepalive replies", res.err)
	}
	run(t, ex, "true")
	if s := pool.Stats(); s.Dials != 2 {
		t.Errorf("stats %+v, want a second dial after the frozen connection", s)
	}
}

// Cancelling stops the remote command — its processes are gone afterwards —
// and the connection stays usable.
func TestCancelKillsRemoteProcess(t *testing.T) {
	c := sshtest.Start(t, 1)
	opts := c.Options()
	opts.KillGrace = 300 * time.Millisecond
	pool := remote.NewPool(opts)
	defer pool.Close()
	ex := get(t, pool, "h1")
	dir := t.TempDir()
	for _, tc := range []struct{ name, prelude string }{
		{"polite", ""},
		// ignores SIGTERM (and so does its child): needs the SIGKILL
		{"stubborn", "trap '' TERM; "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pidFile := filepath.Join(dir, tc.name+".pid")
			shFile := filepath.Join(dir, tc.name+".sh")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := startAndWait(t, ctx, ex, tc.prelude+"echo $$ > "+shFile+"; sleep 60 & echo $! > "+pidFile+"; echo started; wait")
			sleepPID, shPID := readPID(t, pidFile), readPID(t, shFile)
			cancel()
			res := <-done
			if !errors.Is(res.err, context.Canceled) || res.r.ExitCode != -1 {
				t.Fatalf("got %+v %v, want context.Canceled and ExitCode -1", res.r, res.err)
			}
			if !gone(sleepPID) || !gone(shPID) {
				t.Fatalf("remote processes still run after cancel (sleep %d, shell %d)", sleepPID, shPID)
			}
		})
	}
	run(t, ex, "true")
	if s := pool.Stats(); s.Dials != 1 {
		t.Errorf("stats %+v: cancelling should not cost the connection", s)
	}
	// Already cancelled: nothing runs.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ex.Run(ctx, remote.Command{Cmd: "true"}); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v", err)
	}
}

func TestPoolClose(t *testing.T) {
	c := sshtest.Start(t, 1)
	pool := c.Pool()
	ex := get(t, pool, "h1")
	run(t, ex, "true")
	pool.Close()
	if _, err := ex.Run(context.Background(), remote.Command{Cmd: "true"}); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Run after Close: %v", err)
	}
	if _, err := pool.Get("h1"); err == nil {
		t.Error("Get after Close succeeded")
	}
	if s := pool.Stats(); s.Open != 0 {
		t.Errorf("stats after close %+v", s)
	}
}

// guardsLeft counts shells still running the cancel guard in sessions to port.
func guardsLeft(port int) int {
	conn := " 127.0.0.1 " + strconv.Itoa(port) + "\x00"
	n := 0
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		env, _ := os.ReadFile("/proc/" + e.Name() + "/environ")
		if strings.Contains(string(b), "porthole_guard") && strings.Contains(string(env), conn) {
			n++
		}
	}
	return n
}

// The guard that kills a cancelled command leaves nothing behind after a
// normal exit, and does not kill what the command deliberately left running.
func TestGuardLeavesNothingBehind(t *testing.T) {
	c := sshtest.Start(t, 1)
	ex := get(t, c.Pool(), "h1")
	pidFile := filepath.Join(t.TempDir(), "daemon.pid")
	run(t, ex, "nohup sleep 30 >/dev/null 2>&1 & echo $! > "+pidFile)
	for i := 0; i < 5; i++ {
		run(t, ex, "true")
	}
	daemon := readPID(t, pidFile)
	defer syscall.Kill(daemon, syscall.SIGKILL)
	deadline := time.Now().Add(10 * time.Second)
	for guardsLeft(c.Ports[0]) > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := guardsLeft(c.Ports[0]); n > 0 {
		t.Errorf("%d guard processes still run after the commands ended", n)
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(daemon)); err != nil {
		t.Errorf("the nohup'd background process %d was killed", daemon)
	}
}
