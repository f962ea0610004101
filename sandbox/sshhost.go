package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

// sshHost is one in-process SSH server: a loopback listener that runs real
// shell commands in the host's directories, like a production host would.
type sshHost struct {
	name           string
	home           string // HOME of every session
	root           string // sandbox Root, exported as SANDBOX_ROOT
	binDir         string // stand-ins, first on PATH
	authorizedKeys string // authorized_keys file, read on every login
	extraEnv       []string
	// command, when set, answers exec requests instead of /bin/sh (the
	// Gerrit host's SSH commands); it returns the exit status and must end
	// soon after ctx does. Such a host has no shell.
	command func(ctx context.Context, cmdline string, stdout, stderr io.Writer) int

	signer   ssh.Signer
	listener net.Listener
	port     int
	config   *ssh.ServerConfig

	mu       sync.Mutex
	conns    map[*ssh.ServerConn]struct{}
	sessions map[*session]struct{}
	closed   bool
	wg       sync.WaitGroup

	handshakes atomic.Int64  // SSH handshakes accepted (see metrics.go)
	spans      []CommandSpan // commands run, guarded by mu
}

// serverVersion is what the sandbox's sshd announces; clients log it.
const serverVersion = "SSH-2.0-porthole_sandbox"

// listen opens the host's loopback listener and starts accepting.
func (h *sshHost) listen() error {
	h.conns = map[*ssh.ServerConn]struct{}{}
	h.sessions = map[*session]struct{}{}
	h.config = &ssh.ServerConfig{
		PublicKeyCallback: h.checkKey,
		ServerVersion:     serverVersion,
	}
	h.config.AddHostKey(h.signer)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("sandbox host %s: listen on loopback: %w", h.name, err)
	}
	h.listener = l
	h.port = l.Addr().(*net.TCPAddr).Port
	h.wg.Add(1)
	go h.accept()
	return nil
}

// checkKey accepts any user presenting a key listed in authorized_keys.
func (h *sshHost) checkKey(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
	data, err := os.ReadFile(h.authorizedKeys)
	if err != nil {
		return nil, fmt.Errorf("read authorized_keys: %w", err)
	}
	want := key.Marshal()
	for len(data) > 0 {
		var k ssh.PublicKey
		k, _, _, data, err = ssh.ParseAuthorizedKey(data)
		if err != nil {
			break
		}
		if bytes.Equal(k.Marshal(), want) {
			return &ssh.Permissions{}, nil
		}
	}
	return nil, fmt.Errorf("public key of %s not in %s", meta.User(), h.authorizedKeys)
}

func (h *sshHost) accept() {
	defer h.wg.Done()
	for {
		c, err := h.listener.Accept()
		if err != nil {
			return
		}
		h.wg.Add(1)
		go h.serveConn(c)
	}
}

func (h *sshHost) serveConn(c net.Conn) {
	defer h.wg.Done()
	// A client that never finishes the handshake must not hold a goroutine forever.
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	sc, chans, reqs, err := ssh.NewServerConn(c, h.config)
	if err != nil {
		c.Close()
		return
	}
	_ = c.SetDeadline(time.Time{})
	h.handshakes.Add(1)
	if !h.track(sc) {
		sc.Close()
		return
	}
	defer h.untrack(sc)
	go ssh.DiscardRequests(reqs) // keepalive@openssh.com and friends get a "failure", as from sshd
	var sessions sync.WaitGroup
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.Prohibited, fmt.Sprintf("the sandbox host %s only opens sessions, not %q channels", h.name, nc.ChannelType()))
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			continue
		}
		s := newSession(h, sc.User(), sc.RemoteAddr().String(), ch)
		if !h.addSession(s) {
			ch.Close()
			continue
		}
		sessions.Add(1)
		go func() {
			defer sessions.Done()
			defer h.removeSession(s)
			s.serve(creqs)
		}()
	}
	sessions.Wait()
}

func (h *sshHost) track(sc *ssh.ServerConn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.conns[sc] = struct{}{}
	return true
}

func (h *sshHost) untrack(sc *ssh.ServerConn) {
	h.mu.Lock()
	delete(h.conns, sc)
	h.mu.Unlock()
	sc.Close()
}

func (h *sshHost) addSession(s *session) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.sessions[s] = struct{}{}
	return true
}

func (h *sshHost) removeSession(s *session) {
	h.mu.Lock()
	delete(h.sessions, s)
	h.mu.Unlock()
}

// dropConnections closes every client connection (their commands are
// killed) but keeps listening: what a host reboot looks like to a client.
func (h *sshHost) dropConnections() {
	h.mu.Lock()
	conns := make([]*ssh.ServerConn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// close stops listening, drops every connection and kills what still runs.
func (h *sshHost) close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	sessions := make([]*session, 0, len(h.sessions))
	for s := range h.sessions {
		sessions = append(sessions, s)
	}
	h.mu.Unlock()
	var err error
	if h.listener != nil {
		err = h.listener.Close()
		if errors.Is(err, net.ErrClosed) {
			err = nil
		}
	}
	var kills sync.WaitGroup
	for _, s := range sessions {
		kills.Add(1)
		go func() {
			defer kills.Done()
			s.kill()
		}()
	}
	kills.Wait()
	h.dropConnections()
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		return fmt.Errorf("sandbox host %s: sessions still running 10 s after close", h.name)
	}
	return err
}
