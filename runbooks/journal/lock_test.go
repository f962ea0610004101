package journal

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestJournalHolderProcess is the second porthole of TestOneProcessPerWindow:
// it opens the window's journal and holds it until its stdin closes.
func TestJournalHolderProcess(t *testing.T) {
	dir := os.Getenv("PORTHOLE_TEST_HOLD_DIR")
	if dir == "" {
		t.Skip("only run as a subprocess of TestOneProcessPerWindow")
	}
	j, err := Open(dir, Header{ID: "20260102-030405-backport", Kind: "backport"})
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("holding\n")
	_, _ = io.Copy(io.Discard, os.Stdin)
	j.Close()
}

func TestOneProcessPerWindow(t *testing.T) {
	dir := t.TempDir()
	h := Header{ID: "20260102-030405-backport", Kind: "backport"}

	// Another porthole process holds the window.
	cmd := exec.Command(os.Args[0], "-test.run=^TestJournalHolderProcess$")
	cmd.Env = append(os.Environ(), "PORTHOLE_TEST_HOLD_DIR="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "holding\n" {
		t.Fatalf("the holder did not open the journal: %q %v", line, err)
	}

	_, err = Open(dir, h)
	var le *WindowLockedError
	if !errors.As(err, &le) {
		t.Fatalf("a second process opened a held window: %v", err)
	}
	host, _ := os.Hostname()
	for _, want := range []string{"open in another porthole", CurrentUser(), host, "pid " + strconv.Itoa(cmd.Process.Pid)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}

	// The holder quits: the window can be opened again, and its journal is intact.
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("holder: %v", err)
	}
	j, err := Open(dir, h)
	if err != nil {
		t.Fatalf("after the holder quit: %v", err)
	}
	defer j.Close()
	if _, err := Open(dir, h); !errors.As(err, &le) || le.Holder.PID != os.Getpid() {
		t.Fatalf("the same window opened twice in one process: %v", err)
	}
}
