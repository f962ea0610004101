package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Journal is a window's append-only JSONL record, one file per window under
// <state dir>/windows/. Records that change what is known about the window
// (step start and end, commands, gates, variables, notes) are fsynced before
// the call returns; output and progress lines are written at once (so a
// kill -9 loses none of them) and fsynced in the background by group commit,
// never later than the next durable record.
type Journal struct {
	path string
	id   string

	mu      sync.Mutex
	f       *os.File
	seq     int64
	written int64 // last seq written
	synced  int64 // last seq fsynced
	err     error // first write or sync error; the runner stops on it
	red     *Redactor
	resumed bool // the file held records when opened
	closed  bool
	lock    *windowLock

	kick chan struct{}
	done chan struct{}
}

// WindowsDir is the directory of journals under a state dir.
func WindowsDir(stateDir string) string { return filepath.Join(stateDir, "windows") }

// Header names the window a journal is for.
type Header struct {
	ID   string // the window id, also the file's name; "" to generate one
	Kind string // "backport", "revert", "namespaceDupes", …
}

// Open opens the journal of h's window, <dir>/windows/<h.ID>.jsonl (dir
// 0700, file 0600), creating it, or appending to it when the window is being
// resumed. A header with no ID gets one from the time and its kind (ID tells
// which).
func Open(dir string, h Header) (*Journal, error) {
	generated := h.ID == ""
	if generated {
		h.ID = NewWindowID(h.Kind, time.Now())
	}
	if err := validWindowID(h.ID); err != nil {
		return nil, err
	}
	wdir := WindowsDir(dir)
	if err := os.MkdirAll(wdir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the journal directory: %w", err)
	}
	_ = os.Chmod(wdir, 0o700) // ours; the state dir itself may be the deployer's choice, left alone
	flags := os.O_RDWR | os.O_CREATE | os.O_APPEND
	if generated {
		flags |= os.O_EXCL
	}
	base := h.ID
	path := filepath.Join(wdir, h.ID+".jsonl")
	f, err := os.OpenFile(path, flags, 0o600)
	for n := 2; generated && errors.Is(err, os.ErrExist) && n < 100; n++ {
		h.ID = fmt.Sprintf("%s-%d", base, n) // two windows of a kind in one second
		path = filepath.Join(wdir, h.ID+".jsonl")
		f, err = os.OpenFile(path, flags, 0o600)
	}
	if err != nil {
		return nil, fmt.Errorf("opening the journal: %w", err)
	}
	lock, err := lockWindow(wdir, h.ID)
	if err != nil {
		f.Close()
		return nil, err
	}
	j := &Journal{path: path, id: h.ID, f: f, lock: lock, kick: make(chan struct{}, 1), done: make(chan struct{})}
	if err := j.recover(); err != nil {
		f.Close()
		lock.release()
		return nil, err
	}
	go j.flusher()
	return j, nil
}

// recover positions an existing journal for appending: it finds the last
// sequence number and ends a torn last line, so the next record starts clean.
func (j *Journal) recover() error {
	st, err := j.f.Stat()
	if err != nil {
		return fmt.Errorf("reading the journal: %w", err)
	}
	if st.Size() == 0 {
		return nil
	}
	j.resumed = true
	data, err := io.ReadAll(io.NewSectionReader(j.f, 0, st.Size()))
	if err != nil {
		return fmt.Errorf("reading the journal: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		var r struct {
			Seq int64 `json:"seq"`
		}
		if json.Unmarshal([]byte(line), &r) == nil && r.Seq > j.seq {
			j.seq = r.Seq
		}
	}
	if data[len(data)-1] != '\n' {
		if _, err := j.f.Write([]byte("\n")); err != nil {
			return fmt.Errorf("ending the journal's torn last line: %w", err)
		}
	}
	j.written, j.synced = j.seq, j.seq
	return nil
}

// NewWindowID makes a window id that sorts by time: 20260102-150405-backport.
func NewWindowID(kind string, t time.Time) string {
	k := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, kind)
	if k == "" {
		k = "window"
	}
	return t.UTC().Format("20060102-150405") + "-" + k
}

func validWindowID(id string) error {
	if id == "" || id == "." || id == ".." || strings.ContainsAny(id, "/\\\x00") || strings.HasPrefix(id, ".") {
		return fmt.Errorf("window id %q cannot name a journal file: use letters, digits, - and _", id)
	}
	return nil
}

