package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrHostLost: the host stayed unreachable while following a tmux job; the
// job may still be running there, and following it again reattaches.
var ErrHostLost = errors.New("host unreachable")

// FollowOptions tune Follow.
type FollowOptions struct {
	Poll         time.Duration       // between transcript reads; 1s when zero
	ReconnectFor time.Duration       // give up after the host is unreachable this long; 10m when zero
	OnLine       func(string)        // every transcript line, in order, without the marker
	OnOffset     func(int64)         // after lines were read: the new offset
	OnLost       func(err error)     // the host became unreachable (once per outage)
	OnBack       func()              // it is reachable again
	Sleep        func(time.Duration) // for tests; time.Sleep-like but cancellable by ctx when nil
	// SplitCR ends a line at \r as well as \n (a terminal's transcript:
	// progress rewritten in place); \r\n is one end, empty lines are dropped.
	SplitCR bool
	// OnPartial gets the unfinished last line after each read (a prompt
	// waiting for an answer); nil to ignore.
	OnPartial func(string)
}

// pollChunk bounds how much transcript one read returns.
const pollChunk = 1 << 20

// Follow reads the transcript until the marker line, and returns the
// command's exit code (or a *DirError: the job's Dir was gone when it ran).
// dial returns the host's executor; it is called again after an error, so
// a pool can re-dial a dropped connection. Cancelling ctx stops following
// (the job keeps running; see Kill).
func (j *TmuxJob) Follow(ctx context.Context, dial func() (Executor, error), o FollowOptions) (int, error) {
	p := newFollowPace(o)
	gone := 0
	for {
		data, alive, err := j.read(ctx, dial)
		if ctx.Err() != nil {
			return -1, ctx.Err()
		}
		if err != nil {
			if err := j.unreachable(ctx, err, p); err != nil {
				return -1, err
			}
			continue
		}
		p.reached()
		code, done, rest := j.lines(data, p.o)
		if done {
			return j.exit(code)
		}
		if len(data) >= pollChunk {
			continue // more is waiting
		}
		p.slowDown(len(data) > 0)
		if !alive {
			// The marker is written before the session ends, so one more read
			// after the session is gone sees everything there is.
			if gone++; gone >= 2 {
				if len(rest) > 0 && p.o.OnLine != nil {
					p.o.OnLine(string(rest))
				}
				return -1, fmt.Errorf("tmux session %s on %s ended without an exit status (killed, or the host rebooted?); transcript %s",
					j.Session, j.Host, j.Transcript)
			}
			continue
		}
		if err := p.sleep(ctx, p.interval); err != nil {
			return -1, err
		}
	}
}

// lines hands the complete lines of data to OnLine and moves Offset past
// them; at the marker line it stops with the command's exit code (done).
// rest is an unfinished last line, read again next time from Offset.
func (j *TmuxJob) lines(data []byte, o FollowOptions) (code int, done bool, rest []byte) {
	buf := data
	read := int64(0)
	for len(buf) > 0 {
		i, n := lineEnd(buf, o.SplitCR)
		if i < 0 {
			if len(buf) < pollChunk {
				rest = buf
				break
			}
			i, n = len(buf)-1, 1 // one enormous line: hand it over as it is
		}
		line := string(bytes.TrimSuffix(buf[:i], []byte{'\r'}))
		buf = buf[i+n:]
		read += int64(i + n)
		if o.SplitCR && line == "" {
			continue
		}
		if strings.HasPrefix(line, j.Marker) {
			code, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, j.Marker)))
			if err != nil {
				code = -1
			}
			j.advance(read, o)
			return code, true, nil
		}
		j.last = line
		if o.OnLine != nil {
			o.OnLine(line)
		}
	}
	if len(rest) > 0 && o.OnPartial != nil {
		o.OnPartial(string(rest))
	}
	j.advance(read, o)
	return 0, false, rest
}

// advance moves Offset n bytes on and says so to OnOffset.
func (j *TmuxJob) advance(n int64, o FollowOptions) {
	if n == 0 {
		return
	}
	j.Offset += n
	if o.OnOffset != nil {
		o.OnOffset(j.Offset)
	}
}

// unreachable handles a failed read: a transcript error, or an outage longer
// than ReconnectFor, ends Follow; otherwise it reports the outage (once) and
// waits before the next try, longer each time.
func (j *TmuxJob) unreachable(ctx context.Context, err error, p *followPace) error {
	var te *transcriptError
	if errors.As(err, &te) {
		return err
	}
	if time.Since(p.lastOK) > p.o.ReconnectFor {
		return fmt.Errorf("%w: lost %s for over %s (%v); the command may still be running in tmux session %s (%s), transcript %s; porthole reattaches when the step runs again",
			ErrHostLost, j.Host, p.o.ReconnectFor.Round(time.Second), err, j.Session, j.AttachHint(), j.Transcript)
	}
	if !p.lost && p.o.OnLost != nil {
		p.o.OnLost(err)
	}
	p.lost = true
	if err := p.sleep(ctx, p.backoff); err != nil {
		return err
	}
	p.backoff = min(p.backoff*2, p.maxBackoff)
	return nil
}

// lineEnd finds the end of the first line in buf: its index and the
// terminator's length (-1 when none). With cr, \r ends a line too.
func lineEnd(buf []byte, cr bool) (int, int) {
	if !cr {
		return bytes.IndexByte(buf, '\n'), 1
	}
	i := bytes.IndexAny(buf, "\r\n")
	if i >= 0 && buf[i] == '\r' && i+1 < len(buf) && buf[i+1] == '\n' {
		return i, 2
	}
	return i, 1
}

// transcriptError: the transcript cannot be read although the host answers.
type transcriptError struct{ msg string }

func (e *transcriptError) Error() string { return e.msg }

// read returns the transcript from Offset (at most pollChunk bytes) and
// whether the session still exists.
func (j *TmuxJob) read(ctx context.Context, dial func() (Executor, error)) ([]byte, bool, error) {
	ex, err := dial()
	if err != nil {
		return nil, false, err
	}
	t := Quote(j.Transcript)
	script := "[ -r " + t + " ] || exit 4; tail -c +" + strconv.FormatInt(j.Offset+1, 10) + " -- " + t +
		" | head -c " + strconv.Itoa(pollChunk) + "; " + tmuxCmd(j.Socket, "has-session", "-t", "="+j.Session) + " 2>/dev/null || exit 5"
	res, err := ex.Run(ctx, Command{Cmd: script, Keep: true})
	if err != nil {
		return nil, false, err
	}
	switch res.ExitCode {
	case 0:
		return res.Stdout, true, nil
	case 5:
		return res.Stdout, false, nil
	case 4:
		return nil, false, &transcriptError{fmt.Sprintf("transcript %s of tmux session %s is gone from %s", j.Transcript, j.Session, j.Host)}
	}
	return nil, false, fmt.Errorf("reading transcript %s on %s: exit %d: %s", j.Transcript, j.Host, res.ExitCode, strings.TrimSpace(string(res.Stderr)))
}
