package remote

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// TmuxJob is a command running in a detached tmux session on a host, its
// output (stdout and stderr) teed into a transcript file there, ended by a
// marker line carrying its exit code. Porthole follows it by reading the
// transcript from Offset, so a dropped connection, or porthole itself
// stopping, does not stop the command: it reattaches and reads on.
type TmuxJob struct {
	Host       string    `json:"host"`
	Session    string    `json:"session"`
	Socket     string    `json:"socket,omitempty"` // tmux -L; "" for the default server
	Transcript string    `json:"transcript"`       // absolute path on Host
	Marker     string    `json:"marker"`           // "porthole-exit-<nonce>:"; the exit code follows
	Offset     int64     `json:"offset"`           // transcript bytes already read (whole lines)
	Started    time.Time `json:"started"`
	Cmd        string    `json:"cmd"`
}

// Encode is the job as one string, for a window variable (sc.Set).
func (j *TmuxJob) Encode() string {
	b, _ := json.Marshal(j)
	return string(b)
}

// DecodeTmuxJob reads a job back from Encode's string.
func DecodeTmuxJob(s string) (*TmuxJob, error) {
	var j TmuxJob
	if err := json.Unmarshal([]byte(s), &j); err != nil {
		return nil, fmt.Errorf("bad tmux job record: %w", err)
	}
	if j.Session == "" || j.Transcript == "" || j.Marker == "" {
		return nil, fmt.Errorf("incomplete tmux job record %q", s)
	}
	return &j, nil
}

// AttachHint is what a deployer types on the host to watch the job.
func (j *TmuxJob) AttachHint() string {
	return tmuxCmd(j.Socket, "attach", "-t", j.Session)
}

// tmuxCmd builds a tmux command line, every word quoted.
func tmuxCmd(socket string, args ...string) string {
	words := []string{"tmux"}
	if socket != "" {
		words = append(words, "-L", socket)
	}
	return QuoteAll(append(words, args...)...)
}

// UnsafeNameChars matches what may not stand in a tmux session name or step id.
var UnsafeNameChars = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// TmuxSessionName makes a tmux session name from parts (tmux refuses '.' and
// ':'), with a short random suffix so that a leftover session never collides.
func TmuxSessionName(parts ...string) string {
	s := UnsafeNameChars.ReplaceAllString(strings.Join(append([]string{"porthole"}, parts...), "-"), "-")
	s = strings.Trim(s, "-")
	if len(s) > 72 {
		s = s[:72]
	}
	return s + "-" + nonce(2)
}

