package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"porthole/remote/sshtest"
)

// runExecArgs runs porthole exec in-process and returns its stdout and stderr.
func runExecArgs(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	execStdout, execStderr = &out, &errb
	defer func() { execStdout, execStderr = os.Stdout, os.Stderr }()
	t.Setenv("PORTHOLE_CONFIG", "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	err := runExec(context.Background(), args)
	return out.String(), errb.String(), err
}

func clusterArgs(c *sshtest.Cluster) []string {
	return []string{"-F", c.SSHConfigPath, "--known-hosts", c.KnownHostsPath, "--no-agent"}
}

func TestExecPrefixedOutput(t *testing.T) {
	c := sshtest.Start(t, 3)
	args := append(clusterArgs(c), "-H", "h[1-3]", "--", "echo", "one;", "echo two;", "echo oops >&2")
	out, errOut, err := runExecArgs(t, args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	for _, h := range c.Hosts {
		// each host's own lines complete and in order (and the hosts in
		// the order named: TestExecPrintsHostsInTheOrderNamed)
		var mine []string
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, h+": ") {
				mine = append(mine, l)
			}
		}
		if strings.Join(mine, "\n") != h+": one\n"+h+": two" {
			t.Errorf("stdout has %q for %s, want its two lines in order:\n%s", mine, h, out)
		}
		if !strings.Contains(errOut, h+": oops\n") {
			t.Errorf("stderr lacks %s: oops:\n%s", h, errOut)
		}
	}
	if strings.Count(out, "\n") != 6 {
		t.Errorf("stdout has %d lines, want 6:\n%s", strings.Count(out, "\n"), out)
	}
}

func TestExecFailuresSummaryAndGroups(t *testing.T) {
	c := sshtest.Start(t, 4, sshtest.Names("mw1", "mw2", "mw3", "deploy1"))
	c.Stop(2)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("state_dir: %s\nssh_config: %s\nknown_hosts: [%s]\nhosts:\n  appservers: [mw1, mw2, mw3]\n  deploy: [deploy1]\n",
		filepath.Join(dir, "state"), c.SSHConfigPath, c.KnownHostsPath)), 0o600)
	cmd := fmt.Sprintf(`case "$SSH_CONNECTION" in *" %d") exit 3;; esac; echo fine`, c.Ports[1])
	out, errOut, err := runExecArgs(t, "--config", cfg, "--no-agent", "-g", "appservers", "-g", "deploy", "--progress", "--", cmd)
	if err == nil {
		t.Fatal("exec succeeded with a failing and a dead host")
	}
	if want := "2 ok, 2 failed: mw2 (exit 3), mw3 (connection refused)"; err.Error() != want {
		t.Errorf("summary %q, want %q", err, want)
	}
	if !strings.Contains(out, "mw1: fine") || !strings.Contains(out, "deploy1: fine") || strings.Contains(out, "mw2: fine") {
		t.Errorf("stdout:\n%s", out)
	}
	if !strings.Contains(errOut, "porthole: mw3: cannot connect to mw3") {
		t.Errorf("stderr lacks mw3's connection error:\n%s", errOut)
	}
	if !strings.Contains(errOut, "exec: 100% (in-flight: 0; ok: 2; fail: 2; left: 0)") {
		t.Errorf("stderr lacks the final progress line:\n%s", errOut)
	}

	// A failure limit: one host at a time, stop after the first failure.
	_, _, err = runExecArgs(t, "--config", cfg, "--no-agent", "-g", "appservers,deploy", "-p", "1", "--max-failures", "1", "--", cmd)
	if err == nil || err.Error() != "1 ok, 1 failed, 2 not started: mw2 (exit 3)" {
		t.Errorf("with --max-failures 1: %v", err)
	}

	// An unknown group names the known ones.
	_, _, err = runExecArgs(t, "--config", cfg, "-g", "nope", "--", "true")
	var ue usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "groups: appservers, deploy") {
		t.Errorf("unknown group: %v", err)
	}
}

func TestExecGathered(t *testing.T) {
	c := sshtest.Start(t, 4)
	cmd := fmt.Sprintf(`case "$SSH_CONNECTION" in *" %d") echo different;; *) echo same; echo lines;; esac`, c.Ports[2])
	out, _, err := runExecArgs(t, append(clusterArgs(c), "-b", "-H", "h1,h2,h3,h4", "--", cmd)...)
	if err != nil {
		t.Fatal(err)
	}
	want := "---------------\nh[1-2,4] (3)\n---------------\nsame\nlines\n" +
		"---------------\nh3 (1)\n---------------\ndifferent\n"
	if out != want {
		t.Errorf("gathered output:\n%s\nwant:\n%s", out, want)
	}
}

func TestExecUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-H", "h1"},
		{"--", "true"},
		{"-H", "h[1-", "--", "true"},
		{"-p", "-1", "-H", "h1", "--", "true"},
		{"--bogus"},
	} {
		_, _, err := runExecArgs(t, args...)
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("%v: got %v, want a usage error", args, err)
		}
	}
}

// The built binary exits 1 when a host fails, 0 when all succeed.
func TestExecExitCode(t *testing.T) {
	c := sshtest.Start(t, 2)
	bin := portholeBin(t)
	run := func(cmd string) (int, string) {
		x := exec.Command(bin, append([]string{"exec"}, append(clusterArgs(c), "-H", "h1,h2", "--", cmd)...)...)
		x.Env = append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir(), "PORTHOLE_CONFIG=")
		var errb bytes.Buffer
		x.Stderr = &errb
		err := x.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), errb.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, errb.String()
	}
	if code, _ := run("true"); code != 0 {
		t.Errorf("all ok: exit %d", code)
	}
	code, stderr := run("exit 5")
	if code != 1 || !strings.Contains(stderr, "0 ok, 2 failed: h1 (exit 5), h2 (exit 5)") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// TestExecPrintsHostsInTheOrderNamed: the first host named is the slowest,
// yet its lines come first, then the next host's, each host's lines together.
func TestExecPrintsHostsInTheOrderNamed(t *testing.T) {
	c := sshtest.Start(t, 3)
	cmd := fmt.Sprintf(`case "$SSH_CONNECTION" in *" %d") sleep 0.5;; *" %d") sleep 0.2;; esac; echo one; echo two; echo oops >&2`, c.Ports[0], c.Ports[1])
	out, errOut, err := runExecArgs(t, append(clusterArgs(c), "-H", "h1,h2,h3", "--", cmd)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if want := "h1: one\nh1: two\nh2: one\nh2: two\nh3: one\nh3: two\n"; out != want {
		t.Errorf("stdout:\n%s\nwant the hosts in the order named:\n%s", out, want)
	}
	if want := "h1: oops\nh2: oops\nh3: oops\n"; errOut != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", errOut, want)
	}
}
