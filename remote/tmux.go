package remote

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"porthole/internal/lazyre"
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
	lines := []string{
		startDirCheck(j.Dir),
		"command -v tmux >/dev/null 2>&1 || { echo 'porthole: tmux is not installed on this host' >&2; exit 127; }",
		"mkdir -p -- " + Quote(dir) + " || exit 1",
		"t=$(" + cdTo(dir) + " && pwd)/" + Quote(session) + ".log || exit 1",
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
