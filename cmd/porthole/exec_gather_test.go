package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"porthole/remote"
	"porthole/remote/sshtest"
)

// gatheredBefore is porthole exec -b's printing before outputs were
// digested as they arrive: every host's whole output kept (Command.Keep)
// and compared as is. The tests check the digesting code against it.
func gatheredBefore(out, errw io.Writer, results []remote.HostResult) {
	gatherBefore(out, results, func(r remote.Result) []byte { return r.Stdout }, "")
	gatherBefore(errw, results, func(r remote.Result) []byte { return r.Stderr }, " stderr")
}

func gatherBefore(w io.Writer, results []remote.HostResult, pick func(remote.Result) []byte, label string) {
	type group struct {
		hosts []string
		text  []byte
	}
	var groups []*group
	byText := map[string]*group{}
	for _, r := range results {
		text := pick(r.Result)
		if len(text) == 0 {
			continue
		}
		g := byText[string(text)]
		if g == nil {
			g = &group{text: text}
			byText[string(text)] = g
			groups = append(groups, g)
		}
		g.hosts = append(g.hosts, r.Host)
	}
	var b bytes.Buffer
	for _, g := range groups {
		fmt.Fprintf(&b, "---------------\n%s (%d)%s\n---------------\n", remote.FoldHosts(g.hosts), len(g.hosts), label)
		b.Write(g.text)
		if g.text[len(g.text)-1] != '\n' {
			b.WriteByte('\n')
		}
	}
	w.Write(b.Bytes())
}

// TestExecGatheredAsBefore: porthole exec -b against real sshd hosts prints
// what the whole outputs kept and compared printed, byte for byte, for
// identical, different, empty and large outputs (some differing only in
// their last byte or line end), stderr and a failing host, with every
// output in memory and with a 4 KiB limit that spools them.
func TestExecGatheredAsBefore(t *testing.T) {
	c := sshtest.Start(t, 5)
	on := func(i int, then string) string { // a case for Hosts[i] alone
		return fmt.Sprintf(`*" %d") %s;; `, c.Ports[i], then)
	}
	big := `head -c 300000 /dev/zero | base64`
	cases := map[string]string{
		"identical": `echo same; echo lines`,
		"different": `echo "${SSH_CONNECTION##* }"`,
		"empty":     `case "$SSH_CONNECTION" in ` + on(0, ":") + on(3, "echo one") + `*) echo warn >&2;; esac`,
		"large": big + `; case "$SSH_CONNECTION" in ` + on(1, "printf x") + on(2, "printf 'x\\n'") +
			on(3, "exit 3") + `esac`,
		"line ends": `case "$SSH_CONNECTION" in ` + on(0, `printf 'a\r\n'`) + on(1, "printf a") +
			on(4, `printf 'a\n'; printf 'b\0' >&2`) + `*) printf 'a\n';; esac`,
	}
	pool := c.Pool()
	defer pool.Close()
	execs := make([]remote.Executor, len(c.Hosts))
	for i, h := range c.Hosts {
		execs[i] = get(t, pool, h)
	}
	old := execHoldMem
	t.Cleanup(func() { execHoldMem = old })
	for name, cmd := range cases {
		kept := remote.FanOut(context.Background(), execs, remote.Command{Cmd: cmd, Keep: true}, remote.FanOutOptions{})
		var wantOut, wantErr bytes.Buffer
		gatheredBefore(&wantOut, &wantErr, kept)
		for _, limit := range []int{old, 4096} {
			execHoldMem = limit
			out, errOut, _ := runExecArgs(t, append(clusterArgs(c), "-b", "-H", "h[1-5]", "--", cmd)...)
			if out != wantOut.String() {
				t.Errorf("%s, limit %d: stdout (%d bytes) differs from before (%d bytes):\n%.600s\nwant:\n%.600s",
					name, limit, len(out), wantOut.Len(), out, wantOut.String())
			}
			if errOut != wantErr.String() {
				t.Errorf("%s, limit %d: stderr:\n%q\nwant:\n%q", name, limit, errOut, wantErr.String())
			}
		}
	}
}

