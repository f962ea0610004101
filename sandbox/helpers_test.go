package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"porthole/internal/testmain"
	"porthole/internal/testreq"
	"porthole/remote"
)

// start starts a sandbox for one test that changes it, with no CI or sync
// delays; appServers 0 means the default 5.
func start(t *testing.T, appServers int) *Sandbox {
	t.Helper()
	t0 := time.Now()
	sb, err := Start(context.Background(), Options{Dir: t.TempDir(), AppServers: appServers, Log: testLog{t}})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("sandbox started in %v %v", time.Since(t0).Round(time.Millisecond), sb.phases)
	t.Cleanup(func() {
		if err := sb.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return sb
}

// The shared sandbox serves the tests that only read it (or change what no
// other test looks at): one start instead of many.
var (
	sharedOnce sync.Once
	sharedSB   *Sandbox
	sharedErr  error
)

func shared(t *testing.T) *Sandbox {
	t.Helper()
	sharedOnce.Do(func() {
		t0 := time.Now()
		sharedSB, sharedErr = Start(context.Background(), Options{})
		if sharedErr == nil {
			t.Logf("shared sandbox started in %v %v", time.Since(t0).Round(time.Millisecond), sharedSB.phases)
		}
	})
	if sharedErr != nil {
		t.Fatalf("Start: %v", sharedErr)
	}
	return sharedSB
}

// TestMain keeps the tests' temporary files on a RAM file system (see
// testmain) and closes the shared sandbox.
func TestMain(m *testing.M) {
	done := testmain.Setup()
	code := m.Run()
	if sharedSB != nil {
		if err := sharedSB.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "closing the shared sandbox:", err)
			code = 1
		}
	}
	done()
	os.Exit(code)
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Logf("%s", bytes.TrimRight(p, "\n"))
	return len(p), nil
}

// clients dials the sandbox's hosts with x/crypto/ssh, checking host keys
// strictly against the sandbox's known_hosts; one connection per host.
type clients struct {
	sb  *Sandbox
	cfg *ssh.ClientConfig
	mu  sync.Mutex
	c   map[string]*ssh.Client
}

func newClients(t *testing.T, sb *Sandbox) *clients {
	t.Helper()
	key, err := os.ReadFile(sb.KeyPath)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	hk, err := knownhosts.New(sb.KnownHostsPath)
	if err != nil {
		t.Fatal(err)
	}
	cl := &clients{sb: sb, c: map[string]*ssh.Client{}, cfg: &ssh.ClientConfig{
		User:            sb.User,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: hk,
		Timeout:         10 * time.Second,
	}}
	t.Cleanup(func() {
		for _, c := range cl.c {
			c.Close()
		}
	})
	return cl
}

func (cl *clients) client(t *testing.T, host string) *ssh.Client {
	t.Helper()
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if c := cl.c[host]; c != nil {
		return c
	}
	c, err := ssh.Dial("tcp", cl.sb.Addr(host), cl.cfg)
	if err != nil {
		t.Fatalf("dial %s: %v", host, err)
	}
	cl.c[host] = c
	return c
}

// run runs cmd on host and returns stdout, stderr and the exit status.
func (cl *clients) run(t *testing.T, host, cmd string) (string, string, int) {
	t.Helper()
	s, err := cl.client(t, host).NewSession()
	if err != nil {
		t.Fatalf("session on %s: %v", host, err)
	}
	defer s.Close()
	var out, errb bytes.Buffer
	s.Stdout, s.Stderr = &out, &errb
	err = s.Run(cmd)
	var ee *ssh.ExitError
	switch {
	case err == nil:
		return out.String(), errb.String(), 0
	case errors.As(err, &ee):
		return out.String(), errb.String(), ee.ExitStatus()
	}
	t.Fatalf("%s on %s: %v (stderr: %s)", cmd, host, err, errb.String())
	return "", "", -1
}

// ok runs cmd on host and fails the test unless it exits 0.
func (cl *clients) ok(t *testing.T, host, cmd string) string {
	t.Helper()
	out, errs, code := cl.run(t, host, cmd)
	if code != 0 {
		t.Fatalf("%s on %s exited %d\nstdout: %s\nstderr: %s", cmd, host, code, out, errs)
	}
	return out
}

// openssh runs the system's OpenSSH client with the sandbox's ssh_config.
func openssh(t *testing.T, sb *Sandbox, stdin string, args ...string) (string, string, int) {
	t.Helper()
	testreq.SSH(t)
	c := exec.Command("ssh", append([]string{"-F", sb.SSHConfigPath}, args...)...)
	c.Env = append(os.Environ(), "HOME="+t.TempDir())
	c.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return out.String(), errb.String(), 0
	case errors.As(err, &ee):
		return out.String(), errb.String(), ee.ExitCode()
	}
	t.Fatalf("ssh %v: %v", args, err)
	return "", "", -1
}

// waitFor polls cond until it holds; it fails the test after a generous
// bound so a regression shows as a failure, not a hang.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// q quotes one shell word.
func q(s string) string { return remote.Quote(s) }

func lines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// Test hooks: what only the tests of this package ask of a sandbox.

// DropConnections closes every SSH connection to host and kills what they
// run, as a crash or reboot would; the host accepts new connections.
func (sb *Sandbox) DropConnections(host string) error {
	h, ok := sb.hosts[host]
	if !ok {
		return fmt.Errorf("sandbox: no host %s", host)
	}
	h.dropConnections()
	return nil
}

// SetFailing makes the scap stand-in's copy to these hosts fail (none to
// heal them all), to rehearse a failed sync.
func (sb *Sandbox) SetFailing(hosts ...string) error {
	for _, h := range hosts {
		if _, ok := sb.hosts[h]; !ok {
			return fmt.Errorf("sandbox: no host %s", h)
		}
	}
	data := ""
	if len(hosts) > 0 {
		data = strings.Join(hosts, "\n") + "\n"
	}
	return os.WriteFile(filepath.Join(sb.Root, "etc", "fail-hosts"), []byte(data), 0o644)
}
