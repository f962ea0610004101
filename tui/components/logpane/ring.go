package logpane

import "time"

// EntryKind tells output from commands and notes.
type EntryKind uint8

// Kinds of log entries.
const (
	Output  EntryKind = iota // a line on stdout
	Stderr                   // a line on stderr
	Command                  // "$ cmd" as it was run
	Note                     // a check's finding or a status line
)

// Level is how much a note matters.
type Level uint8

// Levels of notes.
const (
	Info   Level = iota // ℹ
	Warn                // ⚠
	Danger              // ✖
)

// Entry is one line of a step's log.
type Entry struct {
	Time  time.Time
	Host  string
	Kind  EntryKind
	Level Level // for notes
	Text  string
}

// ring keeps the last cap entries.
type ring struct {
	buf     []Entry
	start   int
	n       int
	dropped int // how many older entries were forgotten
}

func newRing(capacity int) *ring {
	return &ring{buf: make([]Entry, 0, min(capacity, 256)), n: 0, start: 0}
}

func (r *ring) push(e Entry, limit int) {
	if len(r.buf) < limit {
		r.buf = append(r.buf, e)
		r.n = len(r.buf)
		return
	}
	r.buf[r.start] = e
	r.start = (r.start + 1) % len(r.buf)
	r.dropped++
}

func (r *ring) len() int { return r.n }

// at returns the i-th entry, oldest first.
func (r *ring) at(i int) Entry { return r.buf[(r.start+i)%len(r.buf)] }