func get(t *testing.T, p *remote.Pool, host string) remote.Executor {
	t.Helper()
	ex, err := p.Get(host)
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

// feedGather plays 20 hosts through an execOutput under -b, 4 at a time:
// each prints 50 chunks of 1000 bytes, the same on every host but h7's
// last chunk, h3 nothing; the even hosts a warning on stderr. It returns
// stdout, stderr, what the hosts printed (as Keep would have kept it), the
// most bytes held in memory at any time, the bytes held once every host
// ended, and whether anything was spooled.
func feedGather(t *testing.T, limit int) (out, errOut string, kept []remote.HostResult, peak, end int, spooled bool) {
	t.Helper()
	var outb, errb bytes.Buffer
	hosts := make([]string, 20)
	for i := range hosts {
		hosts[i] = fmt.Sprintf("h%d", i+1)
	}
	o := newExecOutput(&outb, &errb, false, hosts)
	defer o.close()
	o.holdLimit = limit
	see := func() {
		o.mu.Lock()
		peak = max(peak, o.heldBytes)
		spooled = spooled || o.spool != nil
		o.mu.Unlock()
	}
	kept = make([]remote.HostResult, len(hosts))
	emit := func(i int, s remote.Stream, p []byte) {
		o.output(hosts[i], s, p)
		see()
		r := &kept[i].Result
		if s == remote.Stdout {
			r.Stdout = append(r.Stdout, p...)
		} else {
			r.Stderr = append(r.Stderr, p...)
		}
	}
	for start := 0; start < len(hosts); start += 4 {
		for c := 0; c < 50; c++ {
			for i := start; i < start+4; i++ {
				chunk := bytes.Repeat([]byte{byte('a' + c%26)}, 999)
				if hosts[i] == "h7" && c == 49 {
					chunk[500] = '!'
				}
				if hosts[i] != "h3" {
					emit(i, remote.Stdout, append(chunk, '\n'))
				}
				if i%2 == 1 && c == 10 {
					emit(i, remote.Stderr, []byte("warn\n"))
				}
			}
		}
		for i := start; i < start+4; i++ {
			kept[i].Host = hosts[i]
			o.result(kept[i])
		}
	}
	see()
	o.mu.Lock()
	end = o.heldBytes
	o.mu.Unlock()
	o.finish()
	o.writeGathered(kept)
	return outb.String(), errb.String(), kept, peak, end, spooled
}

// TestExecGatherHoldsOneCopyOfEachOutput: under -b, 20 hosts that print
// the same 50,000 bytes leave one copy held, not 20 (plus one of the
// output that differs, and one of the warning), and at most the 4 hosts
// running hold theirs meanwhile; past the memory limit, everything held is
// spooled. What is printed is what the whole outputs kept printed.
func TestExecGatherHoldsOneCopyOfEachOutput(t *testing.T) {
	const size = 50 * 1000
	out, errOut, kept, peak, end, spooled := feedGather(t, 1<<20)
	var wantOut, wantErr bytes.Buffer
	gatheredBefore(&wantOut, &wantErr, kept)
	if out != wantOut.String() || errOut != wantErr.String() {
		t.Fatalf("gathered output:\n%.500s\n%s\nwant:\n%.500s\n%s", out, errOut, wantOut.String(), wantErr.String())
	}
	if strings.Count(out, "---------------\n") != 4 {
		t.Fatalf("want two groups of stdout:\n%.500s", out)
	}
	if spooled {
		t.Fatal("spooled under a 1 MiB limit")
	}
	if want := 2*size + len("warn\n"); end != want {
		t.Errorf("%d bytes held once every host ended, want %d: one copy of each distinct output", end, want)
	}
	if most := 4*size + 2*size + 4*len("warn\n"); peak > most {
		t.Errorf("%d bytes held at most, want at most %d (4 hosts running, one copy of each output)", peak, most)
	}

	const limit = 8000
	out, errOut, _, peak, _, spooled = feedGather(t, limit)
	if !spooled {
		t.Fatal("nothing spooled past the limit")
	}
	if peak > limit+1000 { // the limit, plus the chunk that passed it
		t.Errorf("%d bytes held in memory, limit %d", peak, limit)
	}
	if out != wantOut.String() || errOut != wantErr.String() {
		t.Errorf("spooled, the gathered output differs:\n%.500s\n%s", out, errOut)
	}
}
