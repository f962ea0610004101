package remote

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"porthole/internal/testreq"
)

// TestTmuxTerminalJob: the command has a terminal (stdin and stdout are a
// tty), its \r rewrites arrive as lines of their own, a question waiting
// for input is seen as a partial line, and SendKeys answers it.
func TestTmuxTerminalJob(t *testing.T) {
	sock := testreq.TmuxServer(t)
	ex := &Local{Name: "deploy1002"}
	ctx := context.Background()
	cmd := `[ -t 0 ] && [ -t 1 ] && echo "tty: yes"; printf 'p: 10%%\r' >&2; printf 'p: 50%%\r' >&2; printf '\n'; ` +
		`printf 'What do you want to do? (default: [r]): '; read ans; echo "answer=$ans"; exit 4`
	j, err := StartTmuxTerminal(ctx, ex, sock, t.TempDir(), TmuxSessionName("term"), cmd)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var lines []string
	answered := false
	code, err := j.Follow(ctx, func() (Executor, error) { return ex, nil }, FollowOptions{
		Poll:    20 * time.Millisecond,
		SplitCR: true,
		OnLine: func(l string) {
			mu.Lock()
			lines = append(lines, l)
			mu.Unlock()
		},
		OnPartial: func(p string) {
			if !answered && strings.HasSuffix(p, "(default: [r]): ") {
				answered = true
				if err := j.SendKeys(ctx, ex, "b"); err != nil {
					t.Error(err)
				}
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if code != 4 {
		t.Errorf("exit %d, want 4", code)
	}
	got := strings.Join(lines, "|")
	for _, want := range []string{"tty: yes|p: 10%|p: 50%|", "answer=b"} {
		if !strings.Contains(got, want) {
			t.Errorf("lines %q lack %q", got, want)
		}
	}
	if !answered {
		t.Error("the question was never seen as a partial line")
	}
}
