package remote_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"porthole/remote"
	"porthole/remote/sshtest"
)

// bastionConfig writes an ssh_config where hosts t1..tN (the cluster's hosts
// 1..N) are reached through bastion (host 0), as production app servers are.
func bastionConfig(t *testing.T, c *sshtest.Cluster) (string, []string) {
	var b strings.Builder
	fmt.Fprintf(&b, "Host bastion\n    HostName 127.0.0.1\n    Port %d\n", c.Ports[0])
	var targets []string
	for i := 1; i < len(c.Ports); i++ {
		name := fmt.Sprintf("t%d", i)
		targets = append(targets, name)
		fmt.Fprintf(&b, "Host %s\n    HostName 127.0.0.1\n    Port %d\n    ProxyJump bastion\n", name, c.Ports[i])
	}
	fmt.Fprintf(&b, "Host *\n    User %s\n    IdentityFile %s\n", c.User, c.KeyPath)
	cfg := filepath.Join(t.TempDir(), "ssh_config")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg, targets
}

// TestBastionSharedByAllTargets fans one command out to six hosts behind
// one ProxyJump bastion, twice: the bastion's sshd accepts one connection in
// all, and forwards one channel per target through it (OpenSSH's ssh would
// log in to the bastion once per target).
func TestBastionSharedByAllTargets(t *testing.T) {
	const targets = 6
	// DEBUG1 makes sshd log each forward: "originator ... target 127.0.0.1 port N".
	c := sshtest.Start(t, targets+1, sshtest.LogLevel("DEBUG1"))
	cfg, names := bastionConfig(t, c)
	pool := remote.NewPool(remote.SSHOptions{ConfigPath: cfg, KnownHosts: []string{c.KnownHostsPath}})
	defer pool.Close()
	execs, err := pool.GetAll(names)
	if err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 2; round++ {
		// Concurrency above the target count: every target dials at once, racing for the bastion.
		res := remote.FanOut(context.Background(), execs, remote.Command{Cmd: "echo $SSH_CONNECTION", Keep: true},
			remote.FanOutOptions{Concurrency: targets})
		for i, r := range res {
			got := strings.TrimSpace(string(r.Result.Stdout))
			if r.Failed() || !strings.HasSuffix(got, fmt.Sprint(c.Ports[i+1])) {
				t.Fatalf("round %d, %s: %v %+v, answered %q", round, r.Host, r.Err, r.Result, got)
			}
		}
	}
	if n := c.Logins(0); n != 1 {
		t.Errorf("the bastion's sshd accepted %d logins for %d targets, want 1", n, targets)
	}
	for i := 1; i <= targets; i++ {
		if n := c.Logins(i); n != 1 {
			t.Errorf("target %d's sshd accepted %d logins for 2 commands, want 1", i, n)
		}
		if fw := fmt.Sprintf("target 127.0.0.1 port %d", c.Ports[i]); strings.Count(c.Log(0), fw) != 1 {
			t.Errorf("the bastion forwarded to port %d %d times, want once", c.Ports[i], strings.Count(c.Log(0), fw))
		}
	}
	if s := pool.Stats(); s.Dials != targets+1 || s.Open != targets+1 {
		t.Errorf("pool stats %+v, want %d dials and open connections (targets + the bastion)", s, targets+1)
	}
}
