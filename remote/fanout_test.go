package remote_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"porthole/remote"
	"porthole/remote/sshtest"
)

// failOn is a command that exits 3 on the hosts listening on the given ports.
func failOn(ports ...int) string {
	var pats []string
	for _, p := range ports {
		pats = append(pats, "*\" "+fmt.Sprint(p)+"\"")
	}
	if len(pats) == 0 {
		pats = []string{"__none__"}
	}
	return "for i in 1 2 3 4 5 6 7 8 9 10; do echo line$i; done; case \"$SSH_CONNECTION\" in " +
		strings.Join(pats, "|") + ") echo failing >&2; exit 3;; esac"
}

func checkProgress(t *testing.T, seen []remote.Progress, width int) {
	t.Helper()
	for _, p := range seen {
		if p.OK+p.Failed+p.InFlight+p.Left() != p.Total || p.Left() < 0 || p.InFlight < 0 || p.InFlight > width {
			t.Fatalf("inconsistent progress %+v (width %d)", p, width)
		}
	}
}

func TestFanOutResultsAndProgress(t *testing.T) {
	c := sshtest.Start(t, 6)
	pool := c.Pool()
	execs, err := pool.GetAll(c.Hosts)
	if err != nil {
		t.Fatal(err)
	}
	c.Stop(5) // h6 is down
	lines := map[string]int{}
	var seen []remote.Progress
	var streamed []string
	res := remote.FanOut(context.Background(), execs,
		remote.Command{Cmd: failOn(c.Ports[1]), OnLine: func(l remote.Line) {
			if l.Stream == remote.Stdout {
				lines[l.Host]++
			}
		}},
		remote.FanOutOptions{Concurrency: 3, Name: "sync-apaches",
			OnProgress: func(p remote.Progress) { seen = append(seen, p) },
			OnResult:   func(hr remote.HostResult) { streamed = append(streamed, hr.Host) },
		})
	if len(res) != 6 {
		t.Fatalf("%d results", len(res))
	}
	for i, hr := range res {
		if hr.Host != c.Hosts[i] {
			t.Errorf("result %d is %s, want %s (executors' order)", i, hr.Host, c.Hosts[i])
		}
	}
	if res[0].Failed() || res[1].Result.ExitCode != 3 || res[1].Err != nil || !res[1].Failed() {
		t.Errorf("h1 %+v, h2 %+v", res[0], res[1])
	}
	var ce *remote.ConnError
	if !errors.As(res[5].Err, &ce) || remote.Reason(res[5].Result, res[5].Err) != "connection refused" {
		t.Errorf("h6: %v", res[5].Err)
	}
	for _, h := range c.Hosts[:5] {
		if lines[h] != 10 {
			t.Errorf("%s: %d stdout lines, want 10", h, lines[h])
		}
	}
	checkProgress(t, seen, 3)
	first, last := seen[0], seen[len(seen)-1]
	if first.Left() != 6 || first.Done() != 0 {
		t.Errorf("first progress %+v", first)
	}
	if last.OK != 4 || last.Failed != 2 || last.InFlight != 0 || last.Left() != 0 || last.Percent() != 100 {
		t.Errorf("last progress %+v", last)
	}
	if want := "sync-apaches: 100% (in-flight: 0; ok: 4; fail: 2; left: 0)"; last.String() != want {
		t.Errorf("progress line %q, want %q", last.String(), want)
	}
	if len(streamed) != 6 {
		t.Errorf("OnResult saw %v", streamed)
	}
}

// With one host at a time and a failure limit of 2, the hosts after the
// second failure never start.
func TestFanOutFailureLimit(t *testing.T) {
	c := sshtest.Start(t, 5)
	pool := c.Pool()
	execs, _ := pool.GetAll(c.Hosts)
	var last remote.Progress
	res := remote.FanOut(context.Background(), execs, remote.Command{Cmd: failOn(c.Ports[1], c.Ports[2])},
		remote.FanOutOptions{Concurrency: 1, MaxFailures: 2, OnProgress: func(p remote.Progress) { last = p }})
	var got []string
	for _, hr := range res {
		switch {
		case hr.Skipped:
			got = append(got, "skipped")
		case hr.Failed():
			got = append(got, "failed")
		default:
			got = append(got, "ok")
		}
	}
	if strings.Join(got, " ") != "ok failed failed skipped skipped" {
		t.Errorf("outcomes %v", got)
	}
	if last.OK != 1 || last.Failed != 2 || last.InFlight != 0 || last.Left() != 2 {
		t.Errorf("last progress %+v", last)
	}
	if c.Logins(3) != 0 || c.Logins(4) != 0 {
		t.Error("a skipped host was connected to")
	}
}

func TestFanOutCancel(t *testing.T) {
	c := sshtest.Start(t, 4)
	pool := c.Pool()
	execs, _ := pool.GetAll(c.Hosts)
	ctx, cancel := context.WithCancel(context.Background())
	started := 0
	res := remote.FanOut(ctx, execs, remote.Command{Cmd: "echo started; sleep 60", OnLine: func(l remote.Line) {
		if started++; started == 2 {
			cancel()
		}
	}}, remote.FanOutOptions{Concurrency: 2})
	for i, hr := range res {
		if !hr.Failed() || !errors.Is(hr.Err, context.Canceled) {
			t.Errorf("host %d: %+v", i, hr)
		}
	}
	if !res[2].Skipped || !res[3].Skipped || res[0].Skipped {
		t.Errorf("skipped: %v %v %v", res[0].Skipped, res[2].Skipped, res[3].Skipped)
	}
}

// FanOut works over any Executor: here the local one.
func TestFanOutLocal(t *testing.T) {
	execs := []remote.Executor{&remote.Local{Name: "a"}, &remote.Local{Name: "b"}}
	res := remote.FanOut(context.Background(), execs, remote.Command{Cmd: "echo hi", Keep: true}, remote.FanOutOptions{})
	for _, hr := range res {
		if hr.Failed() || string(hr.Result.Stdout) != "hi\n" {
			t.Errorf("%+v", hr)
		}
	}
}

// TestFanOutCloseEach: with CloseEach, no more connections are open at once
// than the concurrency, and none is left open at the end; without it, every
// host's connection stays for the next command.
func TestFanOutCloseEach(t *testing.T) {
	c := sshtest.Start(t, 8, sshtest.PortsPerSSHD(8))
	pool := c.Pool()
	execs, err := pool.GetAll(c.Hosts)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	most := 0
	cmd := remote.Command{Cmd: "true"}
	res := remote.FanOut(context.Background(), execs, cmd, remote.FanOutOptions{Concurrency: 2, CloseEach: true,
		OnProgress: func(remote.Progress) {
			mu.Lock()
			most = max(most, pool.Stats().Open)
			mu.Unlock()
		}})
	for _, r := range res {
		if r.Failed() {
			t.Fatalf("%s: %v %+v", r.Host, r.Err, r.Result)
		}
	}
	if s := pool.Stats(); s.Open != 0 || s.Dials != 8 || most > 2 {
		t.Errorf("CloseEach: stats %+v, at most %d open at once; want 0 open, 8 dials, at most 2 at once", s, most)
	}
	remote.FanOut(context.Background(), execs, cmd, remote.FanOutOptions{Concurrency: 2})
	if s := pool.Stats(); s.Open != 8 || s.Dials != 16 {
		t.Errorf("without CloseEach: stats %+v, want 8 open, 16 dials", s)
	}
}
