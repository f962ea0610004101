package tui

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"porthole/internal/testreq"
)

// term is porthole running in a real terminal (tmux): the test types with
// send-keys and reads the screen with capture-pane, as a deployer would.
type term struct {
	t      *testing.T
	socket string
}

func (s *term) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (s *term) screen() string { return s.tmux("capture-pane", "-p", "-t", "e2e") }

// waitFor polls the screen until it shows want (the deadline only turns a
// hang into a failure).
func (s *term) waitFor(want string) string {
	s.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		scr := s.screen()
		if strings.Contains(scr, want) {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%q never showed; screen:\n%s", want, scr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *term) keys(k ...string) { s.tmux(append([]string{"send-keys", "-t", "e2e"}, k...)...) }

// nextAction is the footer's first line: what enter does now.
func nextAction(screen string) string {
	lines := strings.Split(strings.TrimRight(screen, "\n"), "\n")
	if len(lines) < 2 {
		return ""
	}
	return strings.TrimSpace(lines[len(lines)-2])
}

// dialogStep is the "Step N of M" an open question belongs to ("" when none).
var dialogStep = regexp.MustCompile(`Step \d+ of \d+`)

// where is what tells one moment of the window from the next: the footer's
// next action and the step of the question shown (two questions in a row
// have the same footer).
func where(screen string) string {
	return nextAction(screen) + " | " + dialogStep.FindString(screen)
}

// The demo, end to end in a terminal: porthole demo starts the sandbox and
// the TUI; the deployer types the core change and runs the whole window
// with enter and y; the file reaches every app server.
func TestE2EDemoWindowInTmux(t *testing.T) {
	t.Parallel() // a sandbox of its own
	if testing.Short() {
		t.Skip("builds porthole and runs the demo in tmux")
	}
	testreq.Tmux(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "porthole")
	if out, err := exec.Command("go", "build", "-o", bin, "porthole/cmd/porthole").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	root := filepath.Join(dir, "sandbox")
	s := &term{t: t, socket: filepath.Join(dir, "tmux.sock")}
	shell := fmt.Sprintf("%s demo --dir %s --ci-delay 200ms 2>%s; echo porthole-exited:$?; sleep 600",
		bin, root, filepath.Join(dir, "stderr"))
	s.tmux("-f", "/dev/null", "new-session", "-d", "-s", "e2e", "-x", "100", "-y", "30", "env", "TERM=xterm-256color", "sh", "-c", shell)
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "stderr"))
			t.Logf("stderr:\n%s", b)
		}
		_ = exec.Command("tmux", "-S", s.socket, "kill-server").Run()
	})

	s.waitFor("porthole demo · Home")
	s.waitFor("SANDBOX")
	s.keys("-l", "1000")
	s.keys("Enter")
	s.waitFor("plan ready")
	s.keys("Enter")
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		scr := s.screen()
		next, at := nextAction(scr), where(scr)
		switch {
		case strings.Contains(scr, "✓ window done"):
			deadline = time.Time{}
			continue
		case strings.Contains(scr, "window stopped"):
			t.Fatalf("the window stopped:\n%s", scr)
		case strings.Contains(scr, "[y] Yes") && (strings.Contains(scr, "y/n: answer") || strings.Contains(scr, "y/r/n: answer")): // an armed question
			s.keys("y")
		case strings.HasPrefix(next, "enter run step"):
			s.keys("Enter")
		default:
			time.Sleep(50 * time.Millisecond)
			continue
		}
		// Wait for the footer's next action (or the question) to change before the next key.
		for wait := time.Now().Add(30 * time.Second); where(s.screen()) == at && time.Now().Before(wait); {
			time.Sleep(50 * time.Millisecond)
		}
	}
	scr := s.waitFor("✓ window done")
	if !strings.Contains(scr, "Sync php-1.44.0-wmf.5/includes/api/ApiMain.php") {
		t.Errorf("the finished window does not show the sync:\n%s", scr)
	}
	staged, err := os.ReadFile(filepath.Join(root, "hosts", "deploy1002", "srv", "mediawiki-staging", "php-1.44.0-wmf.5", "includes", "api", "ApiMain.php"))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"mw1001", "mw1002", "mw1003", "mw1004", "mw1005"} {
		got, err := os.ReadFile(filepath.Join(root, "hosts", h, "srv", "mediawiki", "php-1.44.0-wmf.5", "includes", "api", "ApiMain.php"))
		if err != nil || string(got) != string(staged) {
			t.Errorf("%s does not have the deployed file (%v)", h, err)
		}
	}
	s.keys("Escape")
	s.waitFor("Past windows (1)")
	s.waitFor("enter on an empty line") // Home takes keys (a moment after the window)
	s.keys("q")
	s.waitFor("porthole-exited:0")
}
