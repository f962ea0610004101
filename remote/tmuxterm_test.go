package remote

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
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
	j, err := StartTmuxTerminal(ctx, ex, sock, t.TempDir(), TmuxSessionName("term"), Command{Cmd: cmd})
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

// TestTmuxTerminalJobDir: a terminal job runs in its Dir; when Dir is
// missing, or a file, starting it is a *DirError saying which, no session
// starts and nothing of the command runs (a `||` in it included).
func TestTmuxTerminalJobDir(t *testing.T) {
	sock := testreq.TmuxServer(t)
	ex := &Local{Name: "deploy1002"}
	ctx := context.Background()
	tmp := t.TempDir()
	out := filepath.Join(tmp, "ran")
	cmd := Command{Cmd: "pwd >> " + Quote(out) + " || echo failed >> " + Quote(out), Env: map[string]string{"A": "b"}}
	file := filepath.Join(tmp, "staging-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for dir, want := range map[string]string{
		filepath.Join(tmp, "staging"): filepath.Join(tmp, "staging") + " does not exist on deploy1002",
		file:                          file + " is not a directory on deploy1002",
	} {
		cmd.Dir = dir
		name := TmuxSessionName("dir")
		j, err := StartTmuxTerminal(ctx, ex, sock, t.TempDir(), name, cmd)
		var de *DirError
		if !errors.As(err, &de) || err.Error() != want || j != nil {
			t.Fatalf("in %s: job %v, err %v; want a DirError %q", dir, j, err, want)
		}
		if res, _ := ex.Run(ctx, Command{Cmd: tmuxCmd(sock, "has-session", "-t", "="+name)}); res.ExitCode == 0 {
			t.Errorf("tmux session %s was started for %s", name, dir)
		}
	}
	cmd.Dir = t.TempDir()
	j, err := StartTmuxTerminal(ctx, ex, sock, t.TempDir(), TmuxSessionName("dir"), cmd)
	if err != nil {
		t.Fatal(err)
	}
	code, err := j.Follow(ctx, func() (Executor, error) { return ex, nil }, FollowOptions{Poll: 20 * time.Millisecond, SplitCR: true})
	if err != nil || code != 0 || j.Cmd != cmd.Script() || j.Dir != cmd.Dir {
		t.Fatalf("in %s: exit %d, %v; job %+v", cmd.Dir, code, err, j)
	}
	if b, err := os.ReadFile(out); err != nil || string(b) != cmd.Dir+"\n" {
		t.Fatalf("the commands wrote %q (%v), want only the job's pwd %s", b, err, cmd.Dir)
	}
}

// TestTmuxJobDirGoneBeforeItRan: a job whose Dir vanished between its
// start and its run ends at dirCheck's line (exit 125): Follow says so as a
// *DirError, where a command of its own exiting 125 is an exit. (The
// transcripts are written here: the moment between the start's check and
// the run cannot be hit on purpose.)
func TestTmuxJobDirGoneBeforeItRan(t *testing.T) {
	sock := testreq.TmuxServer(t)
	ex := &Local{Name: "deploy1002"}
	for i, c := range []struct {
		out  string
		code int
		err  string
	}{
		{"porthole: /srv/mediawiki-staging does not exist\r\nporthole-exit-x:125\r\n", -1, "/srv/mediawiki-staging does not exist on deploy1002"},
		{"porthole: /srv/mediawiki-staging is not a directory\r\nporthole-exit-x:125\r\n", -1, "/srv/mediawiki-staging is not a directory on deploy1002"},
		{"scap: failed\r\nporthole-exit-x:125\r\n", 125, ""},
	} {
		tr := filepath.Join(t.TempDir(), "job.log")
		if err := os.WriteFile(tr, []byte(c.out), 0o600); err != nil {
			t.Fatal(err)
		}
		j := &TmuxJob{Host: "deploy1002", Session: TmuxSessionName("gone", strconv.Itoa(i)), Socket: sock,
			Transcript: tr, Dir: "/srv/mediawiki-staging", Marker: "porthole-exit-x:"}
		code, err := j.Follow(context.Background(), func() (Executor, error) { return ex, nil }, FollowOptions{Poll: 20 * time.Millisecond, SplitCR: true})
		var de *DirError
		got := ""
		if err != nil {
			got = err.Error()
		}
		if code != c.code || got != c.err || (err != nil && !errors.As(err, &de)) {
			t.Errorf("%q: exit %d, %v; want %d, %q", c.out, code, err, c.code, c.err)
		}
	}
}
