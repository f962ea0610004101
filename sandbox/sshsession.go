package sandbox

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
)

// session is one SSH session channel: at most one command (exec) or shell.
type session struct {
	host   *sshHost
	user   string
	remote string
	ch     ssh.Channel

	mu      sync.Mutex
	env     []string // from "env" requests (LANG, LC_*, TERM only, like AcceptEnv)
	pty     *ptyRequest
	tty     *os.File // pty master while a pty command runs
	pid     int      // process group of the running command, 0 before start
	cancel  func()   // ends a host.command in progress, nil otherwise
	started bool
	exited  chan struct{} // closed once the command has been reaped; made by newSession
	cmdline string        // what exec asked for ("" for a shell)
	began   time.Time     // when the exec or shell request came
}

func newSession(h *sshHost, user, remote string, ch ssh.Channel) *session {
	return &session{host: h, user: user, remote: remote, ch: ch, exited: make(chan struct{})}
}

// ptyRequest is RFC 4254 6.2's "pty-req" payload.
type ptyRequest struct {
	Term     string
	Columns  uint32
	Rows     uint32
	Width    uint32
	Height   uint32
	Modelist string
}

// windowChange is RFC 4254 6.7's "window-change" payload.
type windowChange struct {
	Columns uint32
	Rows    uint32
	Width   uint32
	Height  uint32
}

// signals a client may send with a "signal" request (RFC 4254 6.9).
var signals = map[string]syscall.Signal{
	"ABRT": syscall.SIGABRT, "ALRM": syscall.SIGALRM, "FPE": syscall.SIGFPE,
	"HUP": syscall.SIGHUP, "ILL": syscall.SIGILL, "INT": syscall.SIGINT,
	"KILL": syscall.SIGKILL, "PIPE": syscall.SIGPIPE, "QUIT": syscall.SIGQUIT,
	"SEGV": syscall.SIGSEGV, "TERM": syscall.SIGTERM, "USR1": syscall.SIGUSR1,
	"USR2": syscall.SIGUSR2,
}

func signalName(sig syscall.Signal) string {
	for name, s := range signals {
		if s == sig {
			return name
		}
	}
	return "KILL"
}

// serve answers the channel's requests until the client closes it, then
// kills whatever the session started.
func (s *session) serve(reqs <-chan *ssh.Request) {
	for req := range reqs {
		ok := false
		switch req.Type {
		case "env":
			var kv struct{ Name, Value string }
			if ssh.Unmarshal(req.Payload, &kv) == nil && acceptEnv(kv.Name) {
				s.mu.Lock()
				s.env = append(s.env, kv.Name+"="+kv.Value)
				s.mu.Unlock()
				ok = true
			}
		case "pty-req":
			var p ptyRequest
			if ssh.Unmarshal(req.Payload, &p) == nil {
				s.mu.Lock()
				if !s.started {
					s.pty = &p
					ok = true
				}
				s.mu.Unlock()
			}
		case "window-change":
			var w windowChange
			if ssh.Unmarshal(req.Payload, &w) == nil {
				s.mu.Lock()
				if s.tty != nil {
					_ = setWinsize(s.tty, w.Columns, w.Rows)
				} else if s.pty != nil {
					s.pty.Columns, s.pty.Rows = w.Columns, w.Rows
				}
				s.mu.Unlock()
				ok = true
			}
		case "exec":
			var c struct{ Command string }
			if ssh.Unmarshal(req.Payload, &c) == nil {
				s.start(c.Command, false, req)
				continue
			}
		case "shell":
			s.start("", true, req)
			continue
		case "signal":
			var sg struct{ Signal string }
			if ssh.Unmarshal(req.Payload, &sg) == nil {
				if sig, known := signals[sg.Signal]; known {
					s.signal(sig)
					ok = true
				}
			}
		case "subsystem":
			var sub struct{ Name string }
			_ = ssh.Unmarshal(req.Payload, &sub)
			_, _ = io.WriteString(s.ch.Stderr(), "porthole sandbox: subsystem "+sub.Name+" is not served here; run commands with ssh HOST 'COMMAND'\r\n")
		}
		if req.WantReply {
			_ = req.Reply(ok, nil)
		}
	}
	// The client closed the channel (or the connection went away): nothing
	// the session started may outlive it.
	s.host.recordSpan(s, time.Now())
	s.kill()
}

