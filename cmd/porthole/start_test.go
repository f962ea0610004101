package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"porthole/internal/testreq"
)

// TestStartLoadsNoHighlightRegistries: porthole's packages initialise
// without chroma's lexer and style registries and without bluemonday (their
// package init, every lexer and style parsed from XML, cost every porthole
// command 15-25 ms before main; see internal/forks/README.md), and
// porthole's own packages compile nothing at init (their regular
// expressions, ~2 ms, are internal/lazyre's). The diff viewer loads the
// lexers it knows on first use.
func TestStartLoadsNoHighlightRegistries(t *testing.T) {
	cmd := exec.Command(portholeBin(t), "--help")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("porthole --help: %v\n%s", err, out)
	}
	inits := 0
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 || f[0] != "init" {
			continue
		}
		inits++
		// "init PKG @T ms, C ms clock, B bytes, N allocs"
		if strings.HasPrefix(f[1], "porthole/") && len(f) >= 11 {
			if n, err := strconv.Atoi(f[9]); err == nil && n >= 100 {
				t.Errorf("%s allocates %d times at init (a regular expression compiled there? use internal/lazyre)", f[1], n)
			}
		}
		for _, heavy := range []string{"github.com/alecthomas/chroma/v2/lexers", "github.com/alecthomas/chroma/v2/styles", "github.com/microcosm-cc/bluemonday"} {
			if strings.HasPrefix(f[1], heavy) {
				t.Errorf("porthole's start initialises %s", f[1])
			}
		}
	}
	if inits < 50 {
		t.Fatalf("GODEBUG=inittrace=1 listed %d package inits:\n%s", inits, out)
	}
}

// TestStartInTmuxAsksTmuxNothing: started in tmux on a terminal, porthole
// starts no `tmux` process before main (lipgloss's package-level Writer
// asked `tmux info` for its colour profile: 10-15 ms; porthole's fork does
// not, and the TUI asks tmux after its first frame).
func TestStartInTmuxAsksTmuxNothing(t *testing.T) {
	sock := testreq.TmuxServer(t)
	bin := portholeBin(t)
	dir := t.TempDir()
	fake := filepath.Join(dir, "bin")
	real, err := exec.LookPath("tmux")
	if err != nil {
		t.Fatal(err)
	}
	calls, status := filepath.Join(dir, "tmux-calls"), filepath.Join(dir, "status")
	script := fmt.Sprintf("#!/bin/sh\necho \"$*\" >>%s\nexec %s \"$@\"\n", calls, real)
	if err := os.MkdirAll(fake, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fake, "tmux"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	// stdout is the pane (a terminal), as when a deployer runs porthole in tmux
	shell := fmt.Sprintf("PATH=%s:$PATH %s --help; echo $? >%s; sleep 60", fake, bin, status)
	out, err := exec.Command("tmux", "-L", sock, "-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", "80", "-y", "24", shell).CombinedOutput()
	if err != nil {
		t.Fatalf("tmux: %v\n%s", err, out)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if s, err := os.ReadFile(status); err == nil && strings.HasSuffix(string(s), "\n") {
			if strings.TrimSpace(string(s)) != "0" {
				t.Fatalf("porthole --help exited %s", s)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("porthole --help did not finish in tmux")
		}
	}
	if b, err := os.ReadFile(calls); err == nil {
		t.Fatalf("porthole ran tmux at its start: %q", b)
	}
	// the fake tmux is found on that PATH: a check that the test can fail
	check := exec.Command("sh", "-c", "tmux -V >/dev/null")
	check.Env = append(os.Environ(), "PATH="+fake+":"+os.Getenv("PATH"))
	if out, err := check.CombinedOutput(); err != nil {
		t.Fatalf("fake tmux: %v\n%s", err, out)
	}
	if _, err := os.Stat(calls); err != nil {
		t.Fatal("the fake tmux does not record its calls")
	}
}