// Path is the journal file.
func (j *Journal) Path() string { return j.path }

// ID is the window id.
func (j *Journal) ID() string { return j.id }

// Resumed is true when the journal already held records when opened.
func (j *Journal) Resumed() bool { return j.resumed }

// SetRedactor sets what blanks secrets from every journaled text; the
// runner sets one built from its Env's config when none was set.
func (j *Journal) SetRedactor(r *Redactor) {
	j.mu.Lock()
	j.red = r
	j.mu.Unlock()
}

// Redactor is what blanks secrets from journaled text (nil until one is set).
func (j *Journal) Redactor() *Redactor {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.red
}

// Err is the first write or sync error, if any.
func (j *Journal) Err() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.err
}

// Append writes rec (its Seq is set here, and At when zero). With durable,
// it returns only once the record is fsynced. Text fields are redacted.
func (j *Journal) Append(rec Record, durable bool) error {
	if j == nil {
		return nil
	}
	j.redact(&rec)
	if rec.At.IsZero() {
		rec.At = time.Now()
	}
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return errors.New("journal is closed")
	}
	j.seq++
	rec.Seq = j.seq
	line, err := json.Marshal(rec)
	if err != nil {
		j.seq--
		j.mu.Unlock()
		return fmt.Errorf("encoding a journal record: %w", err)
	}
	line = append(line, '\n')
	if _, err := j.f.Write(line); err != nil {
		if j.err == nil {
			j.err = fmt.Errorf("writing the journal %s: %w", j.path, err)
		}
		err = j.err
		j.mu.Unlock()
		return err
	}
	j.written = rec.Seq
	if !durable {
		select { // under mu: Close closes kick under mu too
		case j.kick <- struct{}{}:
		default:
		}
		j.mu.Unlock()
		return nil
	}
	j.mu.Unlock()
	return j.syncTo(rec.Seq)
}

// syncTo fsyncs the file unless a sync already covered seq.
func (j *Journal) syncTo(seq int64) error {
	j.mu.Lock()
	if j.synced >= seq {
		err := j.err
		j.mu.Unlock()
		return err
	}
	upTo := j.written
	f := j.f
	j.mu.Unlock()
	err := f.Sync()
	j.mu.Lock()
	defer j.mu.Unlock()
	if err != nil {
		if j.err == nil {
			j.err = fmt.Errorf("syncing the journal %s: %w", j.path, err)
		}
		return j.err
	}
	if upTo > j.synced {
		j.synced = upTo
	}
	return j.err
}

// flusher fsyncs output written without waiting; while one fsync runs, more
// lines are written, and the next fsync covers them all (group commit).
func (j *Journal) flusher() {
	defer close(j.done)
	for range j.kick {
		j.mu.Lock()
		seq, closed := j.written, j.closed
		j.mu.Unlock()
		if closed {
			return
		}
		_ = j.syncTo(seq)
	}
}

// Sync fsyncs everything written so far.
func (j *Journal) Sync() error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	seq := j.written
	j.mu.Unlock()
	return j.syncTo(seq)
}

// Close fsyncs and closes the journal.
func (j *Journal) Close() error {
	if j == nil {
		return nil
	}
	err := j.Sync()
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return err
	}
	j.closed = true
	close(j.kick)
	j.mu.Unlock()
	<-j.done
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	j.lock.release()
	return err
}

// redact blanks secrets from every free-text field of rec.
func (j *Journal) redact(rec *Record) {
	r := j.Redactor()
	rd := func(s string) string { return r.Redact(s) }
	rec.Title = rd(rec.Title)
	rec.Text = rd(rec.Text)
	rec.Cmd = rd(rec.Cmd)
	if rec.Facts != nil {
		rec.Facts.SAL = rd(rec.Facts.SAL)
		for _, run := range rec.Facts.Runs {
			run.Outcome = rd(run.Outcome)
		}
	}
	rec.Error = rd(rec.Error)
	rec.Params = r.RedactMap(rec.Params)
	if rec.Gate != nil {
		g := *rec.Gate
		g.Prompt, g.Detail = rd(g.Prompt), rd(g.Detail)
		rec.Gate = &g
	}
	if len(rec.Steps) > 0 {
		steps := make([]StepSummary, len(rec.Steps))
		for i, s := range rec.Steps {
			s.Title, s.Command, s.Undo = rd(s.Title), rd(s.Command), rd(s.Undo)
			steps[i] = s
		}
		rec.Steps = steps
	}
}
