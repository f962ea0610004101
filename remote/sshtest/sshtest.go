// Package sshtest starts real OpenSSH sshd processes on loopback for tests:
// each test gets its own host keys, user key, authorized_keys, ssh_config
// (Host h1..hN) and known_hosts, on free ports, stopped at cleanup.
//
//	c := sshtest.Start(t, 3)
//	pool := c.Pool()               // remote.Pool reading c's ssh_config and known_hosts
//	ex, _ := pool.Get(c.Hosts[0])  // "h1"
//
// It needs sshd (Debian: openssh-server): Start skips the test when sshd is
// missing, or fails it when CI=true (see RequireSSHD).
package sshtest

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"porthole/remote"
)

// Cluster is a set of loopback SSH hosts served by real sshd processes.
type Cluster struct {
	Dir            string   // everything the cluster wrote lives here
	SSHConfigPath  string   // ssh_config with Host Hosts[i] → 127.0.0.1 Ports[i], IdentityFile, UserKnownHostsFile
	KnownHostsPath string   // known_hosts holding every host's key
	KeyPath        string   // the user's private key (ed25519, no passphrase)
	User           string   // login user (the current user)
	Hosts          []string // ssh_config aliases: h1..hN unless Names was given
	Ports          []int    // Ports[i] serves Hosts[i]

	tb       testing.TB
	bin      string // the sshd program
	set      settings
	mu       sync.Mutex
	procs    []*sshd
	hostProc []int // host index → procs index
	userKey  ed25519.PrivateKey
	closed   bool
}

// Start starts an n-host cluster for a test and stops it at cleanup. It
// skips the test when sshd is missing (see RequireSSHD) and fails it when
// sshd will not start.
func Start(tb testing.TB, n int, opts ...Option) *Cluster {
	tb.Helper()
	RequireSSHD(tb)
	c, err := New(tb.TempDir(), n, opts...)
	if err != nil {
		tb.Fatalf("sshtest: %v", err)
	}
	c.tb = tb
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// New starts an n-host cluster writing into dir, for programs (benchmarks)
// that have no testing.TB; stop it with Close.
func New(dir string, n int, opts ...Option) (*Cluster, error) {
	if n < 1 {
		return nil, fmt.Errorf("a cluster needs at least one host, not %d", n)
	}
	bin, err := LookSSHD()
	if err != nil {
		return nil, err
	}
	set := settings{perSSHD: 1, logLevel: "INFO"}
	for _, o := range opts {
		o(&set)
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := ensurePrivsepDir(); err != nil {
		return nil, err
	}
	c := &Cluster{
		Dir:            dir,
		SSHConfigPath:  filepath.Join(dir, "ssh_config"),
		KnownHostsPath: filepath.Join(dir, "known_hosts"),
		KeyPath:        filepath.Join(dir, "id_ed25519"),
		User:           currentUser(),
		bin:            bin,
		set:            set,
	}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("h%d", i+1)
		if i < len(set.names) {
			name = set.names[i]
		}
		c.Hosts = append(c.Hosts, name)
	}
	if err := c.writeUserKey(); err != nil {
		return nil, err
	}
	for first := 0; first < n; first += set.perSSHD {
		count := min(set.perSSHD, n-first)
		p, err := c.newSSHD(len(c.procs), count)
		if err != nil {
			return nil, err
		}
		c.procs = append(c.procs, p)
		for k := 0; k < count; k++ {
			c.hostProc = append(c.hostProc, p.idx)
		}
	}
	// Start every sshd, then wait for all: they come up in parallel.
	errs := make([]error, len(c.procs))
	var wg sync.WaitGroup
	for i, p := range c.procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = p.startFresh()
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		_ = c.Close()
		return nil, err
	}
	for _, p := range c.procs {
		c.Ports = append(c.Ports, p.ports...)
	}
	if err := c.writeClientFiles(); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

// Close stops every sshd and their sessions. Start's cleanup calls it.
func (c *Cluster) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	var errs []error
	for _, p := range c.procs {
		errs = append(errs, p.stop())
	}
	return errors.Join(errs...)
}

// Options are remote.SSHOptions that reach the cluster: its ssh_config and known_hosts.
func (c *Cluster) Options() remote.SSHOptions {
	return remote.SSHOptions{
		ConfigPath: c.SSHConfigPath,
		KnownHosts: []string{c.KnownHostsPath},
		Timeout:    10 * time.Second,
	}
}

