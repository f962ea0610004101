package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"porthole/internal/testreq"
)

// Without a terminal the TUI refuses, and says what to use instead.
func TestTUIRefusesWithoutATerminal(t *testing.T) {
	if haveTTY() {
		t.Skip("stdin and stdout are a terminal here")
	}
	for _, args := range [][]string{nil, {"1000"}, {"--diff", "x.patch"}} {
		err := runTUI(context.Background(), args)
		if !errors.Is(err, errNoTTY) {
			t.Fatalf("runTUI(%q) = %v, want the no-terminal error", args, err)
		}
		if !strings.Contains(err.Error(), "porthole plan") || !strings.Contains(err.Error(), "porthole exec") {
			t.Fatalf("the error does not point to plan/exec: %v", err)
		}
	}
	var ue usageError
	if err := runTUI(context.Background(), []string{"--no-such-flag"}); !errors.As(err, &ue) {
		t.Fatalf("a bad flag gave %v, want a usage error", err)
	}
}

func TestTUIIsTheDefaultCommand(t *testing.T) {
	c, ok := commands["tui"]
	if !ok || c.run == nil {
		t.Fatal("no tui command registered")
	}
	if demoTUI == nil {
		t.Fatal("porthole demo has no TUI hook")
	}
}

// porthole tui --diff shows the file in a real terminal (tmux), pages down
// on Space and exits cleanly on q. It reads no config: with none around, it
// still opens.
func TestDiffInATerminal(t *testing.T) {
	sock := testreq.TmuxServer(t)
	bin := portholeBin(t)
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("commit 0123456789abcdef0123456789abcdef01234567\nAuthor: A <a@example.org>\nDate:   Mon Dec 7 10:00:00 2026 +0000\n\n    Add lines\n\n")
	b.WriteString("diff --git a/f.txt b/f.txt\n--- a/f.txt\n+++ b/f.txt\n@@ -0,0 +1,80 @@\n")
	for i := 1; i <= 80; i++ {
		fmt.Fprintf(&b, "+line %d\n", i)
	}
	patch, status := filepath.Join(dir, "log.patch"), filepath.Join(dir, "status")
	if err := os.WriteFile(patch, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	tmux := func(args ...string) string {
		out, err := exec.Command("tmux", append([]string{"-L", sock, "-f", "/dev/null"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %q: %v\n%s", args, err, out)
		}
		return string(out)
	}
	shell := fmt.Sprintf("cd %s && XDG_CONFIG_HOME=%s %s tui --diff log.patch 2>stderr; echo $? >%s; sleep 60", dir, dir, bin, status)
	tmux("new-session", "-d", "-s", "t", "-x", "80", "-y", "24", shell)
	waitPane := func(what string) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if strings.Contains(tmux("capture-pane", "-p", "-t", "t"), what) {
				return
			}
			if _, err := os.Stat(status); err == nil {
				break // porthole has exited
			}
		}
		errOut, _ := os.ReadFile(filepath.Join(dir, "stderr"))
		t.Fatalf("%q never showed; pane:\n%s\nstderr: %s", what, tmux("capture-pane", "-p", "-t", "t"), errOut)
	}
	waitPane("commit 0123456789abcdef")
	tmux("send-keys", "-t", "t", "Space")
	waitPane("+line 30\n")
	tmux("send-keys", "-t", "t", "q")
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if s, err := os.ReadFile(status); err == nil && strings.HasSuffix(string(s), "\n") {
			if code := strings.TrimSpace(string(s)); code != "0" {
				errOut, _ := os.ReadFile(filepath.Join(dir, "stderr"))
				t.Fatalf("porthole tui --diff exited %s; stderr:\n%s", code, errOut)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("porthole did not exit on q; pane:\n%s", tmux("capture-pane", "-p", "-t", "t"))
		}
	}
}
