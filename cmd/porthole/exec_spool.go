package main

import (
	"fmt"
	"io"
	"os"
)

// execHoldMem is how many bytes of waiting hosts' output porthole exec keeps
// in memory before spooling it to a temporary file (tests lower it).
var execHoldMem = 8 << 20

// heldOutput is one waiting host's stdout [0] and stderr [1]: the parts
// spooled to the file, in order, then the newer tail still in memory.
type heldOutput struct {
	segs [2][]spoolSeg
	mem  [2][]byte
}

// spoolSeg is a run of bytes in the spool file.
type spoolSeg struct{ off, n int64 }

// heldFor is the output held for a host that waits for the hosts before it.
func (o *execOutput) heldFor(host string) *heldOutput {
	h := o.held[host]
	if h == nil {
		h = &heldOutput{}
		o.held[host] = h
	}
	return h
}

// grewLocked counts n more bytes held in memory, and spools every host's
// held bytes when they pass the limit.
func (o *execOutput) grewLocked(n int) {
	o.heldBytes += n
	if o.heldBytes > o.holdLimit {
		o.spillLocked()
	}
}

// spillLocked moves the held bytes in memory to the spool file: the waiting
// hosts', host after host in the order named, then those gathered for -b;
// when the file cannot be made or written, what is left stays in memory
// (said once on stderr).
func (o *execOutput) spillLocked() {
	if !o.openSpoolLocked() {
		return
	}
	for _, host := range o.order[o.head:] {
		if !o.spillHeldLocked(o.held[host]) {
			return
		}
	}
	o.spillGatheredLocked()
}

// openSpoolLocked makes the spool file on the first spill; false when it
// cannot be made (or was not written before).
func (o *execOutput) openSpoolLocked() bool {
	if o.spoolErr != nil {
		return false
	}
	if o.spool == nil {
		f, err := os.CreateTemp("", "porthole-exec-*.spool")
		if err != nil {
			o.spoolFailedLocked(err)
			return false
		}
		_ = os.Remove(f.Name()) // unlinked: gone when porthole ends, however it ends
		o.spool = f
	}
	return true
}

// spillHeldLocked appends h's bytes in memory (nil: none) to the spool
// file; false when the file could not be written.
func (o *execOutput) spillHeldLocked(h *heldOutput) bool {
	if h == nil {
		return true
	}
	for stream := range h.mem {
		b := h.mem[stream]
		if len(b) == 0 {
			continue
		}
		n, err := o.spool.WriteAt(b, o.spoolEnd)
		if err != nil {
			o.spoolEnd += int64(n)
			o.spoolFailedLocked(err)
			return false
		}
		h.segs[stream] = append(h.segs[stream], spoolSeg{off: o.spoolEnd, n: int64(n)})
		o.spoolEnd += int64(n)
		o.heldBytes -= len(b)
		h.mem[stream] = nil // let the memory go
	}
	return true
}

func (o *execOutput) spoolFailedLocked(err error) {
	o.spoolErr = err
	o.writeBufsLocked(false)
	fmt.Fprintf(o.err, "porthole: cannot spool the waiting hosts' output (%v): keeping it in memory\n", err)
}

// releaseLocked lets a host's held output out, in order: what came before
// it, then its spooled parts, then its tail in memory.
func (o *execOutput) releaseLocked(h *heldOutput) {
	if len(h.segs[0]) > 0 || len(h.segs[1]) > 0 {
		o.writeBufsLocked(false)
		o.copySpooledLocked(o.out, h, 0)
		o.copySpooledLocked(o.err, h, 1)
	}
	o.obuf = append(o.obuf, h.mem[0]...)
	o.ebuf = append(o.ebuf, h.mem[1]...)
	o.heldBytes -= len(h.mem[0]) + len(h.mem[1])
}

// copySpooledLocked writes the spooled parts of h's stream to w, in order.
func (o *execOutput) copySpooledLocked(w io.Writer, h *heldOutput, stream int) {
	for _, s := range h.segs[stream] {
		if _, err := io.Copy(w, io.NewSectionReader(o.spool, s.off, s.n)); err != nil {
			fmt.Fprintf(o.err, "porthole: lost part of a host's output reading it back from the spool: %v\n", err)
		}
	}
}

// dropLocked lets go of h's stream, in memory and in the spool (whose
// bytes stay in the file, unread).
func (o *execOutput) dropLocked(h *heldOutput, stream int) {
	o.heldBytes -= len(h.mem[stream])
	h.mem[stream], h.segs[stream] = nil, nil
}

// writeBufsLocked writes the buffered lines, clearing a progress line drawn
// on the terminal first (or when final).
func (o *execOutput) writeBufsLocked(final bool) {
	if o.tty && o.progShown && (len(o.obuf) > 0 || len(o.ebuf) > 0 || final) {
		io.WriteString(o.err, "\r\033[K")
		o.progShown = false
	}
	if len(o.ebuf) > 0 {
		o.err.Write(o.ebuf)
		o.ebuf = o.ebuf[:0]
	}
	if len(o.obuf) > 0 {
		o.out.Write(o.obuf)
		o.obuf = o.obuf[:0]
	}
}

// closeSpoolLocked closes the spool file (idempotent).
func (o *execOutput) closeSpoolLocked() {
	if o.spool != nil {
		_ = o.spool.Close()
		o.spool = nil
	}
}
