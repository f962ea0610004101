package main

import (
	"bufio"
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"porthole/config"
	"porthole/internal/testreq"
	"porthole/sandbox"
)

// TestSyncOutlivesAKilledPorthole: a real porthole process runs a backport
// window against the sandbox and is killed with SIGKILL just after scap
// sync-file started. scap goes on (detached on the deployment host) and
// every app server gets the change; `porthole run --resume` then finds the
// sync recorded, reattaches to it or reads its result, does not run scap
// again, and finishes the window.
func TestSyncOutlivesAKilledPorthole(t *testing.T) {
	t.Parallel() // runs the built porthole against a sandbox of its own
	testreq.SSH(t)
	bin := portholeBin(t)
	testreq.Tmux(t) // a window runs scap detached in tmux
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	envFile := filepath.Join(sb.Root, "etc", "sandbox.env")
	b, err := os.ReadFile(envFile)
	if err != nil {
		t.Fatal(err)
	}
	// Each host's copy takes up to 0.5 s: the sync is still going when
	// porthole dies (its app servers got the change 0.85-1.4 s after the
	// kill in 10 runs; 0.2 s without the delay).
	if err := os.WriteFile(envFile, bytes.Replace(b, []byte("SANDBOX_SYNC_DELAY_MS=0"), []byte("SANDBOX_SYNC_DELAY_MS=500"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	file := "php-" + sb.Version + "/includes/api/ApiMain.php"
	before, err := sb.ReadAppServerFile("mw1001", file)
	if err != nil {
		t.Fatal(err)
	}
	xdg := t.TempDir()
	yes := strings.Repeat("y\n", 40)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "backport", "--config", sb.ConfigPath, strconv.Itoa(sb.Changes["core"]))
	cmd.Env = portholeEnv(xdg)
	cmd.Stdin = strings.NewReader(yes)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var seen strings.Builder
	killed := false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		seen.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "scap runs in tmux session") {
			_ = cmd.Process.Kill() // SIGKILL: no cleanup, no goodbye
			killed = true
			break
		}
	}
	_ = cmd.Wait()
	if !killed {
		t.Fatalf("porthole never started scap sync-file:\n%s", seen.String())
	}

	// The sync outlives porthole: every app server gets the change, and
	// some got it after porthole was killed.
	apps := sb.Config.Hosts[config.RoleAppServers]
	if appServersWithout(sb, apps, file, before) == 0 {
		t.Fatalf("the sync had ended before porthole was killed: the test shows nothing\n%s", seen.String())
	}
	deadline := time.Now().Add(90 * time.Second)
	for _, h := range apps {
		for {
			got, _ := sb.ReadAppServerFile(h, file)
			if !bytes.Equal(got, before) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s never got the change after porthole was killed:\n%s", h, seen.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	o := runPorthole(t, xdg, yes, "run", "--config", sb.ConfigPath, "--resume")
	if o.code != 0 {
		t.Fatalf("resume: %s", o)
	}
	if strings.Contains(o.stdout, "scap runs in tmux session") {
		t.Errorf("the resumed window ran scap again:\n%s", o.stdout)
	}
	if !strings.Contains(o.stdout, "reattaching to scap in tmux session") && !strings.Contains(o.stdout, "had already run to the end") {
		t.Errorf("the resumed window did not pick up the recorded sync:\n%s", o.stdout)
	}
	var logs []string
	_ = filepath.WalkDir(sb.Root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(d.Name(), "-scap-") && strings.HasSuffix(d.Name(), ".log") {
			logs = append(logs, p)
		}
		return nil
	})
	if len(logs) != 1 {
		t.Errorf("scap transcripts %v, want exactly one sync", logs)
	}
	for _, l := range strings.Split(o.stdout, "\n") {
		if strings.Contains(l, "scap") || strings.Contains(l, "steps done") {
			t.Logf("resume: %s", l)
		}
	}
	if t.Failed() {
		t.Logf("first run:\n%s\nresume:\n%s", seen.String(), o)
	}
}

// appServersWithout counts the app servers whose copy of file is still before.
func appServersWithout(sb *sandbox.Sandbox, apps []string, file string, before []byte) int {
	n := 0
	for _, h := range apps {
		if got, _ := sb.ReadAppServerFile(h, file); bytes.Equal(got, before) {
			n++
		}
	}
	return n
}
