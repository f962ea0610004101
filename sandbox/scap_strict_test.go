package sandbox

import (
	"bytes"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// runPTY runs cmd on host with a pseudo-terminal (as ssh -t, or a deployer's
// terminal, gives scap), feeding stdin; it returns the raw terminal output.
func runPTY(t *testing.T, cl *clients, host, cmd, stdin string) (string, int) {
	t.Helper()
	s, err := cl.client(t, host).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.RequestPty("xterm", 50, 200, ssh.TerminalModes{ssh.ECHO: 0}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	s.Stdout = &out // a terminal has one output stream
	in, err := s.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(cmd); err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(in, stdin) // typed ahead: the terminal keeps it for the prompts
	err = s.Wait()
	code := 0
	if ee, ok := err.(*ssh.ExitError); ok {
		code = ee.ExitStatus()
	} else if err != nil {
		t.Fatalf("%s on %s: %v\n%s", cmd, host, err, out.String())
	}
	return out.String(), code
}

// ttyProgressRE is a progress update on a terminal: padded to 80 columns,
// a spinner after the counts until the final update.
var ttyProgressRE = regexp.MustCompile(`^\d\d:\d\d:\d\d ([a-z-]+): +(\d+)% \((?:in-flight: (\d+); )?ok: (\d+); fail: (\d+); left: (\d+)\) ([-\\|/]?) *$`)

// TestScapProgressOnATerminal: with a terminal, scap rewrites one progress
// line with \r (80 columns, a spinner), one update per host started and per
// host finished, and ends the line with \n only when the stage finishes.
func TestScapProgressOnATerminal(t *testing.T) {
	t.Parallel() // a sandbox of its own
	sb := start(t, 0)
	cl := newClients(t, sb)
	raw, code := runPTY(t, cl, DeployHost, "cd "+q(sb.StagingDir())+" && scap sync-file wmf-config/InitialiseSettings.php 'tty test'", "")
	if code != 0 {
		t.Fatalf("exit %d:\n%q", code, raw)
	}
	// The stage's updates: \r-terminated rewrites; the last one ends "\r" + "\r\n" (the tty's \n).
	i := strings.Index(raw, "sync-apaches:   0%")
	if i < 0 {
		t.Fatalf("no sync-apaches progress:\n%q", raw)
	}
	i = strings.LastIndex(raw[:i], "\n") + 1
	end := strings.Index(raw[i:], "\r\r\n")
	if end < 0 {
		t.Fatalf("the stage's progress line never ends with \\r then the terminal's \\r\\n:\n%q", raw[i:])
	}
	segs := strings.Split(raw[i:i+end], "\r")
	// start, 6 hosts in flight, 6 done, final
	if len(segs) != 14 {
		t.Fatalf("%d updates of sync-apaches, want 14 (start, 6 started, 6 finished, final):\n%q", len(segs), segs)
	}
	spin := "-\\|/"
	for k, s := range segs {
		m := ttyProgressRE.FindStringSubmatch(s)
		if m == nil || m[1] != "sync-apaches" || len(s) != 80 {
			t.Fatalf("update %d %q is not scap's 80-column terminal line", k, s)
		}
		last := k == len(segs)-1
		if last && m[7] != "" {
			t.Errorf("the final update %q has a spinner", s)
		}
		if !last && m[7] != string(spin[k%4]) {
			t.Errorf("update %d %q: spinner %q, want %q", k, s, m[7], spin[k%4])
		}
	}
	if !strings.Contains(segs[6], "0% (in-flight: 6; ok: 0; fail: 0; left: 0)") || !strings.Contains(segs[13], "100% (in-flight: 0; ok: 6; fail: 0; left: 0)") {
		t.Errorf("counts: %q … %q", segs[6], segs[13])
	}
}

// TestScapCanaryFailure: failing canary checks stop the sync. Without a
// terminal scap takes the default of its question silently: roll back; on a
// terminal it asks retry / ignore / roll back / exit and waits.
func TestScapCanaryFailure(t *testing.T) {
	t.Parallel() // a sandbox of its own
	sb := start(t, 0)
	cl := newClients(t, sb)
	staging := q(sb.StagingDir())
	path := "wmf-config/InitialiseSettings.php"
	before, _ := sb.ReadAppServerFile("mwdebug1001", path)
	cl.ok(t, DeployHost, "cd "+staging+" && echo '// canary' >> "+path)
	if err := sb.SetCanariesFailing(true); err != nil {
		t.Fatal(err)
	}
	out, errs, code := cl.run(t, DeployHost, "cd "+staging+" && scap sync-file "+path+" 'canary test'")
	if code != 1 || !strings.Contains(errs, "Logstash checker counted 57 error(s)") || !strings.Contains(out, "Rolling back deployment") {
		t.Fatalf("without a terminal: exit %d\nstdout %s\nstderr %s", code, out, errs)
	}
	if strings.Contains(out, "What do you want to do?") {
		t.Errorf("without a terminal scap asks nothing:\n%s", out)
	}
	for _, h := range []string{"mwdebug1001", "mwdebug1002", "mw1001", "mw1005"} {
		if got, _ := sb.ReadAppServerFile(h, path); string(got) != string(before) {
			t.Errorf("%s runs the change after the rollback", h)
		}
	}
	// On a terminal: asked; r retries (fails again), i goes on to production.
	raw, code := runPTY(t, cl, DeployHost, "cd "+staging+" && scap sync-file "+path+" 'canary test'", "r\ni\n")
	if code != 0 || strings.Count(raw, "What do you want to do? (default: [r]): ") != 2 || !strings.Contains(raw, "[b] Roll back all stages and terminate") {
		t.Fatalf("on a terminal: exit %d\n%q", code, raw)
	}
	for _, h := range []string{"mwdebug1001", "mw1001", "mw1005"} {
		if got, _ := sb.ReadAppServerFile(h, path); !strings.HasSuffix(string(got), "// canary\n") {
			t.Errorf("%s did not get the file after ignoring the canaries", h)
		}
	}
}

// TestScapGlobalLock: while /var/lock/scap-global-lock exists (scap lock
// --all), scap refuses with its own message, naming owner and reason.
func TestScapGlobalLock(t *testing.T) {
	t.Parallel() // a sandbox of its own
	sb := start(t, 0)
	cl := newClients(t, sb)
	g := filepath.Join(sb.HostDir(DeployHost), "var", "lock", "scap-global-lock")
	if err := os.MkdirAll(filepath.Dir(g), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(g, []byte("train blocked: T999"), 0o444); err != nil {
		t.Fatal(err)
	}
	_, errs, code := cl.run(t, DeployHost, "cd "+q(sb.StagingDir())+" && scap sync-file wmf-config/InitialiseSettings.php 'x'")
	want := `Failed to acquire lock "/var/lock/scap-global-lock"; owner is "` + currentUser(t) + `"; reason is "train blocked: T999"`
	if code != 1 || !strings.Contains(errs, want) {
		t.Fatalf("exit %d, stderr %q, want %q", code, errs, want)
	}
	os.Remove(g)
	cl.ok(t, DeployHost, "cd "+q(sb.StagingDir())+" && scap sync-file wmf-config/InitialiseSettings.php 'x'")
}

// currentUser is the name stat -c %U gives files this test writes.
func currentUser(t *testing.T) string {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return u.Username
}
