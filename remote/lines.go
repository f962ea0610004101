package remote

import (
	"bytes"
	"sync"
	"time"
)

// lineWriter cuts a byte stream into lines and hands each to a callback;
// it is an io.Writer for a session's or process's stdout or stderr.
type lineWriter struct {
	mu      sync.Mutex
	host    string
	stream  Stream
	onLine  func(Line)
	onOut   func(host string, s Stream, p []byte)
	keep    *bytes.Buffer
	buf     []byte
	cr      bool   // a terminal's output: \r ends a line too (\r\n once), empty lines dropped
	first   []byte // the stream's first line, kept whatever onLine and keep are (up to maxFirst bytes)
	firstOK bool   // first is complete (or too long to keep)
}

// maxFirst bounds what a lineWriter keeps of its first line.
const maxFirst = 8192

func newLineWriter(host string, s Stream, cmd Command, onLine func(Line), keep *bytes.Buffer) *lineWriter {
	return &lineWriter{host: host, stream: s, onLine: onLine, onOut: cmd.OnOutput, keep: keep}
}

// Write keeps p (with Keep), hands it to OnOutput and every complete line to onLine.
func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.keepFirst(p)
	if w.keep != nil {
		w.keep.Write(p)
	}
	if w.onOut != nil {
		w.onOut(w.host, w.stream, p)
	}
	if w.onLine == nil {
		return len(p), nil
	}
	w.buf = append(w.buf, p...)
	for {
		i, n := lineEnd(w.buf, w.cr)
		if i < 0 {
			break
		}
		if !w.cr || i > 0 {
			w.emit(w.buf[:i])
		}
		w.buf = w.buf[i+n:]
	}
	return len(p), nil
}

// keepFirst adds p to the first line while it is not complete.
func (w *lineWriter) keepFirst(p []byte) {
	if w.firstOK {
		return
	}
	if i := bytes.IndexByte(p, '\n'); i >= 0 {
		p, w.firstOK = p[:i], true
	}
	if len(w.first)+len(p) > maxFirst {
		w.first, w.firstOK = nil, true
		return
	}
	w.first = append(w.first, p...)
}

// firstLine is the stream's first line (so far), without its line end.
func (w *lineWriter) firstLine() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(bytes.TrimSuffix(w.first, []byte{'\r'}))
}

// Flush emits a last line that had no newline.
func (w *lineWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 && w.onLine != nil {
		w.emit(w.buf)
		w.buf = nil
	}
}

func (w *lineWriter) emit(b []byte) {
	b = bytes.TrimSuffix(b, []byte{'\r'})
	w.onLine(Line{Host: w.host, Stream: w.stream, Text: string(b), Time: time.Now()})
}

// serialized wraps f so that calls from the stdout and stderr copiers (or
// from many hosts) never overlap; nil stays nil.
func serialized(f func(Line)) func(Line) {
	if f == nil {
		return nil
	}
	var mu sync.Mutex
	return func(l Line) {
		mu.Lock()
		defer mu.Unlock()
		f(l)
	}
}
