package runbooks

import (
	"sync"
	"time"

	"porthole/remote"
	"porthole/runbooks/journal"
)

// progressEvery is how often a step's progress is journaled at most (the
// Events channel gets every update); a finished or failing host always is.
const progressEvery = time.Second

// eventQueue is an unbounded FIFO in front of the Events channel, so a slow
// reader never stalls a command's output (and thus the remote host).
type eventQueue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	items  []Event
	closed bool
	out    chan Event
}

func newEventQueue() *eventQueue {
	q := &eventQueue{out: make(chan Event, 64)}
	q.cond = sync.NewCond(&q.mu)
	go q.pump()
	return q
}

func (q *eventQueue) push(e Event) {
	q.mu.Lock()
	if !q.closed {
		q.items = append(q.items, e)
		q.cond.Signal()
	}
	q.mu.Unlock()
}

// close lets the pump deliver what is queued, then close the channel.
func (q *eventQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Signal()
	q.mu.Unlock()
}

func (q *eventQueue) pump() {
	for {
		q.mu.Lock()
		for len(q.items) == 0 && !q.closed {
			q.cond.Wait()
		}
		if len(q.items) == 0 {
			q.mu.Unlock()
			close(q.out)
			return
		}
		e := q.items[0]
		q.items[0] = nil
		q.items = q.items[1:]
		q.mu.Unlock()
		q.out <- e
	}
}

// progressMark is the last progress journaled for a step.
type progressMark struct {
	last      remote.Progress // last reported
	journaled remote.Progress
	at        time.Time
	pending   bool // last reported is newer than journaled
}

// emit journals a step's event (output, progress, note, variable, command)
// and queues it for the Events channel.
func (r *Runner) emit(e Event) {
	switch ev := e.(type) {
	case StepOutput:
		at := ev.Line.Time
		r.journal(journal.Record{Type: journal.RecOutput, At: at, Step: ev.StepID, Host: ev.Line.Host,
			Stream: ev.Line.Stream.String(), Text: ev.Line.Text}, false)
	case StepProgress:
		r.journalProgress(ev.StepID, ev.Progress, false)
	case StepNote:
		r.journal(journal.Record{Type: journal.RecNote, Step: ev.StepID, Level: ev.Level.Name(), Text: ev.Text}, true)
	case FactsLearned:
		r.journal(journal.Record{Type: journal.RecFacts, Step: ev.StepID, Facts: ev.Facts}, true)
	case CommandRun:
		rec := journal.Record{Type: journal.RecCommand, Step: ev.StepID, Host: ev.Result.Host, Cmd: ev.Result.Cmd,
			DurationMS: ev.Result.Duration.Milliseconds()}
		if !ev.Result.Started.IsZero() {
			rec.At = ev.Result.Started.Add(ev.Result.Duration)
		}
		exit := ev.Result.ExitCode
		rec.Exit = &exit
		if ev.Err != nil {
			rec.Error = ev.Err.Error()
		}
		r.journal(rec, true)
	}
	r.q.push(e)
}

// journalProgress journals p when it matters (first, a failure, the end) or
// when progressEvery has passed; flush journals the last value if it was held back.
func (r *Runner) journalProgress(step string, p remote.Progress, flush bool) {
	r.progMu.Lock()
	m, ok := r.progress[step]
	if !flush {
		m.last, m.pending = p, true
	}
	now := r.now()
	write := m.pending && (flush || !ok || p.Failed != m.journaled.Failed || p.Done() == p.Total ||
		now.Sub(m.at) >= progressEvery)
	if write {
		m.journaled, m.at, m.pending = m.last, now, false
	}
	r.progress[step] = m
	r.progMu.Unlock()
	if write {
		r.journal(journal.Record{Type: journal.RecProgress, Step: step, Progress: m.journaled.String()}, false)
	}
}

// flushProgress journals a step's last progress if it was held back.
func (r *Runner) flushProgress(step string) {
	r.progMu.Lock()
	m, ok := r.progress[step]
	r.progMu.Unlock()
	if ok && m.pending {
		r.journalProgress(step, m.last, true)
	}
}

// journal appends to the journal, if there is one.
func (r *Runner) journal(rec journal.Record, durable bool) {
	if r.j == nil {
		return
	}
	if rec.At.IsZero() {
		rec.At = r.now()
	}
	_ = r.j.Append(rec, durable) // a failure is kept in j.Err; the runner stops before the next step
}
