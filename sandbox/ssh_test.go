package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func TestOpenSSHClient(t *testing.T) {
	sb := shared(t)
	php := filepath.Join(sb.StagingDir(), "php-"+sb.Version)

	out, errs, code := openssh(t, sb, "", DeployHost, "git -C "+q(php)+" status")
	if code != 0 || !strings.Contains(out, "On branch wmf/"+sb.Version) {
		t.Fatalf("ssh deploy1002 git status: exit %d\n%s%s", code, out, errs)
	}
	out, errs, code = openssh(t, sb, "", "mw1003", "echo to-stdout; echo to-stderr >&2; exit 7")
	if code != 7 || out != "to-stdout\n" || !strings.Contains(errs, "to-stderr") {
		t.Errorf("exit/stdout/stderr = %d %q %q, want 7 \"to-stdout\\n\" and to-stderr", code, out, errs)
	}
	out, _, code = openssh(t, sb, "line one\nline two\n", "mwdebug1001", "wc -l")
	if code != 0 || strings.TrimSpace(out) != "2" {
		t.Errorf("stdin: wc -l said %q (exit %d), want 2", out, code)
	}
	out, _, _ = openssh(t, sb, "", "mwmaint1002", `echo "$HOME|$SANDBOX_HOST|$USER|$PATH|$(pwd)"`)
	want := fmt.Sprintf("%s|mwmaint1002|%s|%s:/usr/bin:/bin|%s\n", sb.hostHome(MaintHost), sb.User, filepath.Join(sb.Root, "bin"), sb.hostHome(MaintHost))
	if out != want {
		t.Errorf("environment = %q, want %q", out, want)
	}
	// The session's shell is not a login shell: no profile, no ~/.bashrc of the caller.
	out, _, _ = openssh(t, sb, "", DeployHost, `echo "$0"; case $- in *i*) echo interactive;; esac; test -e ~/.profile && echo profile`)
	if out != "/bin/sh\n" {
		t.Errorf("shell = %q, want a plain, non-interactive /bin/sh -c", out)
	}
	// A pty when asked (ssh -t), e.g. for tmux attach.
	out, errs, code = openssh(t, sb, "", "-tt", DeployHost, "tty; echo $TERM")
	if code != 0 || !strings.Contains(out, "/dev/pts/") {
		t.Errorf("ssh -tt: exit %d, output %q %q, want a /dev/pts terminal", code, out, errs)
	}

	// Strict host key checking: a known_hosts holding another key is refused.
	data, err := os.ReadFile(sb.KnownHostsPath)
	if err != nil {
		t.Fatal(err)
	}
	ls := lines(string(data))
	var deployLine, otherKey string
	for _, l := range ls {
		f := strings.Fields(l)
		if len(f) == 3 && strings.Contains(f[0], ","+DeployHost+",") {
			deployLine = l
		}
		if len(f) == 3 && strings.Contains(f[0], ",mw1001,") {
			otherKey = f[2]
		}
	}
	if deployLine == "" || otherKey == "" {
		t.Fatalf("known_hosts lacks deploy1002 or mw1001:\n%s", data)
	}
	f := strings.Fields(deployLine)
	bad := strings.Replace(string(data), deployLine, f[0]+" "+f[1]+" "+otherKey, 1)
	badPath := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(badPath, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errs, code = openssh(t, sb, "", "-o", "UserKnownHostsFile="+badPath, DeployHost, "true")
	if code != 255 || !strings.Contains(errs, "Host key verification failed") {
		t.Errorf("changed host key: exit %d, stderr %q; want refusal", code, errs)
	}
}

func TestGoClient(t *testing.T) {
	sb := shared(t)
	cl := newClients(t, sb)

	out, errs, code := cl.run(t, "mw1002", "echo out; echo err >&2; exit 3")
	if code != 3 || out != "out\n" || errs != "err\n" {
		t.Errorf("got %d %q %q, want 3 \"out\\n\" \"err\\n\"", code, out, errs)
	}
	if out := cl.ok(t, DeployHost, "hostname >/dev/null; echo $SANDBOX_HOST"); out != "deploy1002\n" {
		t.Errorf("SANDBOX_HOST = %q", out)
	}
	for _, h := range []string{"mw1001", DeployHost} { // each host answers its own name
		if out := cl.ok(t, h, "hostname; hostname -f"); out != h+"\n"+h+"\n" {
			t.Errorf("hostname on %s = %q", h, out)
		}
	}

	// Many sessions on one connection, at once.
	var wg sync.WaitGroup
	errc := make(chan error, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s, err := cl.client(t, "mw1001").NewSession()
			if err != nil {
				errc <- err
				return
			}
			defer s.Close()
			s.Stdin = strings.NewReader(strings.Repeat("x", 100000))
			got, err := s.Output(fmt.Sprintf("wc -c; echo %d", i))
			if err != nil {
				errc <- err
				return
			}
			if want := fmt.Sprintf("100000\n%d\n", i); string(got) != want {
				errc <- fmt.Errorf("session %d: %q, want %q", i, got, want)
			}
		}(i)
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}

	// An unknown host key is refused.
	empty := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	hk, err := knownhosts.New(empty)
	if err != nil {
		t.Fatal(err)
	}
	cfg := *cl.cfg
	cfg.HostKeyCallback = hk
	if _, err := ssh.Dial("tcp", sb.Addr("mw1001"), &cfg); err == nil || !strings.Contains(err.Error(), "key is unknown") {
		t.Errorf("dial with an empty known_hosts: %v, want an unknown-key error", err)
	}
	// Another user key is refused.
	_, other, _ := newSigner()
	cfg = *cl.cfg
	cfg.Auth = []ssh.AuthMethod{ssh.PublicKeys(other)}
	if _, err := ssh.Dial("tcp", sb.Addr("mw1001"), &cfg); err == nil {
		t.Error("a key not in authorized_keys was accepted")
	}
	// Only session channels are served.
	if _, err := cl.client(t, "mw1001").Dial("tcp", "127.0.0.1:22"); err == nil {
		t.Error("port forwarding was allowed")
	}
}