// acceptEnv mirrors a typical sshd AcceptEnv: locale and terminal only.
func acceptEnv(name string) bool {
	return name == "LANG" || name == "TERM" || strings.HasPrefix(name, "LC_")
}

// environ is the command's environment: never the sandbox process's own.
func (s *session) environ() []string {
	h := s.host
	env := []string{
		"HOME=" + h.home,
		"PATH=" + h.binDir + ":/usr/bin:/bin",
		"USER=" + s.user,
		"LOGNAME=" + s.user,
		"SHELL=/bin/sh",
		"SANDBOX_HOST=" + h.name,
		"SANDBOX_ROOT=" + h.root,
		"SSH_CONNECTION=" + strings.Replace(s.remote, ":", " ", 1) + " 127.0.0.1 " + strconv.Itoa(h.port),
	}
	env = append(env, h.extraEnv...)
	s.mu.Lock()
	env = append(env, s.env...)
	if s.pty != nil {
		env = append(env, "TERM="+s.pty.Term)
	}
	s.mu.Unlock()
	return env
}

// start runs the command (or a shell when shell is set) and answers req:
// false when the session already runs something, else true, sent before
// the command can write anything (or end the session). A command that
// cannot be started then exits 127, as from a shell.
func (s *session) start(cmdline string, shell bool, req *ssh.Request) {
	reply := func(ok bool) {
		if req.WantReply {
			_ = req.Reply(ok, nil)
		}
	}
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		reply(false)
		return
	}
	s.started = true
	s.cmdline, s.began = cmdline, time.Now()
	pty := s.pty
	s.mu.Unlock()
	if s.host.command != nil {
		s.startCommand(cmdline, shell, reply)
		return
	}

	var c *exec.Cmd
	switch {
	case !shell:
		c = exec.Command("/bin/sh", "-c", cmdline)
	case pty != nil:
		c = exec.Command(interactiveShell(), "-i")
	default:
		c = exec.Command("/bin/sh") // reads commands from stdin: ssh HOST < script
	}
	c.Dir = s.host.home
	c.Env = s.environ()
	if pty != nil {
		s.startPTY(c, pty, reply)
		return
	}
	s.startPipes(c, reply)
}

// cannotStart ends a session whose command could not be started.
func (s *session) cannotStart(err error, eol string) {
	_, _ = io.WriteString(s.ch.Stderr(), "porthole sandbox: "+err.Error()+eol)
	_ = s.ch.CloseWrite()
	_, _ = s.ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{127}))
	_ = s.ch.Close()
}

func interactiveShell() string {
	if _, err := os.Stat("/bin/bash"); err == nil {
		return "/bin/bash"
	}
	return "/bin/sh"
}

// startPipes runs c with stdin/stdout/stderr wired to the channel.
func (s *session) startPipes(c *exec.Cmd, reply func(bool)) {
	inR, inW, err := os.Pipe()
	if err != nil {
		reply(false)
		return
	}
	c.Stdin = inR // an *os.File: Wait does not wait on the client's stdin
	c.Stdout = s.ch
	c.Stderr = s.ch.Stderr()
	// A background child keeping stdout open must not hold the session forever.
	c.WaitDelay = 10 * time.Second
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	reply(true)
	if err := c.Start(); err != nil {
		inR.Close()
		inW.Close()
		s.cannotStart(err, "\n")
		return
	}
	inR.Close()
	s.mu.Lock()
	s.pid = c.Process.Pid
	s.mu.Unlock()
	go func() {
		_, _ = io.Copy(inW, s.ch)
		inW.Close()
	}()
	go s.wait(c, nil)
}