func nonce(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ErrHostLost: the host stayed unreachable while following a tmux job; the
// job may still be running there, and following it again reattaches.
var ErrHostLost = errors.New("host unreachable")

// ErrNoTmux: tmux is not installed on the host.
var ErrNoTmux = errors.New("tmux is not installed")

// StartTmux starts cmd in a new detached tmux session on ex. The transcript
// goes to dir/<session>.log (dir relative to the login directory unless
// absolute). cmd runs with /bin/sh, stdin from /dev/null, in the login
// directory, with the environment a command run directly would have (the
// tmux server may be older and have another): it is saved to a 0600 file
// beside the transcript, read by the session, then removed.
func StartTmux(ctx context.Context, ex Executor, socket, dir, session, cmd string) (*TmuxJob, error) {
	j := &TmuxJob{Host: ex.Host(), Session: session, Socket: socket, Marker: "porthole-exit-" + nonce(6) + ":", Cmd: cmd}
	// The session's shell: take the environment ($2), run cmd in a subshell
	// (so that an `exit` in it still reaches the marker), tee everything
	// into the transcript ($1).
	inner := ". \"$2\"; rm -f -- \"$2\"; { ( " + cmd + "\n) </dev/null 2>&1; echo \"" + j.Marker + "$?\"; } | tee -a \"$1\""
	qs := Quote(session)
	q := Quote(dir)
	script := strings.Join([]string{
		"command -v tmux >/dev/null 2>&1 || { echo 'porthole: tmux is not installed on this host' >&2; exit 127; }",
		"mkdir -p -- " + q + " || exit 1",
		"t=$(cd -- " + q + " && pwd)/" + qs + ".log || exit 1",
		"if " + tmuxCmd(socket, "has-session", "-t", "="+session) + " 2>/dev/null; then echo 'porthole: tmux session " + session + " already exists' >&2; exit 3; fi",
		": > \"$t\" || exit 1",
		"e=\"${t%.log}.env\"",
		"(umask 077 && /bin/sh -c 'export -p' > \"$e\") || { rm -f -- \"$e\"; exit 1; }",
		tmuxCmd(socket, "new-session", "-d", "-s", session, "-x", "200", "-y", "50") +
			" -c \"$PWD\" /bin/sh -c " + Quote(inner) + " sh \"$t\" \"$e\" || { rm -f -- \"$e\"; exit 1; }",
		"printf '%s\\n' \"$t\"",
	}, "\n")
	j.Started = time.Now()
	res, err := ex.Run(ctx, Command{Cmd: script, Keep: true})
	if err != nil {
		return nil, fmt.Errorf("starting tmux session %s on %s: %w", session, ex.Host(), err)
	}
	switch res.ExitCode {
	case 0:
	case 127:
		return nil, fmt.Errorf("%w on %s: install it there, or run with --param tmux=false", ErrNoTmux, ex.Host())
	default:
		return nil, fmt.Errorf("starting tmux session %s on %s: exit %d: %s", session, ex.Host(), res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	j.Transcript = strings.TrimSpace(string(res.Stdout))
	if !strings.HasPrefix(j.Transcript, "/") {
		return nil, fmt.Errorf("starting tmux session %s on %s: unexpected transcript path %q", session, ex.Host(), j.Transcript)
	}
	return j, nil
}

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
// command's exit code. dial returns the host's executor; it is called again
// after an error, so a pool can re-dial a dropped connection. Cancelling ctx
// stops following (the job keeps running; see Kill).
func (j *TmuxJob) Follow(ctx context.Context, dial func() (Executor, error), o FollowOptions) (int, error) {
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.ReconnectFor <= 0 {
		o.ReconnectFor = 10 * time.Minute
	}
	sleep := func(d time.Duration) error {
		if o.Sleep != nil {
			o.Sleep(d)
			return ctx.Err()
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			return nil
		}
	}
	maxBackoff := 5 * time.Second
	if o.Poll*20 < maxBackoff {
		maxBackoff = o.Poll * 20
	}
	// Poll fast at first and while output flows, slowing down to o.Poll
	// while the script is quiet: short scripts end promptly, long quiet
	// ones cost one read per o.Poll.
	fast := min(100*time.Millisecond, o.Poll)
	busy := max(o.Poll/4, fast)
	interval := fast
	lastOK := time.Now()
	lost := false
	gone := 0
	backoff := o.Poll
	for {
		data, alive, err := j.read(ctx, dial)
		if ctx.Err() != nil {
			return -1, ctx.Err()
		}
		if err != nil {
			var te *transcriptError
			if errors.As(err, &te) {
				return -1, err
			}
			if time.Since(lastOK) > o.ReconnectFor {
				return -1, fmt.Errorf("%w: lost %s for over %s (%v); the command may still be running in tmux session %s (%s), transcript %s; porthole reattaches when the step runs again",
					ErrHostLost, j.Host, o.ReconnectFor.Round(time.Second), err, j.Session, j.AttachHint(), j.Transcript)
			}
			if !lost && o.OnLost != nil {
				o.OnLost(err)
			}
			lost = true
			if err := sleep(backoff); err != nil {
				return -1, err
			}
			if backoff *= 2; backoff > maxBackoff {
				backoff = maxBackoff
			}
			continue
		}
		lastOK = time.Now()
		backoff = o.Poll
		if lost && o.OnBack != nil {
			o.OnBack()
		}
		lost = false
		buf := data
		var rest []byte // an unfinished last line: read again next time, from Offset
		read := int64(0)
		for len(buf) > 0 {
			i, n := lineEnd(buf, o.SplitCR)
			if i < 0 {
				if len(buf) >= pollChunk {
					i = len(buf) - 1 // one enormous line: hand it over as it is
				} else {
					rest = buf
					break
				}
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
				j.Offset += read
				if o.OnOffset != nil {
					o.OnOffset(j.Offset)
				}
				return code, nil
			}
			if o.OnLine != nil {
				o.OnLine(line)
			}
		}
		if len(rest) > 0 && o.OnPartial != nil {
			o.OnPartial(string(rest))
		}
		if read > 0 {
			j.Offset += read
			if o.OnOffset != nil {
				o.OnOffset(j.Offset)
			}
		}
		if len(data) >= pollChunk {
			continue // more is waiting
		}
		if len(data) > 0 {
			interval = busy
		} else if interval *= 2; interval > o.Poll {
			interval = o.Poll
		}
		if !alive {
			// The marker is written before the session ends, so one more read
			// after the session is gone sees everything there is.
			gone++
			if gone >= 2 {
				if len(rest) > 0 && o.OnLine != nil {
					o.OnLine(string(rest))
				}
				return -1, fmt.Errorf("tmux session %s on %s ended without an exit status (killed, or the host rebooted?); transcript %s",
					j.Session, j.Host, j.Transcript)
			}
			continue
		}
		if err := sleep(interval); err != nil {
			return -1, err
		}
	}
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

// Kill ends the job's tmux session (its processes get SIGHUP).
func (j *TmuxJob) Kill(ctx context.Context, ex Executor) error {
	res, err := ex.Run(ctx, Command{Cmd: tmuxCmd(j.Socket, "kill-session", "-t", "="+j.Session), Keep: true})
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("tmux kill-session %s on %s: exit %d: %s", j.Session, j.Host, res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	return nil
}
