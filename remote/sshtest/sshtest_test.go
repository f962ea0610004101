package sshtest_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"porthole/remote"
	"porthole/remote/sshtest"
)

// The files the cluster writes work for OpenSSH's own client, strictly.
func TestOpenSSHClientUsesClusterFiles(t *testing.T) {
	c := sshtest.Start(t, 2)
	for i, h := range c.Hosts {
		out, err := exec.Command("ssh", "-F", c.SSHConfigPath, h, "echo $((40+2))").CombinedOutput()
		if err != nil {
			t.Fatalf("ssh %s: %v: %s", h, err, out)
		}
		if got := strings.TrimSpace(string(out)); got != "42" {
			t.Errorf("ssh %s printed %q, want 42", h, got)
		}
		if c.Logins(i) != 1 {
			t.Errorf("host %d logged %d logins, want 1:\n%s", i, c.Logins(i), c.Log(i))
		}
	}
}

func TestPoolRunsOnCluster(t *testing.T) {
	c := sshtest.Start(t, 3, sshtest.Names("deploy1"), sshtest.Env("PORTHOLE_TEST", "yes"))
	if c.Hosts[0] != "deploy1" || c.Hosts[1] != "h2" {
		t.Fatalf("hosts = %v, want deploy1 first, then h2, h3", c.Hosts)
	}
	pool := c.Pool()
	for _, h := range c.Hosts {
		ex, err := pool.Get(h)
		if err != nil {
			t.Fatal(err)
		}
		r, err := ex.Run(context.Background(), remote.Command{Cmd: "echo $PORTHOLE_TEST", Keep: true})
		if err != nil || r.ExitCode != 0 || string(r.Stdout) != "yes\n" {
			t.Fatalf("%s: %+v %v", h, r, err)
		}
	}
}

func TestStopRestartRotate(t *testing.T) {
	c := sshtest.Start(t, 2, sshtest.HashedKnownHosts())
	kh, _ := os.ReadFile(c.KnownHostsPath)
	if !strings.HasPrefix(string(kh), "|1|") || strings.Contains(string(kh), "127.0.0.1") {
		t.Fatalf("known_hosts is not hashed:\n%s", kh)
	}
	ssh := func(i int) error {
		return exec.Command("ssh", "-F", c.SSHConfigPath, c.Hosts[i], "true").Run()
	}
	if err := ssh(0); err != nil {
		t.Fatal(err)
	}
	c.Stop(0)
	if err := ssh(0); err == nil {
		t.Fatal("ssh to a stopped host succeeded")
	}
	if err := ssh(1); err != nil {
		t.Fatalf("host 2 should be unaffected by stopping host 1: %v", err)
	}
	c.Restart(0)
	if err := ssh(0); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	old := c.Fingerprint(1)
	c.RotateHostKey(1)
	if c.Fingerprint(1) == old {
		t.Fatal("fingerprint unchanged after RotateHostKey")
	}
	if err := ssh(1); err == nil {
		t.Fatal("OpenSSH accepted a rotated host key with StrictHostKeyChecking yes")
	}
	c.TrustHostKeys()
	if err := ssh(1); err != nil {
		t.Fatalf("after TrustHostKeys: %v", err)
	}
}

func TestPacked(t *testing.T) {
	c := sshtest.Start(t, 20, sshtest.PortsPerSSHD(16))
	if c.SSHDOf(0) != c.SSHDOf(15) || c.SSHDOf(15) == c.SSHDOf(16) {
		t.Fatalf("hosts 1-16 should share sshd 0 and host 17 use another: %d %d %d", c.SSHDOf(0), c.SSHDOf(15), c.SSHDOf(16))
	}
	seen := map[int]bool{}
	for _, p := range c.Ports {
		if seen[p] {
			t.Fatalf("port %d used twice: %v", p, c.Ports)
		}
		seen[p] = true
	}
	if err := exec.Command("ssh", "-F", c.SSHConfigPath, "h20", "true").Run(); err != nil {
		t.Fatal(err)
	}
}

func TestConnectionsAndCPU(t *testing.T) {
	c := sshtest.Start(t, 2, sshtest.PortsPerSSHD(2))
	if len(c.PIDs()) != 1 {
		t.Fatalf("2 hosts packed 2 per sshd run %d sshd processes", len(c.PIDs()))
	}
	if err := c.WaitIdle(time.Second); err != nil || c.Connections() != 0 {
		t.Fatalf("fresh cluster busy: %v", err)
	}
	before := c.CPU()
	for i := 0; i < 5; i++ {
		exec.Command("ssh", "-F", c.SSHConfigPath, "h1", "true").Run()
	}
	if err := c.WaitIdle(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if c.CPU() <= before {
		t.Errorf("sshd CPU did not grow over 5 logins: %v then %v", before, c.CPU())
	}

	x := exec.Command("ssh", "-F", c.SSHConfigPath, "h2", "echo started; sleep 30")
	out, _ := x.StdoutPipe()
	x.Start()
	out.Read(make([]byte, 8)) // "started"
	if n := c.Connections(); n != 1 {
		t.Errorf("%d connections while one ssh runs, want 1", n)
	}
	x.Process.Kill()
	x.Wait()
	c.Stop(1)
	if c.Connections() != 0 || len(c.PIDs()) != 0 {
		t.Errorf("after Stop: %d connections, %d sshd", c.Connections(), len(c.PIDs()))
	}
}
