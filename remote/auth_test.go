package remote_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"porthole/remote"
	"porthole/remote/sshtest"
)

// startAgent runs a real ssh-agent holding keys and points SSH_AUTH_SOCK at it.
func startAgent(t *testing.T, keys ...string) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "agent.sock")
	agent := exec.Command("ssh-agent", "-D", "-a", sock)
	if err := agent.Start(); err != nil {
		t.Fatalf("ssh-agent: %v (apt-get install openssh-client)", err)
	}
	t.Cleanup(func() { agent.Process.Kill(); agent.Wait() })
	waitListening(t, sock)
	t.Setenv("SSH_AUTH_SOCK", sock)
	for _, k := range keys {
		add := exec.Command("ssh-add", k)
		add.Env = append(os.Environ(), "SSH_ASKPASS=/bin/false", "DISPLAY=")
		if out, err := add.CombinedOutput(); err != nil {
			t.Fatalf("ssh-add %s: %v: %s", k, err, out)
		}
	}
}

// waitListening waits, at most 10 s, until a connect to the unix socket
// succeeds: ssh-agent creates the socket file before it listens on it.
func waitListening(t *testing.T, sock string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.DialTimeout("unix", sock, time.Second)
		if err == nil {
			conn.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("ssh-agent does not accept connections on %s: %v", sock, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// noKeyConfig is an ssh_config for c naming no key at all.
func noKeyConfig(t *testing.T, c *sshtest.Cluster, extra string) string {
	cfg := filepath.Join(t.TempDir(), "ssh_config")
	os.WriteFile(cfg, []byte(fmt.Sprintf("Host h1\n  HostName 127.0.0.1\n  Port %d\n  User %s\n%s", c.Ports[0], c.User, extra)), 0o644)
	return cfg
}

func TestAgentAuth(t *testing.T) {
	c := sshtest.Start(t, 1)
	t.Setenv("HOME", t.TempDir()) // no ~/.ssh/id_* to fall back on
	startAgent(t, c.KeyPath)
	opts := remote.SSHOptions{ConfigPath: noKeyConfig(t, c, ""), KnownHosts: []string{c.KnownHostsPath}, UseAgent: true}
	pool := remote.NewPool(opts)
	defer pool.Close()
	run(t, get(t, pool, "h1"), "true")

	// Without UseAgent the same setup has no key to offer.
	opts.UseAgent = false
	noAgent := remote.NewPool(opts)
	defer noAgent.Close()
	_, err := get(t, noAgent, "h1").Run(context.Background(), remote.Command{Cmd: "true"})
	var ce *remote.ConnError
	if !errors.As(err, &ce) || ce.Op != remote.OpAuth {
		t.Fatalf("got %v, want an auth failure", err)
	}
}

// A passphrase-protected key file is used through the agent; without the
// agent, the error says to ssh-add it.
func TestEncryptedKeyNeedsAgent(t *testing.T) {
	c := sshtest.Start(t, 1)
	t.Setenv("HOME", t.TempDir())
	enc := filepath.Join(t.TempDir(), "id_enc")
	key, _ := os.ReadFile(c.KeyPath)
	os.WriteFile(enc, key, 0o600)
	if out, err := exec.Command("ssh-keygen", "-q", "-p", "-N", "s3cret", "-P", "", "-f", enc).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen -p: %v: %s", err, out)
	}
	cfg := noKeyConfig(t, c, "  IdentityFile "+enc+"\n  IdentitiesOnly yes\n")

	t.Setenv("SSH_AUTH_SOCK", "")
	pool := remote.NewPool(remote.SSHOptions{ConfigPath: cfg, KnownHosts: []string{c.KnownHostsPath}, UseAgent: true})
	_, err := get(t, pool, "h1").Run(context.Background(), remote.Command{Cmd: "true"})
	if err == nil || !strings.Contains(err.Error(), "passphrase-protected") || !strings.Contains(err.Error(), "ssh-add "+enc) {
		t.Fatalf("got %v, want advice to ssh-add the encrypted key", err)
	}
	pool.Close()

	// The agent holds the same key (decrypted): IdentitiesOnly lets it through
	// because it matches the configured file's public key.
	startAgent(t, c.KeyPath)
	pool = remote.NewPool(remote.SSHOptions{ConfigPath: cfg, KnownHosts: []string{c.KnownHostsPath}, UseAgent: true})
	defer pool.Close()
	run(t, get(t, pool, "h1"), "true")
}

// IdentitiesOnly keeps agent keys that match no configured file out.
func TestIdentitiesOnlyFiltersAgent(t *testing.T) {
	c := sshtest.Start(t, 1)
	t.Setenv("HOME", t.TempDir())
	startAgent(t, c.KeyPath)
	other := filepath.Join(t.TempDir(), "id_other")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	for only, wantOK := range map[string]bool{"no": true, "yes": false} {
		cfg := noKeyConfig(t, c, "  IdentityFile "+other+"\n  IdentitiesOnly "+only+"\n")
		pool := remote.NewPool(remote.SSHOptions{ConfigPath: cfg, KnownHosts: []string{c.KnownHostsPath}, UseAgent: true})
		_, err := get(t, pool, "h1").Run(context.Background(), remote.Command{Cmd: "true"})
		if (err == nil) != wantOK {
			t.Errorf("IdentitiesOnly %s: got %v", only, err)
		}
		pool.Close()
	}
}

// A server that accepts TCP but never speaks SSH times out with a clear error.
func TestHandshakeTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
		}
	}()
	pool := remote.NewPool(remote.SSHOptions{ConfigPath: "none", KnownHosts: []string{"/dev/null"}, Timeout: 300 * time.Millisecond})
	defer pool.Close()
	r, err := get(t, pool, l.Addr().String()).Run(context.Background(), remote.Command{Cmd: "true"})
	var ce *remote.ConnError
	if !errors.As(err, &ce) || remote.Reason(r, err) != "timed out" || !strings.Contains(err.Error(), "300ms") {
		t.Fatalf("got %v (reason %q), want a handshake timeout", err, remote.Reason(r, err))
	}
}
