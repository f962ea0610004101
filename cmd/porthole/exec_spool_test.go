package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"porthole/remote"
	"porthole/remote/sshtest"
)

// feedExec plays three hosts through an execOutput: h1 (named first) is the
// slowest, h2 and h3 print 200 lines each (and h3 some stderr) and end
// while h1 still runs, h2 fails. It returns stdout, stderr, and the most
// bytes held in memory at any time.
func feedExec(t *testing.T, limit int) (string, string, int, bool) {
	t.Helper()
	var out, errb bytes.Buffer
	o := newExecOutput(&out, &errb, false, []string{"h1", "h2", "h3"})
	o.holdLimit = limit
	peak, spooled := 0, false
	see := func() {
		o.mu.Lock()
		peak = max(peak, o.heldBytes)
		spooled = spooled || o.spool != nil
		o.mu.Unlock()
	}
	o.line(remote.Line{Host: "h1", Text: "h1 first"})
	for i := 0; i < 200; i++ {
		o.line(remote.Line{Host: "h3", Text: fmt.Sprintf("line %03d of h3", i)})
		see()
		o.line(remote.Line{Host: "h2", Text: fmt.Sprintf("line %03d of h2", i)})
		see()
		if i%50 == 0 {
			o.line(remote.Line{Host: "h3", Stream: remote.Stderr, Text: fmt.Sprintf("warning %d of h3", i)})
			see()
		}
	}
	o.result(remote.HostResult{Host: "h2", Err: errors.New("exit 3")})
	o.result(remote.HostResult{Host: "h3"})
	see()
	o.mu.Lock()
	o.flushLocked(false)
	o.mu.Unlock()
	if s := out.String(); s != "h1: h1 first\n" {
		t.Fatalf("before h1 ends, stdout has %q: only h1's lines may be out", s)
	}
	o.line(remote.Line{Host: "h1", Text: "h1 last"})
	o.result(remote.HostResult{Host: "h1"})
	o.finish()
	o.close()
	return out.String(), errb.String(), peak, spooled
}

// TestExecSpoolsWaitingHostsPastTheLimit: the waiting hosts' output past
// the memory limit goes to the spool, and what is printed is the same, in
// the same order, as when everything is kept in memory.
func TestExecSpoolsWaitingHostsPastTheLimit(t *testing.T) {
	wantOut, wantErr, bigPeak, spooled := feedExec(t, 1<<20)
	if spooled || bigPeak < 5000 {
		t.Fatalf("with a 1 MiB limit: spooled %v, peak %d bytes held (want all in memory)", spooled, bigPeak)
	}
	var b strings.Builder
	b.WriteString("h1: h1 first\nh1: h1 last\n")
	for _, h := range []string{"h2", "h3"} {
		for i := 0; i < 200; i++ {
			fmt.Fprintf(&b, "%s: line %03d of %s\n", h, i, h)
		}
	}
	if wantOut != b.String() {
		t.Fatalf("stdout (all in memory):\n%s", wantOut)
	}
	if wantErr != "porthole: h2: exit 3\nh3: warning 0 of h3\nh3: warning 50 of h3\nh3: warning 100 of h3\nh3: warning 150 of h3\n" {
		t.Fatalf("stderr (all in memory):\n%s", wantErr)
	}

	const limit = 1000
	out, errOut, peak, spooled := feedExec(t, limit)
	if !spooled {
		t.Fatal("nothing was spooled past the limit")
	}
	if peak > limit+64 { // the limit, plus the line that passed it
		t.Errorf("%d bytes held in memory, limit %d", peak, limit)
	}
	if out != wantOut {
		t.Errorf("spooled stdout differs:\n%s", out)
	}
	if errOut != wantErr {
		t.Errorf("spooled stderr differs:\n%s", errOut)
	}
}

// TestExecSpooledOutputInTheOrderNamed: porthole exec against real sshd
// hosts with a tiny memory limit: the first host named is the slowest, the
// others' 300 lines each wait in the spool, and come out whole, host after
// host in the order named.
func TestExecSpooledOutputInTheOrderNamed(t *testing.T) {
	c := sshtest.Start(t, 3)
	old := execHoldMem
	execHoldMem = 1024
	t.Cleanup(func() { execHoldMem = old })
	cmd := fmt.Sprintf(`case "$SSH_CONNECTION" in *" %d") sleep 0.5;; esac; seq -f 'line %%03g' 300; echo oops >&2`, c.Ports[0])
	out, errOut, err := runExecArgs(t, append(clusterArgs(c), "-H", "h1,h2,h3", "--", cmd)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	var want strings.Builder
	for _, h := range []string{"h1", "h2", "h3"} {
		for i := 1; i <= 300; i++ {
			fmt.Fprintf(&want, "%s: line %03d\n", h, i)
		}
	}
	if out != want.String() {
		t.Errorf("stdout (%d bytes) is not each host's 300 lines in the order named", len(out))
	}
	if want := "h1: oops\nh2: oops\nh3: oops\n"; errOut != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", errOut, want)
	}
}
