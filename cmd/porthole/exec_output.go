package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"porthole/remote"
)

// execOutput prints porthole exec's host-prefixed lines, host errors and
// progress, host after host in the order the hosts were named: the first
// unfinished host's lines go out as they come, the others' wait until every
// host before them has finished. What waits is kept in memory up to
// holdLimit bytes in all, then spooled to an unlinked temporary file (see
// exec_spool.go), so memory stays bounded whatever the hosts print. Lines
// are buffered and written every tick (or when the buffer grows big), so
// 100 hosts × 2000 lines cost a few writes, not 200,000; on a terminal the
// progress line is cleared before output and redrawn after.
type execOutput struct {
	mu       sync.Mutex
	out, err io.Writer
	obuf     []byte
	ebuf     []byte

	order []string               // the hosts, as named
	head  int                    // order[head] is the host whose lines go out now
	held  map[string]*heldOutput // stdout and stderr of the hosts after head
	ended map[string]bool        // hosts that have finished

	heldBytes int      // bytes of held output in memory
	holdLimit int      // past it, held output is spooled to a file
	spool     *os.File // nil until the first spill
	spoolEnd  int64
	spoolErr  error // the spool could not be written: held output stays in memory

	gather *gatherState // -b: the outputs, one copy of each (exec_gather.go)

	showProgress bool
	tty          bool // err is a terminal: redraw one progress line in place
	prog         remote.Progress
	progDirty    bool
	progShown    bool // a progress line is on screen (tty)
	lastProg     time.Time

	stop chan struct{}
	done chan struct{}
}

const (
	execFlushEvery   = 100 * time.Millisecond
	execFlushBytes   = 1 << 20
	execProgressPipe = time.Second // a progress line at most this often when not on a terminal
)

func newExecOutput(out, errw io.Writer, progress bool, hosts []string) *execOutput {
	o := &execOutput{out: out, err: errw, showProgress: progress, tty: isTerminal(errw),
		order: hosts, held: map[string]*heldOutput{}, ended: map[string]bool{}, holdLimit: execHoldMem,
		gather: newGatherState(), stop: make(chan struct{}), done: make(chan struct{})}
	go o.ticker()
	return o
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (o *execOutput) ticker() {
	defer close(o.done)
	t := time.NewTicker(execFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-o.stop:
			return
		case <-t.C:
			o.mu.Lock()
			o.flushLocked(false)
			o.mu.Unlock()
		}
	}
}

// line takes one output line of a host (remote.Command.OnLine).
func (o *execOutput) line(l remote.Line) {
	o.mu.Lock()
	defer o.mu.Unlock()
	stream := streamIndex(l.Stream)
	switch {
	case o.head < len(o.order) && o.order[o.head] != l.Host:
		h := o.heldFor(l.Host)
		n := len(h.mem[stream])
		h.mem[stream] = appendLine(h.mem[stream], l.Host, l.Text)
		o.grewLocked(len(h.mem[stream]) - n)
	case stream == 1:
		o.ebuf = appendLine(o.ebuf, l.Host, l.Text)
	default:
		o.obuf = appendLine(o.obuf, l.Host, l.Text)
	}
	if len(o.obuf)+len(o.ebuf) > execFlushBytes {
		o.flushLocked(false)
	}
}

func appendLine(b []byte, host, text string) []byte {
	b = append(b, host...)
	b = append(b, ": "...)
	b = append(b, text...)
	return append(b, '\n')
}

// result reports a host that could not run the command (remote.FanOutOptions.OnResult).
func (o *execOutput) result(hr remote.HostResult) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if hr.Err != nil && !hr.Skipped {
		h := o.heldFor(hr.Host)
		msg := fmt.Sprintf("porthole: %s: %v\n", hr.Host, hr.Err)
		h.mem[1] = append(h.mem[1], msg...)
		o.grewLocked(len(msg))
	}
	o.endGatherLocked(hr.Host)
	o.ended[hr.Host] = true
	o.advanceLocked()
}

// advanceLocked lets the held lines out, host after host, up to the first
// host that has not finished.
func (o *execOutput) advanceLocked() {
	for o.head < len(o.order) {
		h := o.order[o.head]
		if b := o.held[h]; b != nil {
			o.releaseLocked(b)
			delete(o.held, h)
		}
		if !o.ended[h] {
			return
		}
		o.head++
	}
}

// setProgress takes a fan-out progress value (remote.FanOutOptions.OnProgress).
func (o *execOutput) setProgress(p remote.Progress) {
	if !o.showProgress {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.prog, o.progDirty = p, true
}

func (o *execOutput) progressText() string {
	return time.Now().Format("15:04:05") + " " + o.prog.String()
}

// flushLocked writes buffered lines and the progress; final forces the last progress line.
func (o *execOutput) flushLocked(final bool) {
	o.writeBufsLocked(final)
	if !o.showProgress || o.prog.Total == 0 {
		return
	}
	switch {
	case final:
		io.WriteString(o.err, o.progressText()+"\n")
	case o.tty && (o.progDirty || !o.progShown):
		io.WriteString(o.err, "\r\033[K"+o.progressText())
		o.progShown, o.progDirty = true, false
	case !o.tty && o.progDirty && time.Since(o.lastProg) >= execProgressPipe:
		io.WriteString(o.err, o.progressText()+"\n")
		o.progDirty, o.lastProg = false, time.Now()
	}
}

// finish stops the ticker and writes everything left, with the final
// progress line (the spool stays open for writeGathered until close).
func (o *execOutput) finish() {
	o.stopTicker()
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, h := range o.order { // interrupted: whatever is held, in order
		o.ended[h] = true
	}
	o.advanceLocked()
	o.flushLocked(true)
	o.showProgress = false
}

// close stops the ticker and drops the spool (idempotent).
func (o *execOutput) close() {
	o.stopTicker()
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closeSpoolLocked()
}

// stopTicker stops the ticker (idempotent).
func (o *execOutput) stopTicker() {
	select {
	case <-o.stop:
	default:
		close(o.stop)
	}
	<-o.done
}
