package remote

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
)

// Connection failure stages, as ConnError.Op.
const (
	OpDial      = "dial"      // TCP connect (or the jump host's forward) failed
	OpHandshake = "handshake" // SSH protocol setup failed
	OpAuth      = "auth"      // the host refused every key offered
	OpSession   = "session"   // the connection would not open a session
	OpLost      = "lost"      // the connection died while a command ran
)

// ConnError says a host could not be reached or its connection was lost.
// Run returns it with ExitCode -1; the next Run dials again.
type ConnError struct {
	Host string // as the deployer named it (ssh_config alias)
	Addr string // host:port dialled
	Via  string // jump host it was reached through, if any
	Op   string // OpDial, OpHandshake, OpAuth, OpSession or OpLost
	Err  error
}

// Unwrap gives the underlying error.
func (e *ConnError) Unwrap() error { return e.Err }

// Error says what happened to which host and what to do next.
func (e *ConnError) Error() string {
	where := e.Host
	if e.Addr != "" && e.Addr != e.Host {
		where += " (" + e.Addr + ")"
	}
	if e.Via != "" {
		where += " via " + e.Via
	}
	cause := cleanCause(e.Err)
	try := sshCommand(e.Host)
	switch e.Op {
	case OpDial:
		switch {
		case isRefused(e.Err):
			return fmt.Sprintf("cannot connect to %s: connection refused; is the host up and sshd running? try: %s true", where, try)
		case isTimeout(e.Err):
			return fmt.Sprintf("cannot connect to %s: timed out; check the host name, the network/VPN, and ConnectTimeout", where)
		case isNoSuchHost(e.Err):
			return fmt.Sprintf("cannot connect to %s: no such host; check the name (and HostName in ssh_config)", where)
		}
		return fmt.Sprintf("cannot connect to %s: %s; check that the host is up and reachable (%s true)", where, cause, try)
	case OpAuth:
		return fmt.Sprintf("%s refused our keys (%s); check IdentityFile in ssh_config, that the key is in ssh-agent (ssh-add -l), and the login user", where, cause)
	case OpHandshake:
		if isTimeout(e.Err) {
			return fmt.Sprintf("SSH handshake with %s timed out (%s): the port answers but does not speak SSH, or the host is overloaded; try: %s true", where, cause, strings.Replace(try, "ssh ", "ssh -v ", 1))
		}
		return fmt.Sprintf("SSH handshake with %s failed: %s; check that it is an SSH server and try: %s true", where, cause, strings.Replace(try, "ssh ", "ssh -v ", 1))
	case OpSession:
		return fmt.Sprintf("%s would not start a command: %s; the connection will be re-dialled on the next step", where, cause)
	case OpLost:
		return fmt.Sprintf("connection to %s lost while a command ran (%s): its outcome on the host is unknown; check the host (%s) before retrying — porthole reconnects on the next step", where, cause, try)
	}
	return fmt.Sprintf("%s: %s", where, cause)
}

// DirError says a command's working directory (Command.Dir) does not exist
// on the host, or is not a directory (NotDir): the command did not run (Run
// returns it with ExitCode -1).
type DirError struct {
	Host   string
	Dir    string
	NotDir bool // Dir exists but is not a directory (a file)
}

// Error says which directory is missing (or not one) on which host.
func (e *DirError) Error() string {
	if e.NotDir {
		return e.Dir + " is not a directory on " + e.Host
	}
	return e.Dir + " does not exist on " + e.Host
}

// Reason is a short phrase for summaries: "connection refused", "timed out", "auth failed", "connection lost".
func (e *ConnError) Reason() string {
	switch {
	case e.Op == OpAuth:
		return "auth failed"
	case e.Op == OpLost:
		return "connection lost"
	case isRefused(e.Err):
		return "connection refused"
	case isTimeout(e.Err):
		return "timed out"
	case isNoSuchHost(e.Err):
		return "no such host"
	case e.Op == OpHandshake:
		return "handshake failed"
	case e.Op == OpSession:
		return "session refused"
	}
	return "cannot connect"
}

// Reason says in a few words why a host failed, for one-line summaries:
// "exit 3", "connection refused", "host key changed", "cancelled", ...
func Reason(r Result, err error) string {
	var ce *ConnError
	var hk *HostKeyError
	var de *DirError
	switch {
	case err == nil && r.ExitCode == 0:
		return "ok"
	case err == nil:
		return fmt.Sprintf("exit %d", r.ExitCode)
	case errors.As(err, &hk):
		return "host key " + string(hk.Kind)
	case errors.As(err, &ce):
		return ce.Reason()
	case errors.As(err, &de) && de.NotDir:
		return "not a directory"
	case errors.As(err, &de):
		return "no such directory"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	}
	s := err.Error()
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

// sshCommand is how the deployer would reach host with OpenSSH's ssh.
func sshCommand(host string) string {
	hs, err := parseHostSpec(host)
	if err != nil || hs.port == 0 {
		return "ssh " + Quote(host)
	}
	target := hs.host
	if hs.user != "" {
		target = hs.user + "@" + target
	}
	return fmt.Sprintf("ssh -p %d %s", hs.port, Quote(target))
}

// isRefused is true for a refused TCP connect, direct or forwarded by a jump host.
func isRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) ||
		(err != nil && strings.Contains(err.Error(), "Connection refused"))
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout())
}

func isNoSuchHost(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}

// cleanCause shortens Go's nested network errors to their last part.
func cleanCause(err error) string {
	if err == nil {
		return "unknown error"
	}
	s := err.Error()
	s = strings.TrimPrefix(s, "ssh: handshake failed: ")
	if i := strings.LastIndex(s, ": "); i >= 0 && strings.HasPrefix(s, "dial tcp") {
		s = s[i+2:]
	}
	return s
}