// pidAlive is true while pid runs (a zombie awaiting its parent counts as gone).
func pidAlive(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	return len(f) > 0 && f[0] != "Z" && f[0] != "X"
}

func readPID(t *testing.T, path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return 0
	}
	return pid
}

func TestCancelKillsTheCommand(t *testing.T) {
	sb := shared(t)
	cl := newClients(t, sb)
	dir := t.TempDir()

	// Closing the session (what a cancelled client does) kills the command
	// and its children.
	shPID, childPID := filepath.Join(dir, "sh.pid"), filepath.Join(dir, "child.pid")
	s, err := cl.client(t, DeployHost).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start("sleep 300 & echo $! > " + q(childPID) + "; echo $$ > " + q(shPID) + "; wait"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the command to start", func() bool { return readPID(t, shPID) > 0 && readPID(t, childPID) > 0 })
	sh, child := readPID(t, shPID), readPID(t, childPID)
	if !pidAlive(sh) || !pidAlive(child) {
		t.Fatal("the command is not running")
	}
	s.Close()
	waitFor(t, "the shell to be killed", func() bool { return !pidAlive(sh) })
	waitFor(t, "its child to be killed", func() bool { return !pidAlive(child) })

	// A signal request reaches the whole process group; the exit says which signal.
	os.Remove(shPID)
	s, err = cl.client(t, DeployHost).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Start("echo $$ > " + q(shPID) + "; sleep 300"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the command to start", func() bool { return readPID(t, shPID) > 0 })
	if err := s.Signal(ssh.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err = s.Wait()
	var ee *ssh.ExitError
	if !errors.As(err, &ee) || ee.Signal() != "TERM" {
		t.Errorf("after SIGTERM: %v, want an exit by signal TERM", err)
	}

	// Dropping the connection (a host going away) kills what it ran.
	os.Remove(shPID)
	s2, err := cl.client(t, "mw1004").NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Start("echo $$ > " + q(shPID) + "; exec sleep 300"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the command to start", func() bool { return readPID(t, shPID) > 0 })
	pid := readPID(t, shPID)
	if err := sb.DropConnections("mw1004"); err != nil {
		t.Fatal(err)
	}
	if err := s2.Wait(); err == nil {
		t.Error("the session ended cleanly although its connection was dropped")
	}
	waitFor(t, "the command of a dropped connection to be killed", func() bool { return !pidAlive(pid) })
	delete(cl.c, "mw1004")
	if out := cl.ok(t, "mw1004", "echo back"); out != "back\n" {
		t.Errorf("after the drop the host answers %q", out)
	}
}

func TestPTYShell(t *testing.T) {
	sb := shared(t)
	cl := newClients(t, sb)
	s, err := cl.client(t, DeployHost).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.RequestPty("xterm", 24, 80, ssh.TerminalModes{ssh.ECHO: 0}); err != nil {
		t.Fatal(err)
	}
	in, err := s.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	s.Stdout = &out
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	if err := s.WindowChange(40, 120); err != nil {
		t.Fatal(err)
	}
	io.WriteString(in, "echo answer=$((6*7)) size=$(stty size); exit 5\n")
	err = s.Wait()
	var ee *ssh.ExitError
	if !errors.As(err, &ee) || ee.ExitStatus() != 5 {
		t.Errorf("shell exit: %v, want status 5", err)
	}
	if !strings.Contains(out.String(), "answer=42 size=40 120") {
		t.Errorf("interactive shell output %q lacks answer=42 size=40 120", out.String())
	}
}
