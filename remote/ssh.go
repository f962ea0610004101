package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"golang.org/x/crypto/ssh"
)

// SSHHost is the Executor for one host of a Pool. Its connection is shared
// by all its commands and re-dialled when it died.
type SSHHost struct {
	name string
	ep   *endpoint
}

// Host is the name the host was asked for.
func (h *SSHHost) Host() string { return h.name }

// Addr is the host:port dialled, after ssh_config.
func (h *SSHHost) Addr() string { return h.ep.addr }

// User is the login user, after ssh_config.
func (h *SSHHost) User() string { return h.ep.user }

// Via names the jump host it is reached through ("" when direct).
func (h *SSHHost) Via() string { return h.ep.viaName() }

// Dial connects now (if not connected), to check a host before its first command.
func (h *SSHHost) Dial(ctx context.Context) error {
	_, _, err := h.ep.conn(ctx)
	return err
}

// Close closes this host's connection; the next Run dials again.
func (h *SSHHost) Close() error {
	h.ep.shut(false)
	return nil
}

// Run runs cmd over the host's connection (dialling it if needed) and
// streams its output. A lost connection is a *ConnError, an untrusted host
// key a *HostKeyError, a missing cmd.Dir a *DirError (nothing of cmd ran),
// all with ExitCode -1. Cancelling ctx sends SIGTERM
// to the remote command, SIGKILL after the grace period, then closes the
// session; Run returns ctx.Err().
func (h *SSHHost) Run(ctx context.Context, cmd Command) (res Result, err error) {
	res = Result{Host: h.name, Cmd: cmd.Script(), ExitCode: -1, Started: time.Now()}
	defer func() { res.Duration = time.Since(res.Started) }()
	if err := ctx.Err(); err != nil {
		return res, err
	}
	select {
	case h.ep.slots <- struct{}{}:
		defer func() { <-h.ep.slots }()
	case <-ctx.Done():
		return res, ctx.Err()
	}
	lc, sess, err := h.session(ctx)
	if err != nil {
		return res, err
	}
	defer sess.Close()
	if cmd.Pty {
		if err := requestPty(sess); err != nil {
			return res, h.sessionErr(lc, err)
		}
	}

	var outBuf, errBuf *bytes.Buffer
	if cmd.Keep {
		outBuf, errBuf = &bytes.Buffer{}, &bytes.Buffer{}
	}
	onLine := serialized(cmd.OnLine)
	// always read: the first line tells a missing directory (dirError)
	ow := newLineWriter(h.name, Stdout, cmd, onLine, outBuf)
	ew := newLineWriter(h.name, Stderr, cmd, onLine, errBuf)
	ow.cr = cmd.Pty
	sess.Stdout, sess.Stderr = ow, ew
	// stdin: the caller's data, or — with none — a pipe held open until the
	// command ends, whose EOF tells the guard to stop the command (see guard).
	stdin, err := sess.StdinPipe()
	if err != nil {
		return res, h.sessionErr(lc, err)
	}
	sent := cmd.wire()
	if cmd.Stdin != nil {
		// Copy stdin ourselves: the session would wait for a reader that never ends.
		go func() {
			_, _ = io.Copy(stdin, cmd.Stdin)
			_ = stdin.Close()
		}()
	} else if !cmd.Pty { // on a terminal, its hangup ends the command
		sent = guard(sent, h.ep.pool.opts.killGrace())
	}
	res.Started = time.Now()
	if err := sess.Start(sent); err != nil {
		return res, h.sessionErr(lc, err)
	}
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()

	var werr error
	select {
	case werr = <-done:
	case <-ctx.Done():
		h.stop(sess, stdin, done)
		flush(ow, ew, cmd.Keep, &res, outBuf, errBuf)
		return res, ctx.Err()
	}
	flush(ow, ew, cmd.Keep, &res, outBuf, errBuf)
	if err := h.exitStatus(werr, lc, &res); err != nil {
		return res, err
	}
	if err := dirError(cmd, res, ow, ew); err != nil {
		res.ExitCode = -1
		return res, err
	}
	return res, nil
}

