package remote_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"porthole/remote"
	"porthole/remote/sshtest"
)

// jumpConfig writes an ssh_config where target goes through bastion, and
// chained through bastion (named by address) then target.
func jumpConfig(t *testing.T, c *sshtest.Cluster) string {
	cfg := filepath.Join(t.TempDir(), "ssh_config")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`Host bastion
    HostName 127.0.0.1
    Port %d
Host target
    HostName 127.0.0.1
    Port %d
    ProxyJump bastion
Host chained
    HostName 127.0.0.1
    Port %d
    ProxyJump %s@127.0.0.1:%d,target
Host *
    User %s
    IdentityFile %s
`, c.Ports[0], c.Ports[1], c.Ports[2], c.User, c.Ports[0], c.User, c.KeyPath)), 0o644)
	return cfg
}

func TestProxyJump(t *testing.T) {
	// DEBUG1 makes sshd log each forward: "originator ... target 127.0.0.1 port N".
	c := sshtest.Start(t, 3, sshtest.LogLevel("DEBUG1"))
	pool := remote.NewPool(remote.SSHOptions{ConfigPath: jumpConfig(t, c), KnownHosts: []string{c.KnownHostsPath}})
	defer pool.Close()

	target := get(t, pool, "target")
	for i := 0; i < 5; i++ {
		if r := run(t, target, "echo $SSH_CONNECTION"); !strings.HasSuffix(strings.TrimSpace(string(r.Stdout)), fmt.Sprint(c.Ports[1])) {
			t.Fatalf("target answered from %q", r.Stdout)
		}
	}
	if !strings.Contains(c.Log(0), fmt.Sprintf("target 127.0.0.1 port %d", c.Ports[1])) {
		t.Errorf("bastion's sshd did not forward to the target:\n%s", c.Log(0))
	}
	if c.Logins(0) != 1 || c.Logins(1) != 1 {
		t.Errorf("logins bastion=%d target=%d, want 1 and 1 for 5 commands", c.Logins(0), c.Logins(1))
	}
	if sh, ok := target.(*remote.SSHHost); !ok || sh.Via() != "bastion" {
		t.Errorf("Via() of target: %v", target)
	}

	// Two hops: bastion (by address), then target, then chained.
	run(t, get(t, pool, "chained"), "true")
	if !strings.Contains(c.Log(1), fmt.Sprintf("target 127.0.0.1 port %d", c.Ports[2])) {
		t.Errorf("target's sshd did not forward to the chained host:\n%s", c.Log(1))
	}
	// bastion, target; then for chained: the bastion by address (another
	// name, so another connection), target through it, chained.
	if s := pool.Stats(); s.Dials != 5 || s.Open != 5 {
		t.Errorf("stats %+v, want 5 dials, 5 open", s)
	}
}

func TestProxyJumpFailures(t *testing.T) {
	c := sshtest.Start(t, 3)
	cfg := jumpConfig(t, c)

	// The target is down, the bastion up: the error names the target and the bastion.
	c.Stop(1)
	pool := remote.NewPool(remote.SSHOptions{ConfigPath: cfg, KnownHosts: []string{c.KnownHostsPath}})
	defer pool.Close()
	r, err := get(t, pool, "target").Run(context.Background(), remote.Command{Cmd: "true"})
	var ce *remote.ConnError
	if !errors.As(err, &ce) || ce.Host != "target" || ce.Via != "bastion" || ce.Op != remote.OpDial {
		t.Fatalf("got %#v, want a dial ConnError for target via bastion", err)
	}
	if !strings.Contains(err.Error(), "via bastion") || remote.Reason(r, err) != "connection refused" {
		t.Errorf("message %q, reason %q", err, remote.Reason(r, err))
	}
	c.Restart(1)
	run(t, get(t, pool, "target"), "true")

	// The bastion is down: the error is the bastion's.
	c.Stop(0)
	pool2 := remote.NewPool(remote.SSHOptions{ConfigPath: cfg, KnownHosts: []string{c.KnownHostsPath}})
	defer pool2.Close()
	_, err = get(t, pool2, "target").Run(context.Background(), remote.Command{Cmd: "true"})
	if !errors.As(err, &ce) || ce.Host != "bastion" {
		t.Fatalf("got %v, want the bastion's ConnError", err)
	}

	// The bastion's host key changed: refused, naming the bastion.
	c.RotateHostKey(0)
	pool3 := remote.NewPool(remote.SSHOptions{ConfigPath: cfg, KnownHosts: []string{c.KnownHostsPath}})
	defer pool3.Close()
	_, err = get(t, pool3, "target").Run(context.Background(), remote.Command{Cmd: "true"})
	var hk *remote.HostKeyError
	if !errors.As(err, &hk) || hk.Host != "bastion" || hk.Kind != remote.HostKeyChanged {
		t.Fatalf("got %v, want bastion's changed host key", err)
	}
}

func TestProxyJumpLoop(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "ssh_config")
	os.WriteFile(cfg, []byte("Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n"), 0o644)
	_, err := remote.NewPool(remote.SSHOptions{ConfigPath: cfg}).Get("a")
	if err == nil || !strings.Contains(err.Error(), "loop") {
		t.Fatalf("got %v, want a loop error", err)
	}
}
