package remote_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"porthole/remote"
	"porthole/remote/sshtest"
)

func TestHashedKnownHosts(t *testing.T) {
	c := sshtest.Start(t, 2, sshtest.HashedKnownHosts())
	pool := c.Pool()
	for _, h := range c.Hosts {
		if r := run(t, get(t, pool, h), "echo ok"); string(r.Stdout) != "ok\n" {
			t.Fatalf("%s: %q", h, r.Stdout)
		}
	}
}

func TestUnknownHostKeyRefused(t *testing.T) {
	c := sshtest.Start(t, 1)
	empty := filepath.Join(t.TempDir(), "known_hosts")
	os.WriteFile(empty, []byte("# nothing known yet\n"), 0o644)
	for _, files := range [][]string{{empty}, {filepath.Join(t.TempDir(), "missing")}} {
		opts := c.Options()
		opts.KnownHosts = files
		pool := remote.NewPool(opts)
		r, err := get(t, pool, "h1").Run(context.Background(), remote.Command{Cmd: "touch /tmp/should-not-run"})
		var hk *remote.HostKeyError
		if !errors.As(err, &hk) {
			t.Fatalf("got %v, want a *HostKeyError", err)
		}
		if hk.Kind != remote.HostKeyUnknown || hk.Host != "h1" || hk.Fingerprint != c.Fingerprint(0) || hk.KeyType != "ssh-ed25519" {
			t.Errorf("error fields %+v", hk)
		}
		msg := err.Error()
		for _, want := range []string{"h1", c.Fingerprint(0), "unknown", files[0]} {
			if !strings.Contains(msg, want) {
				t.Errorf("message %q lacks %q", msg, want)
			}
		}
		if r.ExitCode != -1 {
			t.Errorf("ExitCode %d, want -1", r.ExitCode)
		}
		if remote.Reason(r, err) != "host key unknown" {
			t.Errorf("Reason = %q", remote.Reason(r, err))
		}
		pool.Close()
	}
	if n := c.Logins(0); n != 0 {
		t.Errorf("sshd logged %d logins: porthole authenticated to an unverified host", n)
	}
}

// A host whose key changed is refused — also when porthole was connected to
// it before and re-dials after the host came back with another key.
func TestChangedHostKeyRefused(t *testing.T) {
	c := sshtest.Start(t, 2)
	pool := c.Pool()
	ex := get(t, pool, "h2")
	run(t, ex, "true")
	oldFP := c.Fingerprint(1)
	c.RotateHostKey(1)
	newFP := c.Fingerprint(1)

	_, err := ex.Run(context.Background(), remote.Command{Cmd: "true"})
	var hk *remote.HostKeyError
	if !errors.As(err, &hk) {
		t.Fatalf("after rotation got %v, want a *HostKeyError", err)
	}
	if hk.Kind != remote.HostKeyChanged || hk.Fingerprint != newFP || hk.KnownHostsFile != c.KnownHostsPath || hk.Line != 2 {
		t.Errorf("error fields %+v (want changed, %s, %s line 2)", hk, newFP, c.KnownHostsPath)
	}
	msg := err.Error()
	for _, want := range []string{"h2", newFP, "CHANGED", "ssh-keygen -R", c.KnownHostsPath} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, oldFP) {
		t.Errorf("message shows the old fingerprint as if it were offered: %q", msg)
	}
	// h1 is unaffected.
	run(t, get(t, pool, "h1"), "true")
	// Trusting the new key (what ssh-keygen -R plus a verified re-add does) lets it in.
	c.TrustHostKeys()
	fresh := c.Pool()
	run(t, get(t, fresh, "h2"), "true")
}

func TestRevokedHostKeyRefused(t *testing.T) {
	c := sshtest.Start(t, 1)
	kh := filepath.Join(t.TempDir(), "known_hosts")
	line := c.KnownHostsLine(0, false)
	os.WriteFile(kh, []byte("@revoked "+line+"\n"+line+"\n"), 0o644)
	opts := c.Options()
	opts.KnownHosts = []string{kh}
	_, err := get(t, remote.NewPool(opts), "h1").Run(context.Background(), remote.Command{Cmd: "true"})
	var hk *remote.HostKeyError
	if !errors.As(err, &hk) || hk.Kind != remote.HostKeyRevoked || hk.Line != 1 {
		t.Fatalf("got %v, want a revoked *HostKeyError at line 1", err)
	}
}

// known_hosts may name the host by ssh_config's HostKeyAlias instead of its address.
func TestHostKeyAlias(t *testing.T) {
	c := sshtest.Start(t, 1)
	dir := t.TempDir()
	port := strings.TrimPrefix(c.Addr(0), "127.0.0.1:")
	line := c.KnownHostsLine(0, false)
	key := line[strings.IndexByte(line, ' '):]
	kh := filepath.Join(dir, "known_hosts")
	os.WriteFile(kh, []byte("[deploy1001.eqiad.wmnet]:"+port+key+"\n"), 0o644)
	cfg := filepath.Join(dir, "ssh_config")
	os.WriteFile(cfg, []byte("Host deploy\n  HostName 127.0.0.1\n  Port "+port+
		"\n  HostKeyAlias deploy1001.eqiad.wmnet\n  IdentityFile "+c.KeyPath+"\n  User "+c.User+"\n"), 0o644)
	pool := remote.NewPool(remote.SSHOptions{ConfigPath: cfg, KnownHosts: []string{kh}})
	defer pool.Close()
	run(t, get(t, pool, "deploy"), "true")
	// Without the alias, the address is looked up and is unknown.
	os.WriteFile(cfg, []byte("Host deploy\n  HostName 127.0.0.1\n  Port "+port+
		"\n  IdentityFile "+c.KeyPath+"\n  User "+c.User+"\n"), 0o644)
	noAlias := remote.NewPool(remote.SSHOptions{ConfigPath: cfg, KnownHosts: []string{kh}})
	defer noAlias.Close()
	var hk *remote.HostKeyError
	if _, err := get(t, noAlias, "deploy").Run(context.Background(), remote.Command{Cmd: "true"}); !errors.As(err, &hk) {
		t.Fatalf("got %v, want unknown host key", err)
	}
}