// exitStatus reads how the session ended into res.ExitCode; a session that
// ended without an exit status is a lost connection (*ConnError) or an error.
func (h *SSHHost) exitStatus(werr error, lc *liveConn, res *Result) error {
	var ee *ssh.ExitError
	switch {
	case werr == nil:
		res.ExitCode = 0
		return nil
	case errors.As(werr, &ee):
		res.ExitCode = ee.ExitStatus()
		return nil
	}
	if !lc.alive(5 * time.Second) {
		return &ConnError{Host: h.name, Addr: h.ep.addr, Via: h.ep.viaName(), Op: OpLost, Err: lc.err}
	}
	return fmt.Errorf("%s on %s ended without an exit status (%v); check the host before retrying", res.Cmd, h.name, werr)
}

// stop ends a cancelled command: SIGTERM (by signal request, and by
// closing stdin for the guard), SIGKILL after the grace period, then the
// session is closed (and the Wait goroutine drained).
func (h *SSHHost) stop(sess *ssh.Session, stdin io.Closer, done <-chan error) {
	grace := h.ep.pool.opts.killGrace()
	_ = sess.Signal(ssh.SIGTERM)
	_ = stdin.Close()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-done:
		return
	case <-t.C:
	}
	_ = sess.Signal(ssh.SIGKILL)
	t.Reset(grace)
	select {
	case <-done:
		return
	case <-t.C:
	}
	_ = sess.Close()
	t.Reset(grace)
	select {
	case <-done:
	case <-t.C:
	}
}

// session opens a session on the host's connection. A cached connection
// that will not open one is presumed dead and dialled again, once: nothing
// ran yet, so that is safe.
//
// sshd frees a session's slot a moment after its channel closes, so a
// refused open (MaxSessions) is retried for a while before giving up.
func (h *SSHHost) session(ctx context.Context) (*liveConn, *ssh.Session, error) {
	backoff := 5 * time.Millisecond
	deadline := time.Now().Add(3 * time.Second)
	for {
		lc, fresh, err := h.ep.conn(ctx)
		if err != nil {
			return nil, nil, err
		}
		sess, err := lc.client.NewSession()
		if err == nil {
			return lc, sess, nil
		}
		var oce *ssh.OpenChannelError
		if errors.As(err, &oce) && time.Now().Before(deadline) {
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
				return nil, nil, ctx.Err()
			}
			backoff = min(2*backoff, 200*time.Millisecond)
			continue
		}
		if fresh || errors.As(err, &oce) || lc.alive(5*time.Second) {
			return nil, nil, &ConnError{Host: h.name, Addr: h.ep.addr, Via: h.ep.viaName(), Op: OpSession, Err: err}
		}
	}
}

// sessionErr reports a failure to start a command: a lost connection, or a refusal.
func (h *SSHHost) sessionErr(lc *liveConn, err error) error {
	op := OpSession
	if !lc.alive(5 * time.Second) {
		op, err = OpLost, lc.err
	}
	return &ConnError{Host: h.name, Addr: h.ep.addr, Via: h.ep.viaName(), Op: op, Err: err}
}

// guard wraps script so that the command dies when its session's stdin
// reaches EOF — when porthole cancels it or the connection drops — even if
// sshd ignores signal requests (OpenSSH does for root logins, which run
// without privilege separation). A watchdog holds stdin (the command gets
// /dev/null, like ssh -n); on EOF it sends SIGTERM to the command's process
// group every 100ms (a child forked just after the first one would miss it),
// then SIGKILL once the grace period is over. When the command ends by
// itself the watchdog is killed on exit (a script that sets its own EXIT
// trap, or ends in exec, leaves it waiting: closing the session then ends
// what the script left in its process group). POSIX sh; the script runs in
// the login shell as before, and Result.Cmd stays Command.Script.
func guard(script string, grace time.Duration) string {
	rounds := max(int(grace/(100*time.Millisecond)), 1)
	return "exec 3<&0 </dev/null\n" +
		"{ read _ <&3; trap '' TERM; i=0; while [ $i -lt " + strconv.Itoa(rounds) + " ]; do kill -TERM 0; " +
		"sleep 0.1 2>/dev/null || sleep 1; i=$((i+1)); done; kill -KILL 0; } >/dev/null 2>&1 &\n" +
		"porthole_guard=$!; exec 3<&-; trap 'kill $porthole_guard 2>/dev/null' EXIT\n" +
		script
}

func flush(ow, ew *lineWriter, keep bool, res *Result, outBuf, errBuf *bytes.Buffer) {
	ow.Flush()
	ew.Flush()
	if keep {
		res.Stdout, res.Stderr = outBuf.Bytes(), errBuf.Bytes()
	}
}
