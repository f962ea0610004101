package remote

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"porthole/internal/lazyre"
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
	Cmd        string    `json:"cmd"`           // as the deployer reads it (Command.Script)
	Dir        string    `json:"dir,omitempty"` // where it runs (Command.Dir); "" for the login directory
	last       string    // the last transcript line read (dirCheck's, if the job ended there)
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
var UnsafeNameChars = lazyre.New(`[^A-Za-z0-9_-]+`)

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
	args := " sh \"$t\" \"$e\""
	return startTmuxJob(ctx, ex, j, dir, inner, args, nil, "install it there, or run with --param tmux=false")
}

// startTmuxJob runs on ex the script that starts j's detached session:
// check tmux, make the transcript ($t, in dir) and the 0600 environment file
// ($e), start the session running /bin/sh -c inner with args, then the
// after lines; it prints $t, which becomes j.Transcript. noTmux says what to
// do when the host has no tmux.
func startTmuxJob(ctx context.Context, ex Executor, j *TmuxJob, dir, inner, args string, after []string, noTmux string) (*TmuxJob, error) {
	socket, session := j.Socket, j.Session
	q := Quote(dir)
	lines := []string{
		startDirCheck(j.Dir),
		"command -v tmux >/dev/null 2>&1 || { echo 'porthole: tmux is not installed on this host' >&2; exit 127; }",
		"mkdir -p -- " + q + " || exit 1",
		"t=$(cd -- " + q + " && pwd)/" + Quote(session) + ".log || exit 1",
		"case \"$t\" in *\\'*) echo 'porthole: the transcript directory has a quote in its path' >&2; exit 1 ;; esac",
		"if " + tmuxCmd(socket, "has-session", "-t", "="+session) + " 2>/dev/null; then echo 'porthole: tmux session " + session + " already exists' >&2; exit 3; fi",
		": > \"$t\" || exit 1",
		"e=\"${t%.log}.env\"",
		"(umask 077 && /bin/sh -c 'export -p' > \"$e\") || { rm -f -- \"$e\"; exit 1; }",
		// A server whose last session ends exits, and a session started at
		// that moment can die with it: keep the server up once started.
		tmuxCmd(socket, "start-server", ";", "set-option", "-g", "exit-empty", "off") + " 2>/dev/null || true",
		newSessionRetried(tmuxCmd(socket, "new-session", "-d", "-s", session, "-x", "200", "-y", "50")+
			" -c \"$PWD\" /bin/sh -c "+Quote(inner)+args) + " || { rm -f -- \"$e\"; exit 1; }",
	}
	lines = append(append(lines, after...), "printf '%s\\n' \"$t\"")
	j.Started = time.Now()
	res, err := ex.Run(ctx, Command{Cmd: strings.Join(lines, "\n"), Keep: true})
	if err != nil {
		return nil, fmt.Errorf("starting tmux session %s on %s: %w", session, ex.Host(), err)
	}
	if de := dirErrorOf(j.Host, j.Dir, res.ExitCode, firstLine(res.Stderr)); de != nil {
		return nil, de
	}
	switch res.ExitCode {
	case 0:
	case 127:
		return nil, fmt.Errorf("%w on %s: %s", ErrNoTmux, ex.Host(), noTmux)
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

// followPace is Follow's timing: how long it waits between reads, and since
// when the host has not answered.
type followPace struct {
	o                   FollowOptions // with Poll and ReconnectFor set
	fast, busy          time.Duration // between reads while output flows: the first youngFor, later
	interval            time.Duration // the next wait between reads
	backoff, maxBackoff time.Duration // between reads of an unreachable host
	started, lastOK     time.Time     // when following began; the last read that succeeded
	lost                bool          // the last read failed
}

// youngFor is how long a followed script counts as young: while it is, and
// its output flows, it is read every fast interval, so that a short one
// (a sync of one file to a few hosts) is seen ending at once.
const youngFor = 5 * time.Second

// newFollowPace fills in o's defaults. It polls fast at first and while a
// young script's output flows, every o.Poll/4 while an older one's does,
// slowing down to o.Poll while the script is quiet: short scripts end
// promptly, long ones cost a read per o.Poll/4 (o.Poll when quiet).
func newFollowPace(o FollowOptions) *followPace {
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.ReconnectFor <= 0 {
		o.ReconnectFor = 10 * time.Minute
	}
	fast := min(100*time.Millisecond, o.Poll)
	now := time.Now()
	return &followPace{o: o, fast: fast, busy: max(o.Poll/4, fast), interval: fast,
		backoff: o.Poll, maxBackoff: min(5*time.Second, o.Poll*20), started: now, lastOK: now}
}

// reached records a read that succeeded.
func (p *followPace) reached() {
	p.lastOK = time.Now()
	p.backoff = p.o.Poll
	if p.lost && p.o.OnBack != nil {
		p.o.OnBack()
	}
	p.lost = false
}

// slowDown sets the next interval: short while output flows (shortest
// while the script is young), doubling up to o.Poll while it is quiet.
func (p *followPace) slowDown(flowing bool) {
	if flowing {
		p.interval = p.busy
		if time.Since(p.started) < youngFor {
			p.interval = p.fast
		}
		return
	}
	p.interval = min(p.interval*2, p.o.Poll)
}

// sleep waits d, or until ctx is cancelled (o.Sleep replaces the wait in tests).
func (p *followPace) sleep(ctx context.Context, d time.Duration) error {
	if p.o.Sleep != nil {
		p.o.Sleep(d)
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

// Stop kills the job's tmux session after a deliberate cancel, with a
// bounded context of its own (the step's is done), and says what became of
// it: a stopped command is never left running unannounced.
func (j *TmuxJob) Stop(dial func() (Executor, error)) (said string, ok bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ex, err := dial()
	if err != nil {
		return fmt.Sprintf("cancelled, but %s is unreachable: tmux session %s may still be running there (%s)", j.Host, j.Session, j.AttachHint()), false
	}
	if err := j.Kill(ctx, ex); err != nil {
		return fmt.Sprintf("cancelled, but could not kill tmux session %s on %s: %v — it may still be running (%s)", j.Session, j.Host, err, j.AttachHint()), false
	}
	return fmt.Sprintf("cancelled: killed tmux session %s on %s", j.Session, j.Host), true
}

// newSessionRetried runs a tmux new-session command, trying again (twice, a
// moment apart) when tmux says "server exited unexpectedly": the server of a
// session that just ended is still shutting down when the next one starts
// (tmux exits once it has no session). Its stderr goes to a file, not a
// pipe (a server it starts must not hold the script's output open); the
// last try's is shown. The script's $t names the transcript.
func newSessionRetried(newSession string) string {
	return "porthole_ok=1; for porthole_try in 1 2 3; do " +
		"if " + newSession + " 2>\"$t.err\"; then porthole_ok=0; break; fi; " +
		"grep -q 'server exited unexpectedly' \"$t.err\" && [ \"$porthole_try\" != 3 ] && { sleep 0.2; continue; }; " +
		"cat \"$t.err\" >&2; break; done; rm -f -- \"$t.err\"; [ \"$porthole_ok\" = 0 ]"
}
