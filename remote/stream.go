package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/ssh"
)

// maxStreamStderr is how much of a stream's stderr is kept for its error.
const maxStreamStderr = 4 << 10

// Stream runs command on the host exactly as given — no shell wrapping, no
// cd or exports, because the other end may not be a shell (Gerrit's SSH
// daemon on port 29418 runs `gerrit stream-events` itself) — and returns its
// standard output to read as it comes. Reading ends with io.EOF when the
// command exits 0, else with an error naming the exit status and the end of
// its stderr (Gerrit's "fatal: …" line); a lost connection ends it too.
// Close, or cancelling ctx, closes the session (the command ends with its
// channel). The session holds one of the host's session slots until closed.
func (h *SSHHost) Stream(ctx context.Context, command string) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case h.ep.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	release := func() { <-h.ep.slots }
	lc, sess, err := h.session(ctx)
	if err != nil {
		release()
		return nil, err
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		sess.Close()
		release()
		return nil, h.sessionErr(lc, err)
	}
	st := &stream{host: h.name, cmd: command, sess: sess, out: stdout, release: release}
	sess.Stderr = &st.stderr
	if err := sess.Start(command); err != nil {
		st.Close()
		return nil, h.sessionErr(lc, err)
	}
	st.stop = context.AfterFunc(ctx, func() { st.Close() })
	return st, nil
}

// stream is a running Stream command.
type stream struct {
	host, cmd string
	sess      *ssh.Session
	out       io.Reader
	stderr    tailBuffer
	release   func()
	stop      func() bool

	once    sync.Once   // Close
	endOnce sync.Once   // end
	closed  atomic.Bool // Close was called: the end is ours, not an error
	endErr  error       // what Read returns once out is drained
}

// Read reads the command's stdout; at its end it reports how the command exited.
func (s *stream) Read(p []byte) (int, error) {
	n, err := s.out.Read(p)
	if err != io.EOF {
		return n, err
	}
	return n, s.end()
}

// end waits for the command's exit status once stdout is drained.
func (s *stream) end() error {
	s.endOnce.Do(func() { s.endErr = s.exitErr(s.sess.Wait()) })
	return s.endErr
}

// exitErr turns the session's end into Read's last error.
func (s *stream) exitErr(werr error) error {
	var ee *ssh.ExitError
	var missing *ssh.ExitMissingError
	switch {
	case s.closed.Load() || werr == nil:
		return io.EOF
	case errors.As(werr, &ee):
		return fmt.Errorf("%s on %s exited %d%s", s.cmd, s.host, ee.ExitStatus(), s.stderr.suffix())
	case errors.As(werr, &missing):
		return fmt.Errorf("%s on %s ended without an exit status (connection lost?)%s", s.cmd, s.host, s.stderr.suffix())
	}
	return fmt.Errorf("%s on %s: %v%s", s.cmd, s.host, werr, s.stderr.suffix())
}

// Close ends the session and frees its slot; it is safe to call twice.
func (s *stream) Close() error {
	s.once.Do(func() {
		s.closed.Store(true)
		if s.stop != nil {
			s.stop()
		}
		_ = s.sess.Close()
		s.release()
	})
	return nil
}

// tailBuffer keeps the last maxStreamStderr bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

// Write keeps the tail of what was written.
func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - maxStreamStderr; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

// suffix is ": <last stderr line>" or "" when stderr was empty.
func (t *tailBuffer) suffix() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	text := strings.TrimSpace(string(t.buf))
	if text == "" {
		return ""
	}
	if i := strings.LastIndexByte(text, '\n'); i >= 0 {
		text = strings.TrimSpace(text[i+1:])
	}
	return ": " + text
}
