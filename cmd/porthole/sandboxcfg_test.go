package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"porthole/internal/testreq"
)

// The binary against the sandbox's config, as README's examples use it:
// exec names each app server and prints them in the order named; a real
// window's record (log show, log export) holds no markup on the terminal
// and no control bytes from porthole's own git look-ups; porthole tui
// --config shows the SANDBOX badge, which the same config without
// "sandbox: true" does not.
func TestBinaryAgainstTheSandboxConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("builds porthole and starts the sandbox")
	}
	b := startBadSandbox(t)
	cfg := b.ConfigPath

	t.Run("exec", func(t *testing.T) {
		o := b.run(t, "", "exec", "--config", cfg, "-g", "appservers", "--", "hostname")
		if o.code != 0 || o.stdout != "mw1001: mw1001\nmw1002: mw1002\n" {
			t.Fatalf("exec hostname on the app servers:\n%s", o)
		}
		o = b.run(t, "", "exec", "--config", cfg, "-H", "mw1002,mw1001", "-b", "--", "echo same")
		if want := "---------------\nmw[1001-1002] (2)\n---------------\nsame\n"; o.code != 0 || o.stdout != want {
			t.Fatalf("exec -b:\n%s\nwant stdout:\n%s", o, want)
		}
	})

	t.Run("log", func(t *testing.T) {
		o := b.run(t, "y\ny\ny\n", "backport", "--config", cfg, fmt.Sprint(b.Changes["core"]))
		if o.code != 0 {
			t.Fatalf("backport:\n%s", o)
		}
		id := windowOf(t, o.stdout)
		show := b.run(t, "", "log", "show", "--config", cfg, id)
		file := filepath.Join(t.TempDir(), "window.md")
		export := b.run(t, "", "log", "export", "--config", cfg, "-o", file, id)
		if show.code != 0 || export.code != 0 {
			t.Fatalf("log show:\n%s\nlog export:\n%s", show, export)
		}
		md, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for what, text := range map[string]string{"log show": show.stdout, "log export": string(md)} {
			if strings.ContainsAny(text, "\x1e\x1f") || strings.Contains(text, "%x1e") {
				t.Errorf("%s holds git's internal format or its control bytes:\n%q", what, text)
			}
			if !strings.Contains(text, "git rebase") || !strings.Contains(text, "scap sync-file") {
				t.Errorf("%s lacks the commands the deployer ran:\n%s", what, text)
			}
		}
		if strings.Contains(show.stdout, "|---|") || strings.Contains(show.stdout, "<details>") || strings.Contains(show.stdout, "**") {
			t.Errorf("log show prints Markdown markup:\n%s", show.stdout)
		}
		if !strings.HasPrefix(string(md), "# Backport ") || !strings.Contains(string(md), "|---|") {
			t.Errorf("log export is not Markdown:\n%s", md)
		}
	})

	t.Run("tui badge", func(t *testing.T) {
		sock := testreq.TmuxServer(t)
		bin := portholeBin(t)
		prod := filepath.Join(t.TempDir(), "porthole.yaml")
		data, err := os.ReadFile(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), "sandbox: true\n") {
			t.Fatalf("the sandbox's config does not say so:\n%s", data)
		}
		if err := os.WriteFile(prod, []byte(strings.Replace(string(data), "sandbox: true\n", "", 1)), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name, config string
			badge        bool
		}{{"sb", cfg, true}, {"prod", prod, false}} {
			screen := tuiScreen(t, sock, c.name, bin, b.xdg, c.config)
			header := strings.SplitN(screen, "\n", 2)[0]
			if strings.Contains(header, "SANDBOX") != c.badge {
				t.Errorf("porthole tui --config %s: SANDBOX badge %v, want %v:\n%s", c.config, !c.badge, c.badge, screen)
			}
		}
	})
}

// tuiScreen runs porthole tui --config config in a tmux session of its own
// until Home shows, and returns the screen after q (which quits an empty Home).
func tuiScreen(t *testing.T, sock, name, bin, xdg, config string) string {
	t.Helper()
	tmux := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("tmux", append([]string{"-L", sock}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	env := []string{"env", "TERM=xterm-256color"}
	for _, kv := range portholeEnv(xdg) {
		if strings.HasPrefix(kv, "XDG_") {
			env = append(env, kv)
		}
	}
	shell := bin + " tui --config " + config + "; echo porthole-exited:$?; sleep 600"
	tmux(append(append([]string{"-f", "/dev/null", "new-session", "-d", "-s", name, "-x", "100", "-y", "30"}, env...), "sh", "-c", shell)...)
	waitScreen := func(want string) string {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			s := tmux("capture-pane", "-p", "-t", name)
			if strings.Contains(s, want) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("%q never showed; screen:\n%s", want, s)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	screen := waitScreen("· Home")
	waitScreen("type a change number") // Home takes keys
	tmux("send-keys", "-t", name, "q")
	waitScreen("porthole-exited:0")
	return screen
}
