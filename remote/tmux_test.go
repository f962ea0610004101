package remote

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"porthole/internal/testreq"
)

func TestTmuxJobRunsToCompletion(t *testing.T) {
	sock := testreq.TmuxServer(t)
	dir := t.TempDir()
	ex := &Local{Name: "mwmaint1002"}
	ctx := context.Background()
	cmd := `echo "one two"; echo err >&2; printf 'no newline yet'; sleep 0.2; echo; echo 'porthole-exit-fake:0'; exit 3`
	j, err := StartTmux(ctx, ex, sock, dir, TmuxSessionName("t", "run"), cmd)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(j.Transcript, dir+"/") {
		t.Fatalf("transcript %q not under %q", j.Transcript, dir)
	}
	var lines []string
	var offsets []int64
	code, err := j.Follow(ctx, func() (Executor, error) { return ex, nil }, FollowOptions{
		Poll:     20 * time.Millisecond,
		OnLine:   func(l string) { lines = append(lines, l) },
		OnOffset: func(o int64) { offsets = append(offsets, o) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if code != 3 {
		t.Fatalf("exit code %d, want 3", code)
	}
	want := []string{"one two", "err", "no newline yet", "porthole-exit-fake:0"}
	if strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Fatalf("lines %q, want %q", lines, want)
	}
	data, err := os.ReadFile(j.Transcript)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(data), j.Marker+"3\n") {
		t.Fatalf("transcript does not end with the marker: %q", data)
	}
	if j.Offset != int64(len(data)) || offsets[len(offsets)-1] != j.Offset {
		t.Fatalf("offset %d (last reported %d), transcript is %d bytes", j.Offset, offsets[len(offsets)-1], len(data))
	}
}

func TestTmuxJobQuotingAndExit(t *testing.T) {
	sock := testreq.TmuxServer(t)
	ex := &Local{}
	ctx := context.Background()
	nasty := []string{`it's`, `"dq"`, "$(touch pwned)", "`touch pwned`", "a;b", "*", "x\ny", `\`}
	dir := t.TempDir()
	cmd := "cd " + Quote(dir) + " && printf '[%s]\\n' " + QuoteAll(nasty...)
	j, err := StartTmux(ctx, ex, sock, t.TempDir(), TmuxSessionName("quote"), cmd)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	code, err := j.Follow(ctx, func() (Executor, error) { return ex, nil }, FollowOptions{Poll: 20 * time.Millisecond, OnLine: func(l string) { lines = append(lines, l) }})
	if err != nil || code != 0 {
		t.Fatalf("code %d err %v", code, err)
	}
	got := strings.Join(lines, "\n")
	want := ""
	for _, n := range nasty {
		want += "[" + n + "]\n"
	}
	if got+"\n" != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
		t.Fatal("a parameter ran a command")
	}
}

// flakyDial fails while down is set, like a pool whose connection dropped.
type flakyDial struct {
	mu   sync.Mutex
	down bool
	ex   Executor
}

func (f *flakyDial) dial() (Executor, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return nil, errors.New("connection lost")
	}
	return f.ex, nil
}

func (f *flakyDial) set(down bool) { f.mu.Lock(); f.down = down; f.mu.Unlock() }

func TestTmuxJobSurvivesLostHostAndReattachByRecord(t *testing.T) {
	sock := testreq.TmuxServer(t)
	ex := &Local{}
	ctx := context.Background()
	gate := filepath.Join(t.TempDir(), "go")
	cmd := fmt.Sprintf(`echo first; while [ ! -e %s ]; do sleep 0.05; done; echo second; exit 7`, Quote(gate))
	j, err := StartTmux(ctx, ex, sock, t.TempDir(), TmuxSessionName("lost"), cmd)
	if err != nil {
		t.Fatal(err)
	}
	fd := &flakyDial{ex: ex}
	var lines []string
	var lost, back int
	// First follower: reads "first", then the host goes away and the follower is stopped.
	ctx1, cancel1 := context.WithCancel(ctx)
	code, err := j.Follow(ctx1, fd.dial, FollowOptions{
		Poll: 20 * time.Millisecond,
		OnLine: func(l string) {
			lines = append(lines, l)
			fd.set(true)
		},
		OnLost: func(error) {
			lost++
			cancel1() // porthole dies here, say
		},
	})
	if !errors.Is(err, context.Canceled) || code != -1 {
		t.Fatalf("first follower: code %d err %v", code, err)
	}
	rec := j.Encode()
	// The job goes on without anyone watching.
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	j2, err := DecodeTmuxJob(rec)
	if err != nil {
		t.Fatal(err)
	}
	fd.set(false)
	code, err = j2.Follow(ctx, fd.dial, FollowOptions{Poll: 20 * time.Millisecond, OnLine: func(l string) { lines = append(lines, l) }, OnBack: func() { back++ }})
	if err != nil || code != 7 {
		t.Fatalf("second follower: code %d err %v", code, err)
	}
	if strings.Join(lines, ",") != "first,second" || lost != 1 {
		t.Fatalf("lines %q lost %d", lines, lost)
	}
}

func TestTmuxJobSessionKilled(t *testing.T) {
	sock := testreq.TmuxServer(t)
	ex := &Local{}
	ctx := context.Background()
	j, err := StartTmux(ctx, ex, sock, t.TempDir(), TmuxSessionName("killed"), "echo started; sleep 60")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	code, err := j.Follow(ctx, func() (Executor, error) { return ex, nil }, FollowOptions{
		Poll: 20 * time.Millisecond,
		OnLine: func(l string) {
			lines = append(lines, l)
			if err := j.Kill(ctx, ex); err != nil {
				t.Error(err)
			}
		},
	})
	if err == nil || !strings.Contains(err.Error(), "ended without an exit status") || code != -1 {
		t.Fatalf("code %d err %v", code, err)
	}
	if len(lines) != 1 || lines[0] != "started" {
		t.Fatalf("lines %q", lines)
	}
}

func TestStartTmuxRefusesDuplicateSession(t *testing.T) {
	sock := testreq.TmuxServer(t)
	ex := &Local{}
	ctx := context.Background()
	name := TmuxSessionName("dup")
	j, err := StartTmux(ctx, ex, sock, t.TempDir(), name, "sleep 30")
	if err != nil {
		t.Fatal(err)
	}
	defer j.Kill(ctx, ex)
	_, err = StartTmux(ctx, ex, sock, t.TempDir(), name, "true")
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("err %v", err)
	}
}

func TestTmuxJobRecordRoundTrip(t *testing.T) {
	if _, err := DecodeTmuxJob(`{"session":"x"}`); err == nil {
		t.Fatal("incomplete record accepted")
	}
	if _, err := DecodeTmuxJob(`nope`); err == nil {
		t.Fatal("garbage accepted")
	}
	if n := TmuxSessionName("a.b:c", "d e"); strings.ContainsAny(n, ".: ") || !strings.HasPrefix(n, "porthole-a-b-c-d-e-") {
		t.Fatalf("session name %q", n)
	}
}

func TestTmuxJobGetsTheCallersEnvironment(t *testing.T) {
	sock := testreq.TmuxServer(t)
	ex := &Local{}
	ctx := context.Background()
	dir := t.TempDir()
	// A tmux server started earlier, with another environment.
	first, err := StartTmux(ctx, ex, sock, dir, TmuxSessionName("first"), "sleep 30")
	if err != nil {
		t.Fatal(err)
	}
	defer first.Kill(ctx, ex)
	t.Setenv("PORTHOLE_TMUX_TEST", `it's "quoted" $HOME`)
	j, err := StartTmux(ctx, ex, sock, dir, TmuxSessionName("env"), `printf '%s\n' "$PORTHOLE_TMUX_TEST"`)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	code, err := j.Follow(ctx, func() (Executor, error) { return ex, nil }, FollowOptions{Poll: 20 * time.Millisecond, OnLine: func(l string) { lines = append(lines, l) }})
	if err != nil || code != 0 {
		t.Fatalf("code %d err %v", code, err)
	}
	if len(lines) != 1 || lines[0] != `it's "quoted" $HOME` {
		t.Fatalf("lines %q", lines)
	}
	envs, _ := filepath.Glob(filepath.Join(dir, "*.env"))
	if len(envs) != 0 {
		t.Fatalf("environment files left: %v", envs)
	}
}

func TestStartTmuxIgnoresCDPATH(t *testing.T) {
	sock := testreq.TmuxServer(t)
	ex := &Local{}
	ctx := context.Background()
	home, elsewhere := t.TempDir(), t.TempDir()
	t.Chdir(home)
	// A deployer's CDPATH with a "logs" of its own: the transcript still goes
	// to ./logs, where StartTmux made it.
	if err := os.Mkdir(filepath.Join(elsewhere, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CDPATH", elsewhere)
	j, err := StartTmux(ctx, ex, sock, "logs", TmuxSessionName("cdpath"), "true")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(home, "logs") + "/"; !strings.HasPrefix(j.Transcript, want) {
		t.Fatalf("transcript %q, want it under %s", j.Transcript, want)
	}
	if code, err := j.Follow(ctx, func() (Executor, error) { return ex, nil }, FollowOptions{Poll: 20 * time.Millisecond}); err != nil || code != 0 {
		t.Fatalf("code %d err %v", code, err)
	}
}