// Pool is a remote.Pool on Options, closed at the test's cleanup (call Close yourself after New).
func (c *Cluster) Pool() *remote.Pool {
	p := remote.NewPool(c.Options())
	if c.tb != nil {
		c.tb.Cleanup(func() { _ = p.Close() })
	}
	return p
}

// Addr is host i's "127.0.0.1:port".
func (c *Cluster) Addr(i int) string { return fmt.Sprintf("127.0.0.1:%d", c.Ports[i]) }

// HostKey is the public host key host i serves now.
func (c *Cluster) HostKey(i int) ssh.PublicKey {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.procs[c.hostProc[i]].hostKey.PublicKey()
}

// Fingerprint is host i's host key fingerprint, SHA256:…, as ssh-keygen -l prints it.
func (c *Cluster) Fingerprint(i int) string { return ssh.FingerprintSHA256(c.HostKey(i)) }

// KnownHostsLine is host i's known_hosts line for its current key, hashed or not.
func (c *Cluster) KnownHostsLine(i int, hashed bool) string {
	name := fmt.Sprintf("[127.0.0.1]:%d", c.Ports[i])
	if hashed {
		name = hashHostname(name)
	}
	return name + " " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(c.HostKey(i))))
}

// LogPath is the sshd log of host i's sshd process.
func (c *Cluster) LogPath(i int) string { return c.procs[c.hostProc[i]].logPath }

// Log is the sshd log of host i's sshd process so far.
func (c *Cluster) Log(i int) string {
	b, _ := os.ReadFile(c.LogPath(i))
	return string(b)
}

// Logins counts the logins ("Accepted publickey") host i's sshd has logged:
// one per SSH connection.
func (c *Cluster) Logins(i int) int { return strings.Count(c.Log(i), "Accepted publickey for ") }

// SSHDOf says which sshd process serves host i; hosts sharing one stop together.
func (c *Cluster) SSHDOf(i int) int { return c.hostProc[i] }

// Stop kills host i's sshd and every session it serves, as if the host
// died (the other hosts of the same sshd, with PortsPerSSHD, die too).
func (c *Cluster) Stop(i int) error {
	return c.fail(c.proc(i).stop())
}

// Restart starts host i's sshd again on the same ports, after Stop; it
// stops it first when it is running.
func (c *Cluster) Restart(i int) error {
	p := c.proc(i)
	if err := p.stop(); err != nil {
		return c.fail(err)
	}
	return c.fail(p.start())
}

// Freeze stops (SIGSTOP) host i's sshd and sessions: the host hangs, its
// connections go silent without closing. Thaw resumes it.
func (c *Cluster) Freeze(i int) error { return c.fail(c.proc(i).signalTree(sigStop)) }

// Thaw resumes a frozen host.
func (c *Cluster) Thaw(i int) error { return c.fail(c.proc(i).signalTree(sigCont)) }

// RotateHostKey gives host i's sshd a new host key and restarts it (its
// sessions die); known_hosts keeps the old key, so clients see a changed key.
func (c *Cluster) RotateHostKey(i int) error {
	p := c.proc(i)
	if err := p.stop(); err != nil {
		return c.fail(err)
	}
	if err := p.writeHostKey(); err != nil {
		return c.fail(err)
	}
	return c.fail(p.start())
}

// TrustHostKeys rewrites known_hosts with every host's current key.
func (c *Cluster) TrustHostKeys() error { return c.fail(c.writeKnownHosts()) }

func (c *Cluster) proc(i int) *sshd {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.procs[c.hostProc[i]]
}

// fail reports err on the test, if any, and returns it.
func (c *Cluster) fail(err error) error {
	if err != nil && c.tb != nil {
		c.tb.Helper()
		c.tb.Fatalf("sshtest: %v", err)
	}
	return err
}

func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}

// ensurePrivsepDir creates sshd's privilege-separation directory when missing.
func ensurePrivsepDir() error {
	if _, err := os.Stat("/run/sshd"); err == nil {
		return nil
	}
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil && os.Geteuid() == 0 {
		return fmt.Errorf("cannot create /run/sshd for sshd: %v", err)
	}
	return nil
}
