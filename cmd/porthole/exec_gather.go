package main

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"

	"porthole/remote"
)

// gatherState is porthole exec -b's: each host's stdout and stderr are
// digested (sha256 of the exact bytes) as they arrive and held as a waiting
// host's output is (in memory up to the limit, then spooled: exec_spool.go).
// When the host ends, its copy of an output is kept only if no host gave
// that output before, so memory holds one copy per distinct output at most,
// plus what is still arriving.
type gatherState struct {
	running  map[string]*gathering
	outputs  map[string][2]*distinct         // hosts that ended: their stdout's and stderr's output (nil: empty)
	distinct map[[sha256.Size]byte]*distinct // by digest (an output on stdout and stderr is one)
	kept     []*heldOutput                   // the copies kept, in the order they were made
}

// gathering is one running host's output under -b.
type gathering struct {
	sum  [2]hash.Hash
	n    [2]int64
	last [2]byte
	held heldOutput
}

// distinct is one output that some hosts gave: stream of held, the copy
// kept, and its last byte.
type distinct struct {
	held   *heldOutput
	stream int
	last   byte
}

func newGatherState() *gatherState {
	return &gatherState{running: map[string]*gathering{}, outputs: map[string][2]*distinct{},
		distinct: map[[sha256.Size]byte]*distinct{}}
}

// streamIndex is the index of s in a heldOutput: 0 for stdout, 1 for stderr.
func streamIndex(s remote.Stream) int {
	if s == remote.Stderr {
		return 1
	}
	return 0
}

// output takes a host's output as it arrives, under -b (remote.Command.OnOutput).
func (o *execOutput) output(host string, s remote.Stream, p []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(p) == 0 || o.ended[host] {
		return
	}
	g := o.gather.running[host]
	if g == nil {
		g = &gathering{sum: [2]hash.Hash{sha256.New(), sha256.New()}}
		o.gather.running[host] = g
	}
	stream := streamIndex(s)
	g.sum[stream].Write(p)
	g.n[stream] += int64(len(p))
	g.last[stream] = p[len(p)-1]
	g.held.mem[stream] = append(g.held.mem[stream], p...)
	o.grewLocked(len(p))
}

// endGatherLocked files a host's output, when it ended, under the outputs
// seen so far: a copy is kept of an output not seen before, dropped otherwise.
func (o *execOutput) endGatherLocked(host string) {
	g := o.gather.running[host]
	if g == nil {
		return
	}
	delete(o.gather.running, host)
	var outs [2]*distinct
	kept := false
	for stream := range g.sum {
		if g.n[stream] == 0 {
			continue
		}
		k := [sha256.Size]byte(g.sum[stream].Sum(nil))
		d := o.gather.distinct[k]
		if d == nil {
			d = &distinct{held: &g.held, stream: stream, last: g.last[stream]}
			o.gather.distinct[k] = d
			kept = true
		} else {
			o.dropLocked(&g.held, stream)
		}
		outs[stream] = d
	}
	if kept {
		o.gather.kept = append(o.gather.kept, &g.held)
	}
	o.gather.outputs[host] = outs
}

// spillGatheredLocked spools what -b holds in memory: the running hosts'
// output, in the order named, then the copies kept.
func (o *execOutput) spillGatheredLocked() {
	for _, host := range o.order {
		if g := o.gather.running[host]; g != nil && !o.spillHeldLocked(&g.held) {
			return
		}
	}
	for _, h := range o.gather.kept {
		if !o.spillHeldLocked(h) {
			return
		}
	}
}

// writeGathered prints each distinct output once under the hosts that gave
// it, clush -b style, in the order the hosts were given; stderr likewise.
func (o *execOutput) writeGathered(results []remote.HostResult) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, h := range o.order { // cut short: what arrived
		o.endGatherLocked(h)
	}
	o.writeGroupsLocked(o.out, results, 0, "")
	o.writeGroupsLocked(o.err, results, 1, " stderr")
}

// writeGroupsLocked writes one stream's groups to w: each distinct output
// under its hosts, in the order of results, with a newline added when it
// lacks one; label follows the host list.
func (o *execOutput) writeGroupsLocked(w io.Writer, results []remote.HostResult, stream int, label string) {
	type group struct {
		hosts []string
		out   *distinct
	}
	var groups []*group
	byOutput := map[*distinct]*group{}
	for _, r := range results {
		d := o.gather.outputs[r.Host][stream]
		if d == nil {
			continue
		}
		g := byOutput[d]
		if g == nil {
			g = &group{out: d}
			byOutput[d] = g
			groups = append(groups, g)
		}
		g.hosts = append(g.hosts, r.Host)
	}
	b := bufio.NewWriterSize(w, 64<<10)
	for _, g := range groups {
		fmt.Fprintf(b, "---------------\n%s (%d)%s\n---------------\n", remote.FoldHosts(g.hosts), len(g.hosts), label)
		o.copySpooledLocked(b, g.out.held, g.out.stream)
		b.Write(g.out.held.mem[g.out.stream])
		if g.out.last != '\n' {
			b.WriteByte('\n')
		}
	}
	b.Flush()
}