// startPTY runs c on a new pseudo-terminal, as its session leader.
func (s *session) startPTY(c *exec.Cmd, p *ptyRequest, reply func(bool)) {
	master, slave, err := openPTY()
	if err != nil {
		_, _ = io.WriteString(s.ch.Stderr(), "porthole sandbox: no pty: "+err.Error()+"\r\n")
		reply(false)
		return
	}
	_ = setWinsize(master, p.Columns, p.Rows)
	c.Stdin, c.Stdout, c.Stderr = slave, slave, slave
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	reply(true)
	if err := c.Start(); err != nil {
		master.Close()
		slave.Close()
		s.cannotStart(err, "\r\n")
		return
	}
	slave.Close()
	s.mu.Lock()
	s.pid = c.Process.Pid
	s.tty = master
	s.mu.Unlock()
	out := make(chan struct{})
	go func() {
		_, _ = io.Copy(s.ch, master) // ends with EIO once the terminal has no process left
		close(out)
	}()
	go func() { _, _ = io.Copy(master, s.ch) }()
	go s.wait(c, out)
}

// wait reaps the command and reports its end to the client the way sshd
// does: EOF, then exit-status (or exit-signal), then close.
func (s *session) wait(c *exec.Cmd, ptyOut chan struct{}) {
	err := c.Wait()
	if ptyOut != nil {
		select {
		case <-ptyOut:
		case <-time.After(2 * time.Second):
		}
		s.mu.Lock()
		s.tty.Close()
		s.tty = nil
		s.mu.Unlock()
	}
	close(s.exited)
	_ = s.ch.CloseWrite()
	ps := c.ProcessState
	var ee *exec.ExitError
	if ps == nil && errors.As(err, &ee) {
		ps = ee.ProcessState
	}
	status := uint32(255)
	if ps != nil {
		if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			_, _ = s.ch.SendRequest("exit-signal", false, ssh.Marshal(struct {
				Signal     string
				CoreDumped bool
				Error      string
				Lang       string
			}{signalName(ws.Signal()), ws.CoreDump(), "", ""}))
			_ = s.ch.Close()
			return
		}
		status = uint32(ps.ExitCode())
	}
	_, _ = s.ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{status}))
	_ = s.ch.Close()
}

// signal delivers sig to the command's whole process group.
func (s *session) signal(sig syscall.Signal) {
	s.mu.Lock()
	pid := s.pid
	s.mu.Unlock()
	if pid > 0 {
		_ = syscall.Kill(-pid, sig)
	}
}

// kill ends a command still running when its channel closes (a cancelled
// client), and everything in its process group: SIGHUP and SIGTERM first
// (an interactive shell ignores TERM) so traps can clean up, then, once the
// command is gone or five seconds have passed, SIGKILL for whatever is left
// in the group. A command that already exited is left alone with what it
// started in the background, as sshd leaves a nohup'd job.
func (s *session) kill() {
	s.mu.Lock()
	pid, started, cancel := s.pid, s.started, s.cancel
	s.mu.Unlock()
	if cancel != nil {
		cancel()
		<-s.exited
		return
	}
	if !started || pid <= 0 {
		return
	}
	select {
	case <-s.exited:
		return
	default:
	}
	_ = syscall.Kill(-pid, syscall.SIGHUP)
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}

// startCommand runs the host's own command handler (no process) and ends
// the session as sshd would: EOF, exit-status, close. A shell is refused.
func (s *session) startCommand(cmdline string, shell bool, reply func(bool)) {
	if shell {
		reply(true)
		close(s.exited)
		s.cannotStart(errors.New(s.host.name+" runs commands (e.g. gerrit version), not an interactive shell"), "\r\n")
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.mu.Lock()
	s.cancel = cancel
	s.mu.Unlock()
	reply(true)
	go func() {
		defer cancel()
		status := s.host.command(ctx, cmdline, s.ch, s.ch.Stderr())
		close(s.exited)
		_ = s.ch.CloseWrite()
		_, _ = s.ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{uint32(status)}))
		_ = s.ch.Close()
	}()
}
